import { useEffect, useRef } from 'react';
import { useUi } from '../store';
import { useChatController } from './ChatContext';

const EXAMPLE = `[ai]
# any OpenAI-compatible server: Ollama, llama.cpp, vLLM, OpenRouter, …
base_url = "http://127.0.0.1:11434/v1"
model = "qwen2.5:7b"
# the variable holding the key (OpenAI without base_url needs one)
api_key_env = "OPENAI_API_KEY"`;

/** First run without a model: what to set, and where. */
export function SetupCard() {
  const chat = useChatController();
  const provider = useUi((s) => s.provider);
  const configFile = useUi((s) => s.info?.configFile);
  const request = useUi((s) => s.setupRequest);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (request.seq === 0) return;
    heading.current?.scrollIntoView({ block: 'nearest' });
    // Only when asked for (the status bar): a failed send must leave the focus in the input.
    if (request.focus) heading.current?.focus();
  }, [request]);

  if (!provider || provider.provider !== null) return null;
  return (
    <section className="setup-card" data-testid="setup-card" aria-labelledby="setup-title">
      <h2 id="setup-title" ref={heading} tabIndex={-1}>
        Set up an AI provider
      </h2>
      {provider.problem ? (
        <p className="problem">{provider.problem}</p>
      ) : (
        <p className="problem">
          No AI provider is configured, so the assistant cannot answer yet (direct commands like <kbd>!ls</kbd> and the terminal work). Set{' '}
          <code>OPENAI_API_KEY</code> in the environment, run a local Ollama on <code>127.0.0.1:11434</code>, or name a server in{' '}
          <code>config.toml</code>.
        </p>
      )}
      <p>
        For a server of your own (Ollama, llama.cpp, vLLM, OpenRouter…), put this in <code>config.toml</code>:
      </p>
      <pre className="config-example">{EXAMPLE}</pre>
      <div className="setup-actions">
        <p>
          Config file: <code className="config-path">{configFile ?? '(unknown)'}</code>. Restart aios after changing it.
        </p>
        <button type="button" disabled={!configFile} onClick={() => configFile && chat.openConfigInTerminal(configFile)}>
          Open config in terminal
        </button>
      </div>
    </section>
  );
}
