import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyResultSchema, SegmentSchema } from '../../src/shared/policy';
import { REPO_ROOT, tempDir } from '../support/policy';

/** `aios policy …` as a real child process, with config, home and XDG dirs in a temp dir. */

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(REPO_ROOT, 'src', 'hosts', 'cli.ts');

let tmp: { dir: string; cleanup: () => void };
let configDir: string;
beforeAll(() => {
  tmp = tempDir('aios-policy-cli-');
  configDir = path.join(tmp.dir, 'config');
  fs.mkdirSync(configDir);
  fs.mkdirSync(path.join(tmp.dir, 'work'));
});
afterAll(() => tmp.cleanup());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function aios(args: string[], opts: { stdin?: string; configDir?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI, ...args], {
      cwd: path.join(tmp.dir, 'work'),
      env: {
        PATH: process.env.PATH,
        HOME: tmp.dir,
        XDG_CONFIG_HOME: path.join(tmp.dir, 'xdg'),
        AIOS_CONFIG_DIR: opts.configDir ?? configDir,
        AIOS_DATA_DIR: path.join(tmp.dir, 'data'),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

describe('aios policy check', () => {
  it('explains a decision in human form, exit 0', async () => {
    const r = await aios(['policy', 'check', '--', 'ls -la && sudo rm -rf /']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^deny {2}ls -la && sudo rm -rf \//);
    expect(r.stdout).toContain('argv:       ["sudo","rm","-rf","/"]');
    expect(r.stdout).toContain('normalized: rm -r -f /');
    expect(r.stdout).toContain('wrappers:   sudo');
    expect(r.stdout).toContain('rule:       deny "rm -rf /"');
    expect(r.stdout).toContain('rule:       auto_allow "ls"');
    expect(r.stdout).toMatch(/reasons:\n {2}- deny: /);
  });

  it('prints the whole result with --json', async () => {
    const r = await aios(['policy', 'check', '--json', '--', 'pacman -Qi rust | grep Version']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.command).toBe('pacman -Qi rust | grep Version');
    const result = PolicyResultSchema.parse(out);
    expect(result.decision).toBe('auto_allow');
    expect(result.segments.map((s) => s.normalized)).toEqual(['pacman -Q -i rust', 'grep Version']);
  });

  it('joins several words after -- with spaces', async () => {
    const r = await aios(['policy', 'check', '--json', '--', 'rm', '-rf', '/']);
    expect((JSON.parse(r.stdout) as { decision: string }).decision).toBe('deny');
  });

  it('reads one JSON string per line with --jsonl and writes one object per line', async () => {
    const input = [
      JSON.stringify('ls'),
      JSON.stringify('rm -rf /'),
      '',
      JSON.stringify('cat <<EOF | sh\nrm -rf /\nEOF'),
      JSON.stringify('git clone x'),
    ].join('\n');
    const r = await aios(['policy', 'check', '--jsonl'], { stdin: `${input}\n` });
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.command, l.decision])).toEqual([
      ['ls', 'auto_allow'],
      ['rm -rf /', 'deny'],
      ['cat <<EOF | sh\nrm -rf /\nEOF', 'deny'],
      ['git clone x', 'notify'],
    ]);
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual(['command', 'decision', 'reasons', 'segments']);
      for (const s of l.segments as unknown[]) expect(() => SegmentSchema.parse(s)).not.toThrow();
    }
  });

  it('answers every good line in --jsonl and exits 2 when some were not JSON strings', async () => {
    const r = await aios(['policy', 'check', '--jsonl'], { stdin: `"ls"\nnot json\n42\n"rm -rf /"\n` });
    expect(r.code).toBe(2);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toEqual({ command: null, error: 'line 2: not valid JSON' });
    expect(lines[2]).toEqual({ command: null, error: 'line 3: not a JSON string' });
    expect(lines[3]?.decision).toBe('deny');
    expect(r.stderr).toMatch(/2 input line\(s\) were not JSON strings/);
  });

  it.each([
    [['policy', 'check'], /no command given/],
    [['policy', 'check', '--bogus', '--', 'ls'], /Unknown option '--bogus'/],
    [['policy', 'check', '--json', '--jsonl'], /cannot be combined/],
    [['policy', 'check', '--jsonl', '--', 'ls'], /give no COMMAND/],
    [['policy', 'frobnicate'], /unknown subcommand 'frobnicate'/],
    [['policy'], /Usage:/],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const r = await aios(args);
    expect(r.code).toBe(2);
    expect(`${r.stderr}${r.stdout}`).toMatch(message);
  });

  it('names file, line and column of a broken config and decides on the safe fallback', async () => {
    const dir = path.join(tmp.dir, 'broken');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, '[permissions]\nauto_allow = ["ls"]\nrequire_aproval = ["x"]\n');
    const r = await aios(['policy', 'check', '--', 'ls'], { configDir: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`aios: config: ${file}:3:1: permissions.require_aproval: unknown key`);
    expect(r.stderr).toMatch(/safe fallback/);
    expect(r.stdout).toMatch(/^require_approval {2}ls/);
    expect(r.stdout).toContain('policy: safe fallback');
  });

  it('takes --config and --profile', async () => {
    const file = path.join(tmp.dir, 'custom.toml');
    fs.writeFileSync(
      file,
      '[permissions]\nauto_allow = ["ls", "flatpak install*"]\n[profiles.strict.permissions]\ndeny = ["flatpak install*"]\n',
    );
    const plain = await aios(['policy', 'check', '--json', '--config', file, '--', 'flatpak install vim']);
    expect((JSON.parse(plain.stdout) as { decision: string }).decision).toBe('auto_allow');
    const strict = await aios(['policy', 'check', '--json', '--config', file, '--profile', 'strict', '--', 'flatpak install vim']);
    const result = JSON.parse(strict.stdout) as { decision: string; profile: string };
    expect(result).toMatchObject({ decision: 'deny', profile: 'strict' });
  });
});

describe('aios policy describe', () => {
  it('prints the policy paragraph', async () => {
    const r = await aios(['policy', 'describe']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/"rm -rf \/"/);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });
});
