import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MCP_CONFIG, expandVars, loadMcpConfig } from '../../src/core/mcp/config';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-mcpcfg-');
});
afterEach(() => tmp.cleanup());

const write = (data: unknown): string => {
  const file = tmp.join('mcp.json');
  fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
};

describe('mcp.json', () => {
  it('expands ${VAR} and ${VAR:-default}', () => {
    const env = { HOME: '/home/me', EMPTY: '' };
    expect(expandVars('${HOME}/x', env)).toEqual({ value: '/home/me/x', missing: [] });
    expect(expandVars('${NOPE:-fallback}', env)).toEqual({ value: 'fallback', missing: [] });
    expect(expandVars('${EMPTY:-used when empty}', env)).toEqual({ value: 'used when empty', missing: [] });
    expect(expandVars('${NOPE:-}', env)).toEqual({ value: '', missing: [] });
    expect(expandVars('a ${NOPE} b', env)).toEqual({ value: 'a  b', missing: ['NOPE'] });
    expect(expandVars('$HOME and $${HOME}', env).value).toBe('$HOME and $/home/me');
  });

  it('reads stdio and http servers, expanding every string', () => {
    const file = write({
      mcpServers: {
        aigpt: { command: 'aigpt', args: ['server', '--enable-layer4'] },
        tools: {
          command: '${HOME}/bin/tool',
          args: ['--token', '${TOKEN:-none}'],
          env: { DIR: '${XDG_CONFIG_HOME}/x' },
          cwd: '${HOME}',
          description: 'keys other programs use are ignored',
        },
        remote: { type: 'http', url: 'https://example.test/${PATHPART:-mcp}', headers: { Authorization: 'Bearer ${TOKEN}' } },
        off: { command: 'x', disabled: true },
      },
    });
    const cfg = loadMcpConfig(file, { HOME: '/h', XDG_CONFIG_HOME: '/h/.config', TOKEN: 't0k' });
    expect(cfg.problems).toEqual([]);
    expect(cfg.servers).toEqual([
      {
        name: 'aigpt',
        transport: 'stdio',
        command: 'aigpt',
        args: ['server', '--enable-layer4'],
        env: {},
        disabled: false,
        trustAnnotations: false,
      },
      {
        name: 'tools',
        transport: 'stdio',
        command: '/h/bin/tool',
        args: ['--token', 't0k'],
        env: { DIR: '/h/.config/x' },
        cwd: '/h',
        disabled: false,
        trustAnnotations: false,
      },
      {
        name: 'remote',
        transport: 'http',
        url: 'https://example.test/mcp',
        headers: { Authorization: 'Bearer t0k' },
        disabled: false,
        trustAnnotations: false,
      },
      { name: 'off', transport: 'stdio', command: 'x', args: [], env: {}, disabled: true, trustAnnotations: false },
    ]);
  });

  it('reports problems per server with the file, and keeps the good servers', () => {
    const file = write({
      mcpServers: {
        good: { command: 'ok' },
        nocmd: { args: [] },
        unset: { type: 'http', url: 'https://x.test', headers: { Authorization: 'Bearer ${MISSING_TOKEN}' } },
        bad__name: { command: 'x' },
        sse: { type: 'sse', url: 'https://x.test/sse' },
        badurl: { type: 'http', url: 'not a url' },
      },
    });
    const cfg = loadMcpConfig(file, {});
    const by = (name: string) =>
      cfg.problems
        .filter((p) => p.server === name)
        .map((p) => p.message)
        .join('; ');
    expect(cfg.problems.every((p) => p.file === file)).toBe(true);
    expect(by('good')).toBe('');
    expect(by('nocmd')).toMatch(/command/);
    expect(by('unset')).toMatch(/\$\{MISSING_TOKEN\} is not set/);
    expect(by('bad__name')).toMatch(/server name/);
    expect(by('sse')).toMatch(/not supported/);
    expect(by('badurl')).toMatch(/not a URL/);
    expect(cfg.servers.map((s) => s.name)).toContain('good');
  });

  it('falls back to the shipped aigpt entry when there is no file, and says what is wrong with a bad one', () => {
    const none = loadMcpConfig(tmp.join('absent.json'), {});
    expect(none).toMatchObject({ exists: false, usingDefault: true, problems: [] });
    expect(none.servers.map((s) => s.name)).toEqual(Object.keys(DEFAULT_MCP_CONFIG.mcpServers));
    expect(loadMcpConfig(write('{ nope'), {}).problems[0]!.message).toMatch(/not valid JSON/);
    expect(loadMcpConfig(write('[1]'), {}).problems[0]!.message).toMatch(/mcpServers/);
  });

  it('the shipped cfg/mcp.json is the seed entry', () => {
    const shipped = JSON.parse(fs.readFileSync(new URL('../../cfg/mcp.json', import.meta.url), 'utf8')) as unknown;
    expect(shipped).toEqual({ mcpServers: { aigpt: { command: 'aigpt', args: ['server', '--enable-layer4'] } } });
    expect(shipped).toEqual(DEFAULT_MCP_CONFIG);
  });
});
