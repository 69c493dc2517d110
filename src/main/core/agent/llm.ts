import OpenAI from 'openai';
import { isStaleConnection, networkReason } from '../network-error';
import type { AiosConfig } from '../config/schema';
import { ProviderError } from './errors';
import type { ProviderReady } from './provider';

export type ChatMessage = OpenAI.Chat.ChatCompletionMessageParam;
export type ToolSpec = OpenAI.Chat.ChatCompletionFunctionTool;

export interface RawToolCall {
  id: string;
  name: string;
  /** As the model sent it; may not be JSON. */
  arguments: string;
}

export interface Completion {
  content: string;
  toolCalls: RawToolCall[];
  finishReason: string;
}

export interface CompleteOptions {
  messages: ChatMessage[];
  tools: ToolSpec[];
  signal: AbortSignal;
  onDelta?: (text: string) => void;
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

  private async once(opts: CompleteOptions): Promise<Completion> {
    const stream = await this.client.chat.completions.create(
      {
        model: this.model,
        messages: opts.messages,
        ...(opts.tools.length > 0 ? { tools: opts.tools } : {}),
        stream: true,
      },
      { signal: opts.signal },
    );
    let content = '';
    let finishReason: string | undefined;
    const calls = new Map<number, RawToolCall>();
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta;
      if (delta.content) {
        content += delta.content;
        opts.onDelta?.(delta.content);
      }
      for (const tc of delta.tool_calls ?? []) {
        let c = calls.get(tc.index);
        if (!c) calls.set(tc.index, (c = { id: tc.id ?? `call_${tc.index}`, name: '', arguments: '' }));
        if (tc.id) c.id = tc.id;
        if (tc.function?.name) c.name += tc.function.name;
        if (tc.function?.arguments) c.arguments += tc.function.arguments;
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    if (finishReason === undefined) {
      throw new ProviderError('stream_cut', `the answer from ${this.options.provider.label} stopped mid-way (the connection closed before the model finished)`);
    }
    return { content, toolCalls: [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c), finishReason };
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
      return new ProviderError('connection', `cannot reach ${where}: ${networkReason(err, this.options.provider.baseURL)}. Check [ai] base_url (Settings in the status bar, or /setup, can test it).`);
    }
    if (err instanceof OpenAI.APIError) {
      const status = err.status;
      const detail = err.message;
      if (status === 401 || status === 403) {
        return new ProviderError(
          'auth',
          `${where} refused the API key (${status}). Check the environment variable ${ai.api_key_env} ([ai] api_key_env names it)${ai.base_url ? ' and [ai] base_url' : ''}.`,
          status,
        );
      }
      if (status === 429) return new ProviderError('rate_limit', `${where} is rate limiting (429): ${detail}. Try again in a moment.`, status);
      if (status === 404) return new ProviderError('not_found', `${where} does not know model "${this.model}" or the path (404). Check [ai] model and [ai] base_url.`, status);
      if (status !== undefined && status >= 500) return new ProviderError('server', `${where} failed (${status}): ${detail}. Try again.`, status);
      return new ProviderError('bad_request', `${where} rejected the request (${status ?? '?'}): ${detail}`, status);
    }
    const msg = err instanceof Error ? err.message : String(err);
    // undici reports a socket closed mid-body as "terminated".
    if (/terminated|socket|ECONNRESET|premature/i.test(msg)) {
      return new ProviderError('stream_cut', `the answer from ${where} stopped mid-way: ${msg}`);
    }
    return new ProviderError('connection', `request to ${where} failed: ${msg === 'fetch failed' ? networkReason(err, this.options.provider.baseURL) : msg}`);
  }
}
