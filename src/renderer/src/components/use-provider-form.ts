import { useEffect, useState } from 'react';
import type { ProviderProbe, SetupState } from '../../../shared/contract';
import { useChatController } from './ChatContext';
import type { ProviderFieldValues } from './ProviderFields';

type Busy = 'loading' | 'idle' | 'testing' | 'saving';

export interface ProviderSettings {
  baseUrl?: string;
  model: string;
  apiKeyEnv: string;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The provider form's state and its three actions (load the current [ai],
 * test the connection, save), shared by the first-run card and the settings
 * view so both behave alike. `active`: load only while the form is shown.
 */
export function useProviderForm(active: boolean, onLoaded?: () => void) {
  const chat = useChatController();
  const [state, setState] = useState<SetupState | undefined>();
  const [values, setValues] = useState<ProviderFieldValues>({ baseUrl: '', apiKeyEnv: 'OPENAI_API_KEY', model: '' });
  const [probe, setProbe] = useState<ProviderProbe | undefined>();
  const [busy, setBusy] = useState<Busy>('loading');
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();

  useEffect(() => {
    if (!active) return;
    let live = true;
    chat.setupState().then(
      (s) => {
        if (!live) return;
        setState(s);
        setValues({ baseUrl: s.ai.baseUrl ?? '', apiKeyEnv: s.ai.apiKeyEnv, model: s.ai.model ?? '' });
        setBusy('idle');
        onLoaded?.();
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
    // onLoaded is a focus call: a new function each render must not load again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [chat, active]);

  const target = { ...(values.baseUrl.trim() ? { baseUrl: values.baseUrl.trim() } : {}), apiKeyEnv: values.apiKeyEnv.trim() };

  const test = async () => {
    setBusy('testing');
    setResult(undefined);
    try {
      const r = await chat.testProvider(target);
      setProbe(r);
      if (r.ok && !values.model && r.models[0]) setValues((v) => ({ ...v, model: r.models[0]! }));
    } catch (err) {
      setProbe(undefined);
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy('idle');
    }
  };

  /** Saves the fields (or other settings, as the one-click Ollama does). */
  const save = async (settings: ProviderSettings = { ...target, model: values.model.trim() }) => {
    setBusy('saving');
    setResult(undefined);
    setProbe(undefined);
    try {
      const saved = await chat.saveProvider(settings);
      if (saved.problem) setResult({ ok: false, text: `saved to ${saved.file}, but: ${saved.problem}` });
      else setResult({ ok: true, text: `Saved to ${saved.file}: the next message goes to ${saved.provider ?? settings.model}.` });
    } catch (err) {
      setResult({ ok: false, text: errorText(err) });
    } finally {
      setBusy('idle');
    }
  };

  /** What ProviderFields needs from the form, beyond its labels and ids. */
  const fields = {
    values,
    onChange: (next: Partial<ProviderFieldValues>) => {
      // Another server's models are not this one's.
      if (next.baseUrl !== undefined) setProbe(undefined);
      setValues((v) => ({ ...v, ...next }));
    },
    state,
    probe,
    testing: busy === 'testing',
    disabled: busy !== 'idle',
    onTest: () => void test(),
  };

  return { state, values, probe, busy, result, save, fields, canSave: busy === 'idle' && values.model.trim() !== '' };
}
