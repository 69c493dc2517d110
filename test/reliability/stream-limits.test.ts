import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AiSchema } from '../../src/core/config/schema';
import { ProviderError } from '../../src/core/agent/errors';
import { LlmClient } from '../../src/core/agent/llm';
import { MarkdownStream, MAX_HELD_CHARS } from '../../src/hosts/tty/markdown';
import { makeStyle } from '../../src/hosts/tty/style';
import { startLlmServer, type LlmServer } from '../support/llm-server';

let server: LlmServer | undefined;
let bad: http.Server | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
  await new Promise<void>((r) => (bad ? bad.close(() => r()) : r()));
  bad = undefined;
});

const client = (baseURL: string, ai: Record<string, unknown> = {}) =>
  new LlmClient({ provider: { kind: 'ready', baseURL, apiKey: 'k', model: 'scripted', label: 'the test server' }, ai: AiSchema.parse(ai) });

describe('a misbehaving stream', () => {
  it('one that keeps dripping is cut at [ai] answer_timeout_s with a message that names it', async () => {
    server = await startLlmServer();
    // Tokens keep coming, slowly: no single wait is long, the whole answer is.
    server.push({ text: 'drip drip drip drip drip drip drip drip', chunkDelayMs: 700 });
    const deltas: string[] = [];
    const err = await client(server.baseUrl, { answer_timeout_s: 1.5 })
      .complete({
        messages: [{ role: 'user', content: 'hi' }],
        tools: [],
        signal: new AbortController().signal,
        onDelta: (t) => deltas.push(t),
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe('timeout');
    expect((err as ProviderError).message).toMatch(/answer_timeout_s/);
    expect(deltas.length).toBeGreaterThan(0); // it was arriving, not silent
  }, 30_000);

  it("the SDK's own diagnostics never reach the terminal; the failure is a ProviderError", async () => {
    bad = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {this is not json\n\n');
    });
    await new Promise<void>((r) => bad!.listen(0, '127.0.0.1', () => r()));
    const port = (bad.address() as AddressInfo).port;
    const printed: unknown[] = [];
    for (const m of ['error', 'warn', 'log', 'info', 'debug'] as const)
      vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void printed.push(a));
    const stderr = vi.spyOn(process.stderr, 'write');
    const err = await client(`http://127.0.0.1:${port}/v1`)
      .complete({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ProviderError);
    expect(printed).toEqual([]);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).not.toMatch(/Could not parse message into JSON/);
  });
});

describe('the TTY while a long answer drips in', () => {
  it('draws a block that does not end yet once it is long, so progress shows', () => {
    const md = new MarkdownStream(makeStyle(false));
    let shown = '';
    for (let i = 0; i < (2 * MAX_HELD_CHARS) / 5; i++) shown += md.push('word ');
    expect(shown.length).toBeGreaterThan(MAX_HELD_CHARS / 2);
    expect(shown).toMatch(/word word/);
  });
});
