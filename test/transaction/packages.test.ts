/**
 * Packages in transactions, with real apt-get and real dpkg on a scratch
 * root (apt's Dir and dpkg's --root point into it, so the host's own package
 * database is never touched): a series of changes through the command runner
 * (install a local .deb built here with dpkg-deb, edit a file under etc, rm -rf
 * a folder in the home, chmod, a setuid attempt that becomes a question and is
 * declined), then undo of each, newest first, back to trees whose hashes equal
 * the ones before; dpkg then says the package is not installed and its audit
 * is clean.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gate, type ApprovalRequest } from '../../src/core/gate';
import { loadConfig } from '../../src/core/config/load';
import { TransactionsConfigSchema } from '../../src/core/config/schema';
import { Executor } from '../../src/core/executor/executor';
import { PolicyEngine } from '../../src/core/policy';
import { newestFor, undoRecord } from '../../src/core/transaction';
import { Transactions } from '../../src/core/transaction/hook';
import { aptInstallInto, buildDeb, canRun, removeScratch, scratchDpkgRoot, treeHash } from './support';

const hasApt = spawnSync('apt-get', ['--version']).status === 0 && spawnSync('dpkg-deb', ['--version']).status === 0;
const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C' };

let base: string;
let machine: string;
const dpkg = (...args: string[]) => spawnSync('dpkg', [`--root=${machine}`, ...args], { encoding: 'utf8' });

beforeAll(() => {
  if (!canRun || !hasApt) return;
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tx-pkg-'));
  machine = path.join(base, 'machine');
  scratchDpkgRoot(machine, ['etc/apt/preferences.d', 'etc/apt/sources.list.d', 'home/me/old/deep']);
  fs.writeFileSync(path.join(machine, 'etc/motd'), 'welcome\n');
  fs.writeFileSync(path.join(machine, 'home/me/old/deep/notes'), 'keep me\n');
  fs.writeFileSync(path.join(machine, 'home/me/script.sh'), 'echo hi\n', { mode: 0o644 });
  fs.writeFileSync(path.join(machine, 'usr/bin/tool'), '#!/bin/sh\n', { mode: 0o755 });
  buildDeb(
    path.join(base, 'debs', 'src'),
    path.join(base, 'debs', 'hello.deb'),
    { name: 'aios-tx-hello', description: 'a package the transaction tests install' },
    {
      'usr/bin/aios-tx-hello': ['#!/bin/sh\necho hello\n', 0o755],
      'usr/share/doc/aios-tx-hello/README': ['hello\n', 0o644],
    },
  );
});
afterAll(async () => {
  await removeScratch(base);
});

describe.skipIf(!canRun || !hasApt)('packages and a series of changes in transactions', () => {
  it('installs with apt-get, edits, deletes, re-modes, asks about setuid, and undoes it all newest first', async () => {
    const apt = aptInstallInto(machine, `${base}/debs/hello.deb`);
    const file = path.join(base, 'config.toml');
    fs.writeFileSync(file, '[permissions]\nnotify = ["apt-get *", "echo *", "rm *", "chmod *", "cp *"]\n');
    const policy = await PolicyEngine.create({ config: loadConfig({ file, env: { ...env, XDG_CONFIG_HOME: base, HOME: base } }) });
    // The whole scratch folder is overlaid (the .deb lives beside the machine); the state folder inside it is overlaid around.
    const tx = new Transactions(TransactionsConfigSchema.parse({ enabled: true, paths: [base], state_dir: path.join(base, 'state') }), {
      env,
      protect: {},
      dpkgStatus: path.join(machine, 'var/lib/dpkg/status'),
    });
    const asked: ApprovalRequest[] = [];
    const dones: Array<Record<string, unknown>> = [];
    const runner = new Gate({
      cwd: '/',
      policy: async () => policy,
      executor: new Executor({ env }),
      // apt-get -o … (its options can name hooks) and rm -rf need approval by the shipped rules: the person says yes to those; every other question gets a no.
      approver: { approve: async (r) => (asked.push(r), /^(apt-get|rm -rf) /.test(r.command) ? 'approved' : 'denied') },
      emit: (name, payload) => name === 'chat.commandDone' && dones.push(payload as Record<string, unknown>),
      approvalTimeoutMs: 10_000,
      commandTimeoutMs: 120_000,
      transactions: tx,
    });
    const run = (command: string) =>
      runner.pass({
        kind: 'command',
        command,
        cwd: machine,
        callId: `c${dones.length}`,
        turnId: null,
        signal: new AbortController().signal,
      });
    const hashes = [treeHash(machine)];

    const installed = await run(apt);
    expect(installed.result?.exitCode, installed.result?.fullOutput).toBe(0);
    expect(dpkg('-s', 'aios-tx-hello').stdout).toContain('Status: install ok installed');
    expect(fs.readFileSync(path.join(machine, 'usr/bin/aios-tx-hello'), 'utf8')).toContain('echo hello');
    expect(tx.store.list().at(-1)?.packages).toEqual({ added: ['aios-tx-hello 1.0'], removed: [] });
    expect(asked.map((a) => a.command)).toEqual([apt]);
    hashes.push(treeHash(machine));

    for (const command of [
      `echo "be nice" > ${machine}/etc/motd`,
      `rm -rf ${machine}/home/me/old`,
      `chmod 755 ${machine}/home/me/script.sh`,
    ]) {
      const r = await run(command);
      expect(r.result?.exitCode, command).toBe(0);
      hashes.push(treeHash(machine));
    }
    expect(fs.existsSync(path.join(machine, 'home/me/old'))).toBe(false);

    await run(`cp ${machine}/usr/bin/tool ${machine}/usr/bin/rootme && chmod 4755 ${machine}/usr/bin/rootme`);
    expect(asked.flatMap((a) => a.reasons.filter((r) => r.startsWith('setuid:')))).toEqual([
      `setuid: ${machine}/usr/bin/rootme becomes setuid (mode 4755)`,
    ]);
    expect(dones.at(-1)?.notApplied).toMatch(/^declined/);
    expect(treeHash(machine)).toEqual(hashes.at(-1));

    // Undo, newest first: after each, the tree is the one before that command.
    for (let i = hashes.length - 2; i >= 0; i--) {
      const rec = newestFor(tx.store, 'undo');
      expect(rec).not.toBeNull();
      undoRecord(tx.store, rec!.id);
      expect(treeHash(machine)).toEqual(hashes[i]);
    }
    expect(dpkg('-s', 'aios-tx-hello').status).not.toBe(0);
    expect(dpkg('-s', 'aios-tx-hello').stderr).toMatch(/not installed/);
    expect(fs.existsSync(path.join(machine, 'usr/bin/aios-tx-hello'))).toBe(false);
    const audit = dpkg('--audit');
    expect(audit.status).toBe(0);
    expect(audit.stdout).toBe('');
  }, 240_000);
});
