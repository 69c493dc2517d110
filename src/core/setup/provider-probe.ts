import { networkReason } from '../network-error';

/**
 * "Test connection": asks an OpenAI-compatible server for its models
 * (`GET <base_url>/models`) and says in words what went wrong when it cannot.
 */

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export type ProbeResult = { ok: true; url: string; models: string[] } | { ok: false; url: string; message: string };

export interface ProbeOptions {
  baseUrl: string | undefined;
  apiKey: string | undefined;
  /** Names the key's variable in messages. */
  apiKeyEnv: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

interface ModelList {
  data?: Array<{ id?: unknown }>;
  models?: Array<{ name?: unknown; id?: unknown }>;
}

export async function probeProvider(o: ProbeOptions): Promise<ProbeResult> {
  const base = (o.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, '');
  const url = `${base}/models`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, url, message: `"${o.baseUrl}" is not a URL: write it like http://127.0.0.1:11434/v1` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, url, message: `the base URL must start with http:// or https://, not ${parsed.protocol}` };
  }
  const timeoutMs = o.timeoutMs ?? 8000;
  let res: Response;
  try {
    res = await (o.fetchImpl ?? fetch)(url, {
      headers: o.apiKey ? { Authorization: `Bearer ${o.apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      return { ok: false, url, message: `${base} did not answer within ${Math.round(timeoutMs / 1000)} s` };
    return { ok: false, url, message: networkReason(err, url) };
  }
  if (res.status === 401 || res.status === 403) {
    return {
      ok: false,
      url,
      message: o.apiKey
        ? `${base} refused the key in ${o.apiKeyEnv} (${res.status}): check the key`
        : `${base} needs a key (${res.status}): set the environment variable ${o.apiKeyEnv} before starting aios`,
    };
  }
  if (res.status === 404) return { ok: false, url, message: `${base} has no /models (404): the base URL usually ends in /v1` };
  if (!res.ok) return { ok: false, url, message: `${base} answered ${res.status} ${res.statusText}`.trim() };
  let body: ModelList;
  try {
    body = (await res.json()) as ModelList;
  } catch {
    return { ok: false, url, message: `${url} did not answer with JSON: is this an OpenAI-compatible server?` };
  }
  const ids = [...(body.data ?? []).map((m) => m.id), ...(body.models ?? []).map((m) => m.id ?? m.name)].filter(
    (x): x is string => typeof x === 'string' && x.length > 0,
  );
  return { ok: true, url, models: [...new Set(ids)].sort((a, b) => a.localeCompare(b)) };
}
