/**
 * A scripted OpenAI-compatible chat-completions server for tests. Each
 * request to /v1/chat/completions takes the next step of the script (or asks
 * a responder function), and every request body is recorded so a test can
 * assert exactly what the model was told.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ScriptedToolCall {
  name: string;
  /** Raw JSON text of the arguments; may be deliberately invalid. */
  arguments: string | Record<string, unknown>;
  id?: string;
}

export type Step =
  /** `pieces`: how many SSE chunks the text is sent in (4 unless said). */
  | { text: string; toolCalls?: ScriptedToolCall[]; delayMs?: number; chunkDelayMs?: number; pieces?: number }
  | { toolCalls: ScriptedToolCall[]; text?: string; delayMs?: number; chunkDelayMs?: number }
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  /** Sends part of the text, then destroys the socket without finish_reason or [DONE]. */
  | { cutAfter: string; delayMs?: number }
  /** Never answers (until the client gives up or the server closes). */
  | { hang: true }
  /**
   * A stream written frame by frame, exactly as a quirky server sends it (see
   * test/support/quirks.ts). `end`: `done` (default) writes `data: [DONE]`;
   * `close` ends the response without it; `silent` keeps the connection open
   * and sends nothing more.
   */
  | { frames: Frame[]; end?: 'done' | 'close' | 'silent'; chunkDelayMs?: number; delayMs?: number };

/** One SSE event: a delta of choice 0 (with an optional finish_reason), a whole chunk object, or raw text. */
export type Frame = { delta: Record<string, unknown>; finish?: string | null } | { chunk: unknown } | { raw: string };

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: ChatRequestBody;
}

export interface ChatRequestBody {
  model: string;
  stream?: boolean;
  messages: Array<{
    role: string;
    content?: string | null;
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
    tool_call_id?: string;
  }>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
}

export type Responder = (body: ChatRequestBody, index: number) => Step;

export interface LlmServer {
  url: string;
  /** `${url}/v1`, what `[ai] base_url` points at. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Steps still queued. */
  pending(): number;
  push(...steps: Step[]): void;
  /** Used once the queue is empty. */
  setResponder(fn: Responder | undefined): void;
  close(): Promise<void>;
}

const chunkId = 'chatcmpl-test';

function sseChunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: chunkId, object: 'chat.completion.chunk', created: 1, model: 'scripted', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

function argsText(a: ScriptedToolCall['arguments']): string {
  return typeof a === 'string' ? a : JSON.stringify(a);
}

/** Splits a string into roughly n pieces, so tool-call arguments arrive in parts. */
function pieces(s: string, n: number): string[] {
  if (s.length === 0) return [''];
  const size = Math.max(1, Math.ceil(s.length / n));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LlmServerOptions {
  port?: number;
  /** What GET …/models answers; by default 200 with the one model "scripted". */
  models?: { status: number; body?: unknown };
}

export async function startLlmServer(script: Step[] = [], options: LlmServerOptions = {}): Promise<LlmServer> {
  const queue = [...script];
  let responder: Responder | undefined;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let callCount = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url.endsWith('/models')) {
      const models = options.models ?? { status: 200, body: { object: 'list', data: [{ id: 'scripted', object: 'model' }] } };
      res.writeHead(models.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(models.body ?? { error: { message: `scripted ${models.status}`, type: 'scripted', code: null } }));
      return;
    }
    if (req.method !== 'POST' || !url.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(raw) as ChatRequestBody;
    requests.push({ path: url, headers: req.headers, body });
    const index = callCount++;
    const step: Step = queue.shift() ?? responder?.(body, index) ?? { text: '(script exhausted)' };

    if ('hang' in step) return;
    if (step.delayMs) await sleep(step.delayMs);
    if (res.destroyed) return;
    if ('status' in step) {
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(JSON.stringify(step.body ?? { error: { message: `scripted ${step.status}`, type: 'scripted', code: null } }));
      return;
    }
    if ('cutAfter' in step) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseChunk({ role: 'assistant', content: '' }));
      res.write(sseChunk({ content: step.cutAfter }));
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    if ('frames' in step) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const f of step.frames) {
        if (res.destroyed) return;
        res.write('raw' in f ? f.raw : 'chunk' in f ? `data: ${JSON.stringify(f.chunk)}\n\n` : sseChunk(f.delta, f.finish ?? null));
        if (step.chunkDelayMs) await sleep(step.chunkDelayMs);
      }
      if (step.end === 'silent') return;
      if (step.end !== 'close') res.write('data: [DONE]\n\n');
      res.end();
      return;
    }
    const text = step.text ?? '';
    const calls = (step.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_${index}_${i}`, name: c.name, args: argsText(c.arguments) }));
    const finish = calls.length > 0 ? 'tool_calls' : 'stop';
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: chunkId,
          object: 'chat.completion',
          created: 1,
          model: body.model,
          choices: [
            {
              index: 0,
              finish_reason: finish,
              message: {
                role: 'assistant',
                content: text || null,
                ...(calls.length > 0
                  ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) }
                  : {}),
              },
            },
          ],
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const write = async (s: string) => {
      if (res.destroyed) return;
      res.write(s);
      if ('chunkDelayMs' in step && step.chunkDelayMs) await sleep(step.chunkDelayMs);
    };
    await write(sseChunk({ role: 'assistant', content: '' }));
    for (const p of pieces(text, 'pieces' in step && step.pieces ? step.pieces : 4)) if (p) await write(sseChunk({ content: p }));
    for (const [i, c] of calls.entries()) {
      await write(sseChunk({ tool_calls: [{ index: i, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
      for (const p of pieces(c.args, 3)) await write(sseChunk({ tool_calls: [{ index: i, function: { arguments: p } }] }));
    }
    await write(sseChunk({}, finish));
    await write('data: [DONE]\n\n');
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    pending: () => queue.length,
    push: (...steps) => void queue.push(...steps),
    setResponder: (fn) => void (responder = fn),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The text of the last message with `role` in a recorded request. */
export function lastMessage(body: ChatRequestBody, role: string): string {
  const m = [...body.messages].reverse().find((x) => x.role === role);
  return m?.content ?? '';
}
