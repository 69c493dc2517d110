import type { AiosConfig } from '../config/schema';
import { ProviderError } from './errors';
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

export interface ProviderAnswer {
  status: number | undefined;
  message: string;
  model: string;
  /** The server, as notices name it. */
  where: string;
}

/**
 * Answers of real servers that a setting fixes and a retry never will, each
 * turned into the next step. The patterns are the servers' own wording.
 */
const KNOWN: Array<{ test: RegExp; say: (a: ProviderAnswer) => string }> = [
  {
    // Ollama: 400 `registry.ollama.ai/library/gemma2:2b does not support tools`; OpenRouter: 404 `No endpoints found that support tool use`.
    test: /does not support tools|no endpoints found that support tool use|tools? (?:is|are) not supported|does not support (?:function|tool) call/i,
    say: (a) =>
      `model "${a.model}" at ${a.where} does not support tools, and aios needs them to run commands. Choose a model with tool support ([ai] model; in Ollama the models tagged "tools", e.g. qwen3 or llama3.1). Retrying will not help.`,
  },
  {
    // llama-server started without --jinja: 500 `tools param requires --jinja flag`.
    test: /requires --jinja|--jinja flag/i,
    say: (a) =>
      `${a.where} (llama-server) needs the --jinja flag to accept tools: restart it as \`llama-server --jinja -m …\`. Retrying will not help.`,
  },
  {
    // vLLM without a tool parser: 400 `"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set`.
    test: /enable-auto-tool-choice|tool-call-parser/i,
    say: (a) =>
      `${a.where} (vLLM) was started without tool calling: restart it with --enable-auto-tool-choice --tool-call-parser <parser> (hermes for Qwen and Hermes models). Retrying will not help.`,
  },
  {
    // DeepSeek thinking mode, when a tool round's reasoning_content was not sent back.
    test: /reasoning_content.*(?:passed back|must be)|missing reasoning_content/i,
    say: (a) =>
      `${a.where} refused the stored conversation (${a.message}). /clear starts a new conversation; retrying this one will not help.`,
  },
  {
    // OpenAI `context_length_exceeded`, vLLM `maximum context length is N tokens`, llama-server `exceeds the available context size`, Ollama and others.
    test: /context[_ ]length|maximum context|context (?:size|window)|exceeds the available context|prompt is too long|too many tokens|input is too long/i,
    say: (a) =>
      `the conversation is longer than model "${a.model}" can read at ${a.where} (${a.message}). /clear starts a new conversation; or give the server more context (Ollama: OLLAMA_CONTEXT_LENGTH; llama-server: -c; vLLM: --max-model-len).`,
  },
];

/** A known server answer as a ProviderError that says what to do, or undefined. */
export function knownProviderError(a: ProviderAnswer): ProviderError | undefined {
  if (a.status === 401 || a.status === 403 || a.status === 429) return undefined;
  for (const k of KNOWN) if (k.test.test(a.message)) return new ProviderError('setup', k.say(a), a.status);
  return undefined;
}
