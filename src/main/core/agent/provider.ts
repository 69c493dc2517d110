import type { AiosConfig } from '../config/schema';
import type { Env } from '../config/paths';

export const OLLAMA_URL = 'http://127.0.0.1:11434';

/** Where the model is, once resolved. */
export interface ProviderReady {
  kind: 'ready';
  baseURL: string | undefined;
  apiKey: string;
  model: string;
  /** For notices: "OpenAI", "Ollama at …", "http://…". */
  label: string;
}

/** No model can be reached; `message` says exactly what to set. */
export interface ProviderMissing {
  kind: 'none';
  message: string;
}

export type ProviderState = ProviderReady | ProviderMissing;

export interface ResolveOptions {
  env: Env;
  /** Overridable so tests never depend on an Ollama running on the machine. */
  ollamaUrl?: string;
  fetchImpl?: typeof fetch;
}

const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';

interface OllamaTags {
  models?: Array<{ name?: string; model?: string }>;
}

/** Ollama's own OLLAMA_HOST ("host:port" or a URL), as its CLI reads it. */
export function ollamaFromEnv(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const url = /^https?:\/\//.test(value) ? value : `http://${value}`;
  return url.replace(/\/+$/, '');
}

export async function probeOllama(url: string, fetchImpl: typeof fetch): Promise<string[] | undefined> {
  try {
    const res = await fetchImpl(`${url}/api/tags`, { signal: AbortSignal.timeout(1500) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as OllamaTags;
    return (body.models ?? []).map((m) => m.name ?? m.model ?? '').filter((n) => n.length > 0);
  } catch {
    return undefined;
  }
}

export function noProviderMessage(ai: AiosConfig['ai'], ollamaUrl: string): string {
  return [
    'No AI provider is configured, so chat is off (direct commands with !cmd and /terminal still work).',
    `Set one of: the environment variable ${ai.api_key_env} (an OpenAI key),`,
    '  or in config.toml: [ai] base_url = "http://host:port/v1" and model = "…" (Ollama, llama.cpp, vLLM, OpenRouter),',
    `  or start Ollama on ${ollamaUrl} (checked once at start).`,
  ].join('\n');
}

/**
 * Decides which server the chat talks to: `[ai] base_url` if set (any
 * OpenAI-compatible server; the key is optional there), else OpenAI with the
 * key from `api_key_env`, else a local Ollama if one answers the one probe.
 */
export async function resolveProvider(ai: AiosConfig['ai'], options: ResolveOptions): Promise<ProviderState> {
  const key = options.env[ai.api_key_env];
  const ollamaUrl = options.ollamaUrl ?? ollamaFromEnv(options.env.OLLAMA_HOST) ?? OLLAMA_URL;
  if (ai.base_url) {
    return {
      kind: 'ready',
      baseURL: ai.base_url,
      // Local servers accept any key; the SDK insists on one being present.
      apiKey: key && key.length > 0 ? key : 'not-needed',
      model: ai.model ?? 'default',
      label: ai.base_url,
    };
  }
  if (key && key.length > 0) {
    return { kind: 'ready', baseURL: undefined, apiKey: key, model: ai.model ?? DEFAULT_OPENAI_MODEL, label: 'OpenAI' };
  }
  const models = await probeOllama(ollamaUrl, options.fetchImpl ?? fetch);
  if (models) {
    const model = ai.model ?? models[0];
    if (!model) {
      return { kind: 'none', message: `Ollama answers on ${ollamaUrl} but has no model: run \`ollama pull <model>\` or set [ai] model.` };
    }
    return { kind: 'ready', baseURL: `${ollamaUrl}/v1`, apiKey: 'ollama', model, label: `Ollama at ${ollamaUrl}` };
  }
  return { kind: 'none', message: noProviderMessage(ai, ollamaUrl) };
}
