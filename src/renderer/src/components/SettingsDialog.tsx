import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ProviderProbe, SetupState } from '../../../shared/contract';
import { useChatController } from './ChatContext';
import { ProbeSummary, ProviderFields } from './ProviderFields';
import { useSettings } from '../settings-state';

type Busy = 'loading' | 'idle' | 'testing' | 'saving';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The settings view: the AI provider (server, key variable, model) with
 * "Test connection" and Save, through the same setup service as the
 * first-run form and `/setup` in the TTY. Saving writes `[ai]` into
 * config.toml and the next message goes to the new provider.
 */
function Settings() {
  const chat = useChatController();
  const hide = useSettings((s) => s.hide);
  const ids = useId();
  const first = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<SetupState | undefined>();
  const [baseUrl, setBaseUrl] = useState('');
  const [model, setModel] = useState('');
  const [apiKeyEnv, setApiKeyEnv] = useState('OPENAI_API_KEY');
  const [probe, setProbe] = useState<ProviderProbe | undefined>();
  const [busy, setBusy] = useState<Busy>('loading');
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();

  // Focus is in the view from its first frame, so Esc closes it even while the settings are still loading.
  useEffect(() => box.current?.focus(), []);

  useEffect(() => {
    let live = true;
    chat.setupState().then(
      (s) => {
        if (!live) return;
        setState(s);
        setBaseUrl(s.ai.baseUrl ?? '');
        setModel(s.ai.model ?? '');
        setApiKeyEnv(s.ai.apiKeyEnv);
        setBusy('idle');
        first.current?.focus();
      },
      (err: unknown) => {
        if (!live) return;
        setResult({ ok: false, text: `could not read the settings: ${errorText(err)}` });
        setBusy('idle');
      },
    );
    return () => {
      live = false;
    };
  }, [chat]);

  const target = { ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}), apiKeyEnv: apiKeyEnv.trim() };
  const test = async () => {
    setBusy('testing');
    setResult(undefined);
    try {
      const r = await chat.testProvider(target);
      setProbe(r);
      if (r.ok && !model && r.models[0]) setModel(r.models[0]);
    } catch (err) {
      setProbe(undefined);
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy('idle');
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy('saving');
    setResult(undefined);
    setProbe(undefined);
    try {
      const saved = await chat.saveProvider({ ...target, model: model.trim() });
      if (saved.problem) setResult({ ok: false, text: `saved to ${saved.file}, but: ${saved.problem}` });
      else setResult({ ok: true, text: `Saved to ${saved.file}: the next message goes to ${saved.provider ?? model.trim()}.` });
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy('idle');
    }
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      hide();
    }
  };

  return (
    <div className="modal-backdrop">
      <div
        ref={box}
        tabIndex={-1}
        className="modal settings"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${ids}-title`}
        data-testid="settings"
        onKeyDown={onKeyDown}
      >
        <h2 id={`${ids}-title`}>Settings</h2>
        <p className="settings-lead">
          The AI provider aios talks to. Saved into <code className="config-path">[ai]</code> of <code className="config-path">{state?.config.file ?? 'config.toml'}</code>, keeping your comments.
        </p>
        <form className="setup-form" onSubmit={(e) => void submit(e)}>
          <ProviderFields
            ids={ids}
            testIds="settings"
            firstField={first}
            serverLabel="Server (base URL)"
            values={{ baseUrl, apiKeyEnv, model }}
            onChange={(next) => {
              if (next.baseUrl !== undefined) {
                setBaseUrl(next.baseUrl);
                setProbe(undefined);
              }
              if (next.apiKeyEnv !== undefined) setApiKeyEnv(next.apiKeyEnv);
              if (next.model !== undefined) setModel(next.model);
            }}
            state={state}
            probe={probe}
            testing={busy === 'testing'}
            disabled={busy !== 'idle'}
            onTest={() => void test()}
          />
          <p className="setup-result" role="status" data-testid="settings-result">
            <ProbeSummary probe={probe} />
            {result && <span className={result.ok ? 'ok' : 'bad'}>{result.text}</span>}
          </p>
          <div className="modal-actions">
            <button type="button" onClick={hide}>
              Close
            </button>
            <button type="submit" className="primary" data-testid="settings-save" disabled={busy !== 'idle' || !model.trim()}>
              {busy === 'saving' ? 'Saving…' : 'Save'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

export function SettingsDialog() {
  const open = useSettings((s) => s.open);
  return open ? <Settings /> : null;
}
