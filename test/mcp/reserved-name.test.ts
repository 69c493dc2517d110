import { describe, expect, it } from 'vitest';
import { parseMcpConfig } from '../../src/core/mcp/config';

/** `aios` names aios's own tools in rules (mcp__aios__…): no server in mcp.json may take it, and `trust_annotations` is read. */
describe('mcp.json server names and trust', () => {
  it('refuses a server named aios', () => {
    const r = parseMcpConfig({ mcpServers: { aios: { command: 'x' } } }, '/m.json', {});
    expect(r.servers).toEqual([]);
    expect(r.problems[0]).toMatchObject({ server: 'aios', message: expect.stringMatching(/reserved/) });
  });

  it('reads trust_annotations, off by default', () => {
    const r = parseMcpConfig(
      { mcpServers: { a: { command: 'x', trust_annotations: true }, b: { type: 'http', url: 'http://127.0.0.1:1/mcp' } } },
      '/m.json',
      {},
    );
    expect(r.servers.map((s) => [s.name, s.trustAnnotations])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });
});
