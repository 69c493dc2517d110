import { useEffect, useId, useRef, type FormEvent } from 'react';
import { useUi } from '../store';
import { useChatController } from './ChatContext';
import { ProbeSummary, ProviderFields } from './ProviderFields';
import { useProviderForm } from './use-provider-form';

/** First run without a model: a form that writes [ai] into config.toml, or one click for a local Ollama. */
export function SetupCard() {
  const chat = useChatController();
  const provider = useUi((s) => s.provider);
  const config = useUi((s) => s.status?.config);
  const request = useUi((s) => s.setupRequest);
  const terminalVisible = useUi((s) => s.terminalVisible);
  const toggleTerminal = useUi((s) => s.toggleTerminal);
  const heading = useRef<HTMLHeadingElement>(null);
  const firstField = useRef<HTMLInputElement>(null);
  const ids = useId();
  const needed = provider !== undefined && provider.provider === null && !config?.safeFallback;
  const form = useProviderForm(needed);
  const state = form.state;

  // First run: the form is what there is to do, so the keyboard starts in its first field (once).
  const focusedOnce = useRef(false);
  useEffect(() => {
    if (!state || focusedOnce.current || terminalVisible) return;
    focusedOnce.current = true;
    firstField.current?.focus();
  }, [state, terminalVisible]);

  useEffect(() => {
    if (request.seq === 0) return;
    heading.current?.scrollIntoView({ block: 'nearest' });
    // Only when asked for (the status bar): a failed send must leave the focus in the input.
    if (request.focus) heading.current?.focus();
  }, [request]);

  if (!needed) return null;
  if (terminalVisible) {
    // Beside an open terminal there is no room for the form: one line, and the way back to it.
    return (
      <section className="setup-card compact" data-testid="setup-card" aria-labelledby="setup-title">
        <h2 id="setup-title" ref={heading} tabIndex={-1}>
          No AI provider yet
        </h2>
        <button type="button" onClick={toggleTerminal}>
          Hide the terminal and set one up
        </button>
      </section>
    );
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void form.save();
  };
  const ollama = state?.ollama;

  return (
    <section className="setup-card" data-testid="setup-card" aria-labelledby="setup-title">
      <h2 id="setup-title" ref={heading} tabIndex={-1}>
        Set up an AI provider
      </h2>
      <p className="setup-lead">
        The assistant needs a model to answer. Until then, <kbd>!command</kbd> and the terminal (<kbd>Ctrl</kbd>+<kbd>`</kbd>) work.
      </p>
      {ollama && (
        <div className="setup-ollama" data-testid="setup-ollama">
          <span>
            Ollama answers at <code>{ollama.url}</code>
            {ollama.models.length > 0
              ? ` with ${ollama.models.length} model${ollama.models.length === 1 ? '' : 's'}.`
              : ', but has no model yet: run `ollama pull <model>`.'}
          </span>
          {ollama.models[0] && (
            <button
              type="button"
              disabled={form.busy !== 'idle'}
              onClick={() =>
                void form.save({
                  baseUrl: ollama.baseUrl,
                  model: ollama.models[0] as string,
                  apiKeyEnv: form.values.apiKeyEnv.trim() || 'OPENAI_API_KEY',
                })
              }
            >
              Use {ollama.models[0]}
            </button>
          )}
        </div>
      )}
      <form className="setup-form" onSubmit={submit} aria-describedby={`${ids}-hint`}>
        <ProviderFields ids={ids} testIds="setup" firstField={firstField} serverLabel="Server" {...form.fields} />
        <p id={`${ids}-hint`} className="setup-result" role="status" data-testid="setup-result">
          <ProbeSummary probe={form.probe} />
          {form.result && !form.result.ok && <span className="bad">{form.result.text}</span>}
        </p>
        <div className="setup-actions">
          <button type="submit" className="primary" data-testid="setup-save" disabled={!form.canSave}>
            {form.busy === 'saving' ? 'Saving…' : 'Save and start chatting'}
          </button>
          <span className="setup-note">
            Writes <code className="config-path">[ai]</code> into <code className="config-path">{state?.config.file ?? 'config.toml'}</code>
            , keeping your comments.
          </span>
          <button
            type="button"
            className="link-button"
            disabled={!state}
            onClick={() => state && chat.openConfigInTerminal(state.config.file)}
          >
            Edit the file in the terminal
          </button>
        </div>
      </form>
    </section>
  );
}
