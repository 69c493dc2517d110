import OpenAI from 'openai';
import { isStaleConnection, networkReason } from '../network-error';
import type { AiosConfig } from '../config/schema';
import { ProviderError } from './errors';
import { knownProviderError, type ProviderReady } from './provider';
import { StreamReader, type Completion } from './stream-reader';

export type { Completion, RawToolCall, ReasoningSource } from './stream-reader';

export type ChatMessage = OpenAI.Chat.ChatCompletionMessageParam;
export type ToolSpec = OpenAI.Chat.ChatCompletionFunctionTool;

export interface CompleteOptions {
  messages: ChatMessage[];
  tools: ToolSpec[];
  signal: AbortSignal;
  onDelta?: (text: string) => void;
  /** Reasoning as it streams (never part of the answer). */
  onReasoning?: (text: string) => void;
  /** Tool-call ids already in the conversation: new calls never reuse them. */
  takenIds?: ReadonlySet<string>;
  /** Told before a retry after 429, so the person knows why it is quiet. */
  onRetry?: (waitMs: number, attempt: number) => void;
}

export interface LlmClientOptions {
  provider: ProviderReady;
  ai: AiosConfig['ai'];
  /** Retries after 429 (each honouring retry-after). */
  maxRateLimitRetries?: number;
  /** Upper bound for one retry-after wait. */
  maxRetryWaitMs?: number;
  /** The longest one answer may stream, however steadily (default: 20 idle timeouts, at least 10 minutes). */
  maxAnswerMs?: number;
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const s = headers?.get('retry-after');
  if (!s) return undefined;
  if (Number.isFinite(Number(s))) return Number(s) * 1000;
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new ProviderError('cancelled', 'cancelled'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(t);
      reject(new ProviderError('cancelled', 'cancelled'));
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });

/**
 * One streaming chat-completions request with tools, through the `openai`
 * SDK so any OpenAI-compatible server works. Errors become ProviderErrors
 * that name the setting to fix; 429 is retried a bounded number of times.
 */
export class LlmClient {
  private readonly client: OpenAI;
  private readonly maxRetries: number;
  private readonly maxWait: number;

  constructor(private readonly options: LlmClientOptions) {
    this.client = new OpenAI({
      apiKey: options.provider.apiKey,
      baseURL: options.provider.baseURL ?? null,
      timeout: options.ai.request_timeout_s * 1000,
      // Retries are ours: bounded, cancellable, and visible to the person.
      maxRetries: 0,
      // The SDK would print its own diagnostics to stderr, i.e. into the TTY chat; every failure reaches the person as a ProviderError instead.
      logLevel: 'off',
    });
    this.maxRetries = options.maxRateLimitRetries ?? 3;
    this.maxWait = options.maxRetryWaitMs ?? 30_000;
  }

  get model(): string {
    return this.options.provider.model;
  }

  async complete(opts: CompleteOptions): Promise<Completion> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(opts);
      } catch (err) {
        const e = this.classify(err, opts.signal);
        if (attempt === 0 && err instanceof OpenAI.APIConnectionError && !opts.signal.aborted && isStaleConnection(err)) continue;
        if (e.kind === 'rate_limit' && attempt < this.maxRetries) {
          const hinted = err instanceof OpenAI.APIError ? retryAfterMs(err.headers) : undefined;
          const wait = Math.min(this.maxWait, hinted ?? 1000 * 2 ** attempt);
          opts.onRetry?.(wait, attempt + 1);
          await sleep(wait, opts.signal);
          continue;
        }
        throw e;
      }
    }
  }

  /** One request, cut off when the whole answer takes longer than [ai] answer_timeout_s (a stream that never finishes). */
  private async once(opts: CompleteOptions): Promise<Completion> {
    const where = this.options.provider.label;
    const idleMs = this.options.ai.request_timeout_s * 1000;
    const capMs = this.options.maxAnswerMs ?? (this.options.ai.answer_timeout_s ?? 600) * 1000;
    // request_timeout_s bounds the silence between chunks, not only the wait for the headers.
    const local = new AbortController();
    let stalled: 'idle' | 'cap' | undefined;
    const stop = (why: 'idle' | 'cap') => () => {
      stalled = why;
      local.abort();
    };
    let idle = setTimeout(stop('idle'), idleMs);
    const cap = setTimeout(stop('cap'), capMs);
    const onAbort = () => local.abort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const stalledError = () =>
      stalled === 'idle'
        ? new ProviderError(
            'timeout',
            `${where} went silent for ${this.options.ai.request_timeout_s} s in the middle of the answer ([ai] request_timeout_s)`,
          )
        : new ProviderError(
            'timeout',
            `the answer from ${where} did not finish within ${Math.round(capMs / 1000)} s ([ai] answer_timeout_s): the model kept sending without ending; ask again, or raise the limit`,
          );
    const reader = new StreamReader({ toolNames: opts.tools.map((t) => t.function.name), label: where });
    const show = (pieces: ReturnType<StreamReader['push']>) => {
      for (const p of pieces) (p.kind === 'text' ? opts.onDelta : opts.onReasoning)?.(p.text);
    };
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: opts.messages,
          ...(opts.tools.length > 0 ? { tools: opts.tools } : {}),
          stream: true,
        },
        { signal: local.signal },
      );
      for await (const chunk of stream) {
        clearTimeout(idle);
        idle = setTimeout(stop('idle'), idleMs);
        show(reader.push(chunk));
      }
      // The SDK ends the loop quietly when the request is aborted.
      if (stalled) throw stalledError();
      if (opts.signal.aborted) throw new ProviderError('cancelled', 'cancelled');
      // [DONE] (or a clean end) without finish_reason is a finished answer: llama-server and others omit it.
      const { pieces, completion } = reader.end(opts.takenIds);
      show(pieces);
      return completion;
    } catch (err) {
      if (stalled) throw stalledError();
      throw err;
    } finally {
      clearTimeout(idle);
      clearTimeout(cap);
      opts.signal.removeEventListener('abort', onAbort);
    }
  }

  private classify(err: unknown, signal: AbortSignal): ProviderError {
    if (err instanceof ProviderError) return err;
    const where = this.options.provider.label;
    const ai = this.options.ai;
    if (signal.aborted || err instanceof OpenAI.APIUserAbortError) return new ProviderError('cancelled', 'cancelled');
    if (err instanceof OpenAI.APIConnectionTimeoutError) {
      return new ProviderError('timeout', `${where} did not answer within ${ai.request_timeout_s} s ([ai] request_timeout_s)`);
    }
    if (err instanceof OpenAI.APIConnectionError) {
      return new ProviderError(
        'connection',
        `cannot reach ${where}: ${networkReason(err, this.options.provider.baseURL)}. Check [ai] base_url (Settings in the status bar, or /setup, can test it).`,
      );
    }
    if (err instanceof OpenAI.APIError) {
      const status = err.status;
      const detail = err.message;
      const known = knownProviderError({ status, message: `${detail} ${err.code ?? ''}`.trim(), model: this.model, where });
      if (known) return known;
      // No status: the SDK read an error object inside the stream.
      if (status === undefined) return new ProviderError('stream_error', `${where} sent an error instead of an answer: ${detail}`);
      if (status === 401 || status === 403) {
        return new ProviderError(
          'auth',
          `${where} refused the API key (${status}). Check the environment variable ${ai.api_key_env} ([ai] api_key_env names it)${ai.base_url ? ' and [ai] base_url' : ''}.`,
          status,
        );
      }
      if (status === 429)
        return new ProviderError('rate_limit', `${where} is rate limiting (429): ${detail}. Try again in a moment.`, status);
      if (status === 404)
        return new ProviderError(
          'not_found',
          `${where} does not know model "${this.model}" or the path (404). Check [ai] model and [ai] base_url.`,
          status,
        );
      if (status !== undefined && status >= 500)
        return new ProviderError('server', `${where} failed (${status}): ${detail}. Try again.`, status);
      return new ProviderError('bad_request', `${where} rejected the request (${status ?? '?'}): ${detail}`, status);
    }
    const msg = err instanceof Error ? err.message : String(err);
    // undici reports a socket closed mid-body as "terminated".
    if (/terminated|socket|ECONNRESET|premature/i.test(msg)) {
      return new ProviderError('stream_cut', `the answer from ${where} stopped mid-way: ${msg}`);
    }
    return new ProviderError(
      'connection',
      `request to ${where} failed: ${msg === 'fetch failed' ? networkReason(err, this.options.provider.baseURL) : msg}`,
    );
  }
}
