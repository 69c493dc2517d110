import { useEffect, useId, useRef, type FormEvent, type KeyboardEvent } from 'react';
import { ProbeSummary, ProviderFields } from './ProviderFields';
import { useProviderForm } from './use-provider-form';
import { useSettings } from '../settings-state';

/**
 * The settings view: the AI provider (server, key variable, model) with
 * "Test connection" and Save, through the same setup service as the
 * first-run form and `/setup` in the TTY. Saving writes `[ai]` into
 * config.toml and the next message goes to the new provider.
 */
function Settings() {
  const hide = useSettings((s) => s.hide);
  const ids = useId();
  const first = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const form = useProviderForm(true, () => first.current?.focus());

  // Focus is in the view from its first frame, so Esc closes it even while the settings are still loading.
  useEffect(() => box.current?.focus(), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void form.save();
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
          The AI provider aios talks to. Saved into <code className="config-path">[ai]</code> of{' '}
          <code className="config-path">{form.state?.config.file ?? 'config.toml'}</code>, keeping your comments.
        </p>
        <form className="setup-form" onSubmit={submit}>
          <ProviderFields ids={ids} testIds="settings" firstField={first} serverLabel="Server (base URL)" {...form.fields} />
          <p className="setup-result" role="status" data-testid="settings-result">
            <ProbeSummary probe={form.probe} />
            {form.result && <span className={form.result.ok ? 'ok' : 'bad'}>{form.result.text}</span>}
          </p>
          <div className="modal-actions">
            <button type="button" onClick={hide}>
              Close
            </button>
            <button type="submit" className="primary" data-testid="settings-save" disabled={!form.canSave}>
              {form.busy === 'saving' ? 'Saving…' : 'Save'}
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
