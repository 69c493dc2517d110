/**
 * An OpenAI-compatible chat-completions server that streams a fixed answer
 * one token per SSE chunk (the tests' scripted server sends text in four
 * pieces, which would hide the cost of many small deltas).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TokenServer {
  /** What `[ai] base_url` points at. */
  baseUrl: string;
  /** Chat requests answered so far. */
  requests(): number;
  /** How long the last answer took to send, first chunk to last (ms). */
  lastStreamMs(): number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'bench', object: 'chat.completion.chunk', created: 1, model: 'bench', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/**
 * `chunkDelayMs`: a pause after every chunk; `bytesPerSecond` instead paces
 * the whole answer at that rate (for answers of megabytes).
 */
export async function startTokenServer(tokens: readonly string[], chunkDelayMs: number, bytesPerSecond?: number): Promise<TokenServer> {
  let answered = 0;
  let streamMs = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      void (async () => {
        if (req.method === 'GET' && req.url?.endsWith('/models')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ object: 'list', data: [{ id: 'bench', object: 'model' }] }));
          return;
        }
        if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
          res.writeHead(404).end();
          return;
        }
        answered++;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(chunk({ role: 'assistant', content: '' }));
        const started = performance.now();
        let sent = 0;
        for (const t of tokens) {
          if (res.destroyed) return;
          res.write(chunk({ content: t }));
          sent += t.length;
          if (bytesPerSecond) {
            const ahead = (sent / bytesPerSecond) * 1000 - (performance.now() - started);
            if (ahead > 5) await sleep(ahead);
          } else if (chunkDelayMs > 0) await sleep(chunkDelayMs);
        }
        streamMs = performance.now() - started;
        res.write(chunk({}, 'stop'));
        res.end('data: [DONE]\n\n');
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests: () => answered,
    lastStreamMs: () => streamMs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
