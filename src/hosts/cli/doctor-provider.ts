import { resolveProvider, type ProviderReady } from '../../core/agent/provider';
import type { DoctorContext, DoctorSection } from './doctor';

/** Where the OpenAI SDK goes when no base_url is set. */
const OPENAI_BASE_URL = 'https://api.openai.com/v1';
const TIMEOUT_MS = 5000;

/** What `GET <base_url>/models` said, in terms a person can act on. */
export type ModelsCheck =
  | { kind: 'ok'; url: string; models: string[] }
  | { kind: 'unauthorized'; url: string; status: number }
  | { kind: 'http-error'; url: string; status: number; body: string }
  | { kind: 'unreachable'; url: string; reason: string }
  | { kind: 'timeout'; url: string; ms: number }
  | { kind: 'not-openai'; url: string; body: string };

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (nothing listens there)';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (cause?.code === 'ECONNRESET') return 'the connection was reset';
  if (cause?.message === 'bad port') return 'fetch refuses to use that port (one of the ports browsers block)';
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Asks the provider for its models: the cheapest call that proves address, key and protocol. */
export async function checkModels(
  provider: ProviderReady,
  options: { timeoutMs?: number; fetchImpl?: typeof fetch } = {},
): Promise<ModelsCheck> {
  const url = `${(provider.baseURL ?? OPENAI_BASE_URL).replace(/\/+$/, '')}/models`;
  const ms = options.timeoutMs ?? TIMEOUT_MS;
  let res: Response;
  try {
    res = await (options.fetchImpl ?? fetch)(url, {
      headers: { authorization: `Bearer ${provider.apiKey}` },
      signal: AbortSignal.timeout(ms),
    });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return { kind: 'timeout', url, ms };
    return { kind: 'unreachable', url, reason: networkReason(err) };
  }
  const text = await res.text().catch(() => '');
  if (res.status === 401 || res.status === 403) return { kind: 'unauthorized', url, status: res.status };
  if (!res.ok) return { kind: 'http-error', url, status: res.status, body: text.slice(0, 200) };
  try {
    const body = JSON.parse(text) as { data?: Array<{ id?: unknown }> };
    if (!Array.isArray(body.data)) return { kind: 'not-openai', url, body: text.slice(0, 200) };
    return { kind: 'ok', url, models: body.data.map((m) => m.id).filter((id): id is string => typeof id === 'string') };
  } catch {
    return { kind: 'not-openai', url, body: text.slice(0, 200) };
  }
}

/** The provider part of `aios doctor`: which server, whether it answers, whether it knows the model. */
export async function providerSection(ctx: DoctorContext): Promise<DoctorSection> {
  const ai = ctx.loaded.config.ai;
  const provider = await resolveProvider(ai, { env: ctx.env });
  const configFile = ctx.loaded.file;
  if (provider.kind === 'none') {
    return { name: 'provider', ok: false, lines: provider.message.split('\n'), data: { configured: false, message: provider.message } };
  }
  const check = await checkModels(provider);
  const lines = [`server       ${provider.label}`, `model        ${provider.model}`];
  let ok = false;
  switch (check.kind) {
    case 'ok': {
      const listed = check.models.includes(provider.model);
      ok = listed || check.models.length === 0;
      lines.push(`answer       ${check.url} lists ${check.models.length} model${check.models.length === 1 ? '' : 's'}`);
      if (!ok) {
        const some = check.models.slice(0, 8).join(', ');
        lines.push(
          `problem      the model "${provider.model}" is not among them (${some}${check.models.length > 8 ? ', …' : ''}); set [ai] model in ${configFile} to one of them`,
        );
      }
      break;
    }
    case 'unauthorized':
      lines.push(
        `problem      ${check.url} answered ${check.status}: the key was refused. Set ${ai.api_key_env} to a valid key for this server (it is ${ctx.env[ai.api_key_env] ? 'set' : 'not set'}).`,
      );
      break;
    case 'http-error':
      lines.push(
        `problem      ${check.url} answered HTTP ${check.status}${check.body ? `: ${check.body}` : ''}. Check [ai] base_url in ${configFile}.`,
      );
      break;
    case 'unreachable':
      lines.push(`problem      cannot reach ${check.url}: ${check.reason}. Start the server, or fix [ai] base_url in ${configFile}.`);
      break;
    case 'timeout':
      lines.push(
        `problem      ${check.url} did not answer within ${check.ms / 1000} s. Is the server up and not overloaded? Else fix [ai] base_url in ${configFile}.`,
      );
      break;
    case 'not-openai':
      lines.push(
        `problem      ${check.url} did not answer like an OpenAI-compatible server (no "data" list). Does [ai] base_url end in /v1? (${configFile})`,
      );
      break;
  }
  return {
    name: 'provider',
    ok,
    lines,
    data: { configured: true, label: provider.label, baseURL: provider.baseURL ?? OPENAI_BASE_URL, model: provider.model, check },
  };
}
