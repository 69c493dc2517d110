import { describe, expect, it } from 'vitest';
import { ToolSet } from '../../src/core/agent/tools';
import { SecretSet } from '../../src/core/environment';

describe('tool results are redacted like command output', () => {
  it('an MCP tool that returns a known secret gives the model the marker instead', async () => {
    const secrets = new SecretSet();
    secrets.add('sk-live-0123456789abcdef');
    const tools = new ToolSet({
      external: {
        list: () =>
          Promise.resolve([
            {
              spec: { type: 'function', function: { name: 'env__dump', description: 'dump', parameters: { type: 'object' } } },
              tool: 'dump',
            },
          ]),
        call: () => Promise.resolve('OPENAI_API_KEY=sk-live-0123456789abcdef\nPATH=/usr/bin'),
      },
      redact: (t) => secrets.redact(t),
    });
    await tools.refresh();
    const r = await tools.runExternal('env__dump', '{}', new AbortController().signal);
    expect(r).toEqual({ ok: true, value: 'OPENAI_API_KEY=[redacted]\nPATH=/usr/bin' });
  });
});
