import type { RefObject } from 'react';
import type { ProviderProbe, SetupState } from '../../../shared/contract';

export interface ProviderFieldValues {
  baseUrl: string;
  apiKeyEnv: string;
  model: string;
}

interface Props {
  /** Prefix of the fields' ids (from useId). */
  ids: string;
  /** `setup` (the first-run card) or `settings` (the settings view): the fields' test ids. */
  testIds: 'setup' | 'settings';
  firstField: RefObject<HTMLInputElement | null>;
  serverLabel: string;
  values: ProviderFieldValues;
  onChange: (next: Partial<ProviderFieldValues>) => void;
  state: SetupState | undefined;
  probe: ProviderProbe | undefined;
  testing: boolean;
  disabled: boolean;
  onTest: () => void;
}

/**
 * The provider's fields (server, key variable, model with the server's list,
 * "Test connection"): one form for the first-run card and the settings view,
 * both saving through the same setup service.
 */
export function ProviderFields({
  ids,
  testIds,
  firstField,
  serverLabel,
  values,
  onChange,
  state,
  probe,
  testing,
  disabled,
  onTest,
}: Props) {
  const keyNote =
    state?.ai.apiKeyEnv === values.apiKeyEnv.trim()
      ? state.ai.keySet
        ? 'set in aios’s environment'
        : 'not set (local servers need none)'
      : 'the environment variable holding the key';
  return (
    <>
      <label htmlFor={`${ids}-url`}>{serverLabel}</label>
      <input
        ref={firstField}
        id={`${ids}-url`}
        data-testid={`${testIds}-base-url`}
        type="url"
        value={values.baseUrl}
        placeholder="http://127.0.0.1:11434/v1 (empty: OpenAI)"
        onChange={(e) => onChange({ baseUrl: e.target.value })}
        spellCheck={false}
      />
      <label htmlFor={`${ids}-key`}>Key variable</label>
      <div className="setup-row">
        <input
          id={`${ids}-key`}
          data-testid={`${testIds}-key-env`}
          value={values.apiKeyEnv}
          onChange={(e) => onChange({ apiKeyEnv: e.target.value })}
          spellCheck={false}
        />
        <span className="setup-note">{keyNote}</span>
      </div>
      <label htmlFor={`${ids}-model`}>Model</label>
      <div className="setup-row">
        <input
          id={`${ids}-model`}
          data-testid={`${testIds}-model`}
          list={`${ids}-models`}
          value={values.model}
          onChange={(e) => onChange({ model: e.target.value })}
          spellCheck={false}
          required
        />
        <datalist id={`${ids}-models`}>{probe?.ok && probe.models.map((m) => <option key={m} value={m} />)}</datalist>
        <button type="button" data-testid={`${testIds}-test`} disabled={disabled} onClick={onTest}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
      </div>
    </>
  );
}

/** What a connection test found, in one line. */
export function ProbeSummary({ probe }: { probe: ProviderProbe | undefined }) {
  if (probe?.ok === true) {
    const n = probe.models.length;
    const some = n > 0 ? ` (${probe.models.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''})` : '';
    return <>{`Connected: ${n} model${n === 1 ? '' : 's'}${some}.`}</>;
  }
  if (probe?.ok === false) return <span className="bad">{probe.message}</span>;
  return null;
}
