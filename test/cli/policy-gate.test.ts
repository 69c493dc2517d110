import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAios } from '../support/process';

/** `aios policy check --tool`, `aios policy describe` and `aios doctor` on the gate, the floor and protected paths. */

let home: string;
let cfg: string;
const env = () => ({ PATH: process.env.PATH ?? '', HOME: home, AIOS_CONFIG_DIR: cfg, AIOS_DATA_DIR: path.join(home, 'data') });
const aios = (args: string[]) => runAios(args, env());

beforeAll(() => {
  home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-gate-cli-')));
  cfg = path.join(home, '.config', 'syui', 'ai');
  fs.mkdirSync(cfg, { recursive: true });
  fs.writeFileSync(
    path.join(cfg, 'mcp.json'),
    JSON.stringify({
      mcpServers: {
        fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', home], disabled: true },
        t: { command: 'x', trust_annotations: true, disabled: true },
      },
    }),
  );
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('aios policy check --tool', () => {
  it('explains an MCP decision: server, arguments, rule and reasons', () => {
    fs.writeFileSync(path.join(cfg, 'config.toml'), '[ai]\nmodel = "x"\n');
    const r = aios([
      'policy',
      'check',
      '--cwd',
      home,
      '--tool',
      'fs__write_file',
      '--args',
      JSON.stringify({ path: '.bashrc', content: 'x' }),
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^require_approval {2}mcp__fs__write_file/);
    expect(r.stdout).toContain('known: filesystem');
    expect(r.stdout).toContain('rule:        (none)');
    expect(r.stdout).toContain(`argument path names ${home}/.bashrc, a protected path`);
  });

  it('prints JSON with the matched rule; aios__ names the built-ins', () => {
    const r = aios(['policy', 'check', '--json', '--tool', 'aios__create_ai_memory', '--args', '{"content":"x"}']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'mcp__aios__create_ai_memory',
      decision: 'notify',
      rule: { list: 'notify', pattern: 'mcp__aios__create_ai_memory' },
    });
  });

  it('counts annotations only for servers mcp.json trusts', () => {
    const untrusted = aios(['policy', 'check', '--json', '--tool', 'fs__peek', '--annotations', '{"readOnlyHint":true}']);
    expect(JSON.parse(untrusted.stdout)).toMatchObject({ decision: 'require_approval' });
    const trusted = aios(['policy', 'check', '--json', '--tool', 'mcp__t__peek', '--annotations', '{"readOnlyHint":true}']);
    expect(JSON.parse(trusted.stdout)).toMatchObject({ decision: 'auto_allow' });
  });

  it('refuses a malformed call with usage', () => {
    expect(aios(['policy', 'check', '--tool', 'nounderscores']).status).toBe(2);
    expect(aios(['policy', 'check', '--tool', 'fs__x', '--args', '[1]']).stderr).toMatch(/must be a JSON object/);
    expect(aios(['policy', 'check', '--args', '{}', '--', 'ls']).status).toBe(2);
  });
});

describe('the floor in describe and doctor', () => {
  it('doctor names each list’s source; describe and doctor say when the shipped rules are dropped', () => {
    fs.writeFileSync(path.join(cfg, 'config.toml'), '[permissions]\ndeny = ["curl*"]\n');
    let d = aios(['doctor', '--json']);
    const policy = (
      JSON.parse(d.stdout) as {
        sections: { policy: { ok: boolean; replaceShipped: boolean; lists: Record<string, { shipped: number; own: number }> } };
      }
    ).sections.policy;
    expect(policy).toMatchObject({ ok: true, replaceShipped: false, lists: { deny: { shipped: 4, own: 1 } } });
    d = aios(['doctor']);
    expect(d.stdout).toMatch(/deny {13}4 shipped \+ 1 from .*config\.toml \(permissions\.deny\)/);

    fs.writeFileSync(path.join(cfg, 'config.toml'), '[permissions]\nreplace_shipped = true\nauto_allow = ["ls"]\n');
    d = aios(['doctor']);
    expect(d.stdout).toMatch(/shipped rules DROPPED by \[permissions\] replace_shipped = true/);
    expect(aios(['policy', 'describe']).stdout).toMatch(/replaces the shipped rules \(replace_shipped = true\)/);
    expect(JSON.parse(aios(['policy', 'check', '--json', '--', 'rm -rf /']).stdout)).toMatchObject({ decision: 'require_approval' });
  });

  it('doctor is not ok when a pattern puts the policy on the safe fallback', () => {
    fs.writeFileSync(path.join(cfg, 'config.toml'), '[permissions]\ndeny = ["rm $(x)"]\n');
    const d = aios(['doctor']);
    expect(d.stdout).toMatch(/policy NEEDS ATTENTION[\s\S]*SAFE FALLBACK[\s\S]*permissions\.deny\[0\]/);
  });
});
