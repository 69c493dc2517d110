/**
 * `aios undo` and `aios history` as real child processes over a real undo
 * store (made by real transactions in a scratch tree) and a real memory file,
 * and `aios policy check` saying what cannot be undone.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandLog } from '../../src/core/memory/history';
import { beginTransaction, commitTransaction, UndoStore } from '../../src/core/transaction';
import { factsOf, historyEffects } from '../../src/core/transaction/hook';
import { REPO_ROOT } from '../support/policy';
import { canRun, makeMachine, removeScratch, treeHash } from './support';

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(REPO_ROOT, 'src', 'hosts', 'cli.ts');
const limits = { maxBytes: 1 << 30, maxAgeMs: 86_400_000 };

let base: string;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tx-cli-'));
  fs.mkdirSync(path.join(base, 'config'));
  fs.writeFileSync(path.join(base, 'config', 'config.toml'), `[transactions]\nstate_dir = "${base}/state"\n`);
});
afterEach(async () => {
  await removeScratch(base);
});

function aios(...args: string[]) {
  const r = spawnSync(TSX, [CLI, ...args], {
    cwd: base,
    env: {
      PATH: process.env.PATH,
      HOME: base,
      XDG_CONFIG_HOME: path.join(base, 'xdg'),
      AIOS_CONFIG_DIR: path.join(base, 'config'),
      AIOS_DATA_DIR: path.join(base, 'data'),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aios policy check and undo', () => {
  it('says which command lines cannot be undone, and lists the effect rules for the others', () => {
    const outside = aios('policy', 'check', '--', 'sudo systemctl restart nginx');
    expect(outside.stdout).toContain('cannot be undone: systemctl: it starts, stops or changes services through systemd');
    const inside = aios('policy', 'check', '--json', '--', 'sudo apt-get install -y hello');
    const undo = (JSON.parse(inside.stdout) as { undo: { possible: boolean; reasons: string[]; transactions: boolean } }).undo;
    expect(undo).toEqual({ possible: true, reasons: [], transactions: false });
    expect(aios('policy', 'check', '--', 'touch x').stdout).toMatch(
      /effect rules[\s\S]*- setuid: a file made setuid or setgid needs approval/,
    );
  });
});

describe.skipIf(!canRun)('aios undo and aios history', () => {
  it('lists records, undoes the newest, refuses an older one a later one overlaps, and redoes', async () => {
    const machine = path.join(base, 'machine');
    makeMachine(machine);
    const store = new UndoStore(path.join(base, 'state'));
    const h0 = treeHash(machine);
    const history = new CommandLog(path.join(base, 'config', 'gpt', 'memory.db'));
    for (const command of ['echo a > etc/app/app.conf', 'echo b >> etc/app/app.conf']) {
      const p = await beginTransaction(store, {
        command,
        cwd: machine,
        env: { PATH: '/usr/bin:/bin' },
        paths: [machine],
        network: false,
        timeoutMs: 20_000,
      });
      const c = commitTransaction(store, p, { command, cwd: machine, limits });
      history.setEffects(history.record({ command, decision: 'notify' }), historyEffects(factsOf(c.record, p)));
    }
    history.close();
    const list = aios('undo', '--list');
    expect(
      list.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('  ')[2]),
    ).toEqual(['echo b >> etc/app/app.conf', 'echo a > etc/app/app.conf']);
    const oldest = store.list()[0]!.id;
    const refused = aios('undo', oldest);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('"echo b >> etc/app/app.conf" changed the same files later');
    expect(refused.stdout).toMatch(
      /newest first:\n {2}1\. aios undo \w+ {3}echo b >> etc\/app\/app\.conf\n {2}2\. aios undo \w+ {3}echo a/,
    );
    const hist = aios('history', '--changed', path.join(machine, 'etc'));
    expect(hist.stdout).toContain(`changed ${machine}/etc/app/app.conf`);
    expect(hist.stdout).toContain('(undo: aios undo ');
    expect(aios('undo').stdout).toContain('undone: echo b >> etc/app/app.conf');
    expect(aios('undo').stdout).toContain('undone: echo a > etc/app/app.conf');
    expect(treeHash(machine)).toEqual(h0);
    expect(aios('undo', '--redo').stdout).toContain('redone: echo a > etc/app/app.conf');
    expect(fs.readFileSync(path.join(machine, 'etc/app/app.conf'), 'utf8')).toBe('a\n');
    expect(aios('undo', 'NOTANID').code).toBe(1);
  });
});
