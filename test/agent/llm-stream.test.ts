/**
 * LlmClient against the scripted server: request_timeout_s bounds the
 * silence between chunks, and one answer has an overall cap however
 * steadily it streams.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/agent/errors';
import { LlmClient } from '../../src/core/agent/llm';
import type { AiosConfig } from '../../src/core/config/schema';
import { startLlmServer, type Frame, type LlmServer } from '../support/llm-server';
import * as Q from '../support/quirks';

let server: LlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function client(s: LlmServer, requestTimeoutS: number, maxAnswerMs?: number): LlmClient {
  const ai = { request_timeout_s: requestTimeoutS } as AiosConfig['ai'];
  return new LlmClient({
    provider: { kind: 'ready', baseURL: s.baseUrl, apiKey: 'x', model: 'scripted', label: 'the test server' },
    ai,
    ...(maxAnswerMs ? { maxAnswerMs } : {}),
  });
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('how long an answer may take', () => {
  it('a stream that goes silent after the headers ends within request_timeout_s', async () => {
    server = await startLlmServer([Q.silentAfterHeaders()]);
    const err = await failure(
      client(server, 1).complete({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal }),
    );
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/went silent for 1 s/);
  });

  it('a steady stream that never ends is stopped at the overall cap', async () => {
    const frames: Frame[] = Array.from({ length: 400 }, () => ({ delta: { content: 'la ' } }));
    server = await startLlmServer([{ frames, chunkDelayMs: 20 }]);
    const shown: string[] = [];
    const err = await failure(
      client(server, 5, 800).complete({
        messages: [{ role: 'user', content: 'sing' }],
        tools: [],
        signal: new AbortController().signal,
        onDelta: (t) => shown.push(t),
      }),
    );
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/did not finish within 1 s/);
    expect(shown.length).toBeGreaterThan(0);
  });

  it('a cancel is a cancel, not a timeout', async () => {
    server = await startLlmServer([Q.silentAfterHeaders()]);
    const ac = new AbortController();
    const p = failure(client(server, 5).complete({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: ac.signal }));
    setTimeout(() => ac.abort(), 200);
    expect((await p).kind).toBe('cancelled');
  });
});

describe('errors inside the stream', () => {
  it('an OpenRouter mid-stream error (error object with finish_reason "error") is shown with its message', async () => {
    // https://openrouter.ai/docs/api-reference/errors (errors during streaming)
    const chunk = {
      id: 'gen-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      provider: 'p',
      error: { code: 'server_error', message: 'Provider disconnected unexpectedly' },
      choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
    };
    server = await startLlmServer([{ frames: [{ delta: { role: 'assistant', content: 'Part' } }, { chunk }], end: 'close' }]);
    const err = await failure(
      client(server, 5).complete({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: new AbortController().signal }),
    );
    expect(err.kind).toBe('stream_error');
    expect(err.message).toMatch(/the test server sent an error instead of an answer: .*Provider disconnected unexpectedly/);
  });
});
