/**
 * After a commit that added and enabled a systemd unit, aios tells systemd
 * what the package's maintainer scripts could not from inside the
 * transaction: daemon-reload, then a start of the newly enabled unit, each
 * a visible line with its exit status; the undo record says undo does not
 * stop it. systemd cannot run in this test: a stand-in `systemctl` (a script
 * that logs its arguments) is first on PATH, and a scratch folder plays
 * /run/systemd/system. Without that folder, nothing is run and the card
 * says systemd is not running here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Gate } from '../../src/core/gate';
import { TransactionsConfigSchema } from '../../src/core/config/schema';
import { loadConfig } from '../../src/core/config/load';
import { Executor } from '../../src/core/executor/executor';
import { CommandLog } from '../../src/core/memory/history';
import { PolicyEngine } from '../../src/core/policy';
import { runUndo } from '../../src/core/transaction/actions';
import { Transactions } from '../../src/core/transaction/hook';
import { canRun, makeMachine, removeScratch, treeHash } from './support';

describe.skipIf(!canRun)('after the commit: systemd is told about new units', () => {
  let base: string;
  let machine: string;
  let history: CommandLog;
  const events: Array<[string, Record<string, unknown>]> = [];
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tx-units-'));
    machine = path.join(base, 'machine');
    makeMachine(machine);
    fs.mkdirSync(path.join(base, 'bin'));
    // The stand-in for systemd's systemctl: logs each call's arguments, succeeds.
    fs.writeFileSync(path.join(base, 'bin/systemctl'), `#!/bin/sh\necho "$*" >> ${base}/systemctl-stand-in.log\n`, { mode: 0o755 });
    history = new CommandLog(path.join(base, 'memory.db'));
    events.length = 0;
  });
  afterEach(async () => {
    history.close();
    await removeScratch(base);
  });

  async function gate(systemdRuns: boolean) {
    const env = { PATH: `${base}/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: '/root', LANG: 'C' };
    const marker = path.join(base, 'run-systemd-system');
    if (systemdRuns) fs.mkdirSync(marker);
    const tx = new Transactions(TransactionsConfigSchema.parse({ enabled: true, paths: [machine], state_dir: path.join(base, 'state') }), {
      env,
      protect: {},
      systemd: { root: machine, marker },
    });
    const file = path.join(base, 'config.toml');
    fs.writeFileSync(file, '[permissions]\nnotify = ["mkdir *", "printf *", "ln *"]\n');
    const policy = await PolicyEngine.create({ config: loadConfig({ file, env: { ...env, XDG_CONFIG_HOME: base, HOME: base } }) });
    const g = new Gate({
      cwd: '/',
      policy: async () => policy,
      executor: new Executor({ env }),
      approver: { approve: async () => 'approved' },
      commandLog: history,
      emit: (name, payload) => events.push([name, payload as Record<string, unknown>]),
      approvalTimeoutMs: 10_000,
      commandTimeoutMs: 30_000,
      transactions: tx,
    });
    return { g, tx };
  }

  const install = () => {
    const units = `${machine}/etc/systemd/system`;
    return `mkdir -p ${units}/multi-user.target.wants && printf '[Service]\\nExecStart=/bin/true\\n' > ${units}/demo.service && ln -s ../demo.service ${units}/multi-user.target.wants/demo.service`;
  };
  const notices = () => events.filter(([n]) => n === 'chat.notice').map(([, p]) => p.message as string);
  const log = () =>
    fs.existsSync(path.join(base, 'systemctl-stand-in.log')) ? fs.readFileSync(path.join(base, 'systemctl-stand-in.log'), 'utf8') : null;

  it('runs daemon-reload, then starts the newly enabled unit, each said with its exit status; undo says it does not stop it', async () => {
    const h0 = treeHash(machine);
    const { g, tx } = await gate(true);
    const r = await g.pass({
      kind: 'command',
      command: install(),
      cwd: machine,
      callId: 'c1',
      turnId: null,
      signal: new AbortController().signal,
    });
    expect(r.ran).toBe(true);
    expect(log()).toBe('daemon-reload\nstart demo.service\n');
    expect(notices()).toEqual(
      expect.arrayContaining([
        'after the commit: systemctl daemon-reload: exit 0',
        'after the commit: systemctl start demo.service: exit 0',
      ]),
    );
    expect(r.result?.output).toContain('[aios] after the commit: systemctl start demo.service: exit 0');
    const record = tx.store.list().pop();
    expect(record?.notUndone).toEqual([
      'systemctl daemon-reload',
      'systemctl start demo.service (to stop: sudo systemctl stop demo.service)',
    ]);
    const undone = runUndo(tx.store, {});
    expect(undone.ok).toBe(true);
    expect(undone.message).toContain(
      'not undone, done after that commit outside the transaction: systemctl daemon-reload; systemctl start demo.service (to stop: sudo systemctl stop demo.service)',
    );
    expect(treeHash(machine)).toEqual(h0);
    // Undo puts files back; it runs nothing of systemd's.
    expect(log()).toBe('daemon-reload\nstart demo.service\n');
  });

  it("a failed start is said with its exit status and systemctl's reason", async () => {
    fs.writeFileSync(
      path.join(base, 'bin/systemctl'),
      `#!/bin/sh\necho "$*" >> ${base}/systemctl-stand-in.log\n[ "$1" = start ] && { echo "Job for demo.service failed." >&2; exit 1; }\nexit 0\n`,
      { mode: 0o755 },
    );
    const { g } = await gate(true);
    await g.pass({ kind: 'command', command: install(), cwd: machine, callId: 'c1', turnId: null, signal: new AbortController().signal });
    expect(log()).toBe('daemon-reload\nstart demo.service\n');
    const line = events.find(([n, p]) => n === 'chat.notice' && String(p.message).includes('systemctl start'));
    expect(line?.[1]).toMatchObject({
      level: 'warning',
      message: 'after the commit: systemctl start demo.service: exit 1 (Job for demo.service failed.)',
    });
  });

  it('when systemd is not running, runs nothing and says so', async () => {
    const { g, tx } = await gate(false);
    const r = await g.pass({
      kind: 'command',
      command: install(),
      cwd: machine,
      callId: 'c1',
      turnId: null,
      signal: new AbortController().signal,
    });
    expect(r.ran).toBe(true);
    expect(fs.existsSync(path.join(machine, 'etc/systemd/system/demo.service'))).toBe(true);
    expect(log()).toBeNull();
    expect(notices()).toContain(
      'systemd units changed (2 files); systemd is not running here (no /run/systemd/system), so nothing was reloaded or started (where it runs: sudo systemctl daemon-reload && sudo systemctl start demo.service)',
    );
    expect(tx.store.list().pop()?.notUndone).toBeUndefined();
  });
});
