/**
 * Transactions wired into the command runner: a notify command runs as a
 * transaction (real runc, real overlay, a scratch tree), its effects land
 * with an undo record, the card and the history say what it did; a setuid
 * file or a write to a protected place turns it into a question showing the
 * diff, and a "no" leaves nothing behind; a program that acts outside the
 * filesystem runs outside transactions and says it cannot be undone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Gate, type ApprovalRequest } from '../../src/core/gate';
import { TransactionsConfigSchema } from '../../src/core/config/schema';
import { Executor } from '../../src/core/executor/executor';
import { CommandLog } from '../../src/core/memory/history';
import { PolicyEngine } from '../../src/core/policy';
import { loadConfig } from '../../src/core/config/load';
import { Transactions } from '../../src/core/transaction/hook';
import { TransactionUnavailable, undoRecord } from '../../src/core/transaction';
import { canRun, makeMachine, removeScratch, treeHash } from './support';

const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C' };

describe.skipIf(!canRun)('commands as transactions', () => {
  let base: string;
  let machine: string;
  let history: CommandLog;
  let tx: Transactions;
  const events: Array<[string, unknown]> = [];
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tx-runner-'));
    machine = path.join(base, 'machine');
    makeMachine(machine);
    history = new CommandLog(path.join(base, 'memory.db'));
    tx = new Transactions(TransactionsConfigSchema.parse({ enabled: true, paths: [machine], state_dir: path.join(base, 'state') }), {
      env,
      protect: { extra: [path.join(machine, 'etc/sudoers.d')] },
    });
    events.length = 0;
  });
  afterEach(async () => {
    history.close();
    await removeScratch(base);
  });

  async function runner(answer: 'approved' | 'denied', asked: ApprovalRequest[]) {
    const file = path.join(base, 'config.toml');
    fs.writeFileSync(file, '[permissions]\nnotify = ["echo *", "chmod *", "cp *", "mkdir *", "systemctl *"]\n');
    const policy = await PolicyEngine.create({ config: loadConfig({ file, env: { ...env, XDG_CONFIG_HOME: base, HOME: base } }) });
    return new Gate({
      cwd: '/',
      policy: async () => policy,
      executor: new Executor({ env }),
      approver: { approve: async (r) => (asked.push(r), answer) },
      commandLog: history,
      emit: (name, payload) => events.push([name, payload]),
      approvalTimeoutMs: 10_000,
      commandTimeoutMs: 30_000,
      transactions: tx,
    });
  }
  /** A command action as the gate gets it from the model. */
  const command = (text: string, callId: string, cwd = machine) => ({
    kind: 'command' as const,
    command: text,
    cwd,
    callId,
    turnId: null,
    signal: new AbortController().signal,
  });
  const done = () =>
    events
      .filter(([n]) => n === 'chat.commandDone')
      .map(([, p]) => p as Record<string, unknown>)
      .pop();

  it('a notify command lands as a transaction with an undo record, on the card and in the history', async () => {
    const h0 = treeHash(machine);
    const asked: ApprovalRequest[] = [];
    const r = await (await runner('denied', asked)).pass(command(`echo "port = 9" > ${machine}/etc/app/app.conf`, 'c1'));
    expect(asked).toEqual([]);
    expect(r.ran).toBe(true);
    expect(fs.readFileSync(path.join(machine, 'etc/app/app.conf'), 'utf8')).toBe('port = 9\n');
    const card = done();
    expect(card?.undo).toEqual({ recordId: expect.any(String), summary: '1 changed' });
    expect(r.result?.output).toContain('[aios] transaction: 1 changed (it can be undone: /undo)');
    const row = history.query({ changed: path.join(machine, 'etc') })[0];
    expect(row?.effects?.paths).toEqual([`changed ${machine}/etc/app/app.conf`]);
    expect(history.query({ changed: path.join(machine, 'usr') })).toEqual([]);
    undoRecord(tx.store, (card?.undo as { recordId: string }).recordId);
    expect(treeHash(machine)).toEqual(h0);
  });

  it('when the row could not be written ahead (database trouble), the finishing write still carries the effects', async () => {
    history.close();
    // The first write fails, as a locked or full database makes it; the later ones succeed.
    history = new (class extends CommandLog {
      override begin(): string {
        throw new Error('database is locked');
      }
    })(path.join(base, 'memory.db'));
    const r = await (await runner('denied', [])).pass(command(`echo "port = 10" > ${machine}/etc/app/app.conf`, 'c1'));
    expect(r.ran).toBe(true);
    expect(done()?.undo).toEqual({ recordId: expect.any(String), summary: '1 changed' });
    const rows = history.query({ text: 'port = 10' });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.effects?.paths).toEqual([`changed ${machine}/etc/app/app.conf`]);
    expect(history.query({ changed: path.join(machine, 'etc') }).map((x) => x.id)).toEqual([rows[0]?.id]);
  });

  it('a setuid file made by a notify command becomes a question with the diff; "no" leaves nothing behind', async () => {
    const h0 = treeHash(machine);
    const asked: ApprovalRequest[] = [];
    await (
      await runner('denied', asked)
    ).pass(command(`cp ${machine}/usr/bin/tool ${machine}/usr/bin/sh2 && chmod 4755 ${machine}/usr/bin/sh2`, 'c2'));
    expect(asked).toHaveLength(1);
    expect(asked[0]?.reasons.join('\n')).toContain(`setuid: ${machine}/usr/bin/sh2 becomes setuid`);
    expect(asked[0]?.preview?.changes.map((c) => [c.kind, c.path])).toEqual([['added', `${machine}/usr/bin/sh2`]]);
    expect(done()?.notApplied).toMatch(/^declined: nothing it did was applied/);
    expect(treeHash(machine)).toEqual(h0);
  });

  it('a write to a protected place by a notify command becomes a question; "yes" lands it', async () => {
    const asked: ApprovalRequest[] = [];
    await (
      await runner('approved', asked)
    ).pass(command(`mkdir -p ${machine}/etc/sudoers.d && echo "me ALL=(ALL) ALL" > ${machine}/etc/sudoers.d/me`, 'c3'));
    expect(asked).toHaveLength(1);
    expect(asked[0]?.reasons.join('\n')).toContain('protected-path: added');
    expect(asked[0]?.preview?.changes.find((c) => c.path.endsWith('sudoers.d/me'))?.kind).toBe('added');
    expect(fs.readFileSync(path.join(machine, 'etc/sudoers.d/me'), 'utf8')).toBe('me ALL=(ALL) ALL\n');
    expect(done()?.undo).toBeDefined();
  });

  it('when no transaction can be made, a notify command asks before it runs directly (it could not be undone)', async () => {
    // A stand-in for a jail runc cannot make here (the engine's own failure is tested in engine.test.ts).
    tx.run = () => Promise.reject(new TransactionUnavailable("the transaction's jail could not be made: no runc"));
    const canary = path.join(machine, 'etc/app/direct');
    const asked: ApprovalRequest[] = [];
    await (await runner('denied', asked)).pass(command(`echo x > ${canary}`, 'c5'));
    expect(asked.map((a) => a.reasons[0])).toEqual(["not a transaction: the transaction's jail could not be made: no runc"]);
    expect(done()?.notApplied).toBe('declined: it could not run as a transaction, and was not run');
    expect(fs.existsSync(canary)).toBe(false);
    await (await runner('approved', asked)).pass(command(`echo x > ${canary}`, 'c6'));
    expect(fs.readFileSync(canary, 'utf8')).toBe('x\n');
    expect(done()?.undo).toBeUndefined();
  });

  it('with "auto_allow" in decisions, an auto-allowed command is a transaction too, and a write outside its working tree asks', async () => {
    // /tmp is scratch space for this rule: this machine lives in /var/tmp.
    const vbase = fs.mkdtempSync('/var/tmp/aios-tx-quiet-');
    try {
      const vmachine = path.join(vbase, 'machine');
      makeMachine(vmachine);
      const quiet = new Transactions(
        TransactionsConfigSchema.parse({
          enabled: true,
          decisions: ['auto_allow', 'notify'],
          paths: [vmachine],
          state_dir: path.join(vbase, 'state'),
        }),
        { env, protect: {} },
      );
      const work = path.join(vmachine, 'home/me/project');
      fs.writeFileSync(
        path.join(work, 'build.sh'),
        `#!/bin/sh\necho built > out.txt\n[ "$1" = far ] && echo far > ${vmachine}/etc/far.txt\nexit 0\n`,
        { mode: 0o755 },
      );
      const file = path.join(base, 'config.toml');
      fs.writeFileSync(file, '[permissions]\nauto_allow = ["./build.sh*"]\n');
      const policy = await PolicyEngine.create({ config: loadConfig({ file, env: { ...env, XDG_CONFIG_HOME: base, HOME: base } }) });
      const asked: ApprovalRequest[] = [];
      const r = new Gate({
        cwd: '/',
        policy: async () => policy,
        executor: new Executor({ env }),
        approver: { approve: async (q) => (asked.push(q), 'denied') },
        emit: (name, payload) => events.push([name, payload]),
        approvalTimeoutMs: 10_000,
        commandTimeoutMs: 30_000,
        transactions: quiet,
      });
      await r.pass(command('./build.sh', 'q1', work));
      expect(asked).toEqual([]);
      expect(fs.readFileSync(path.join(work, 'out.txt'), 'utf8')).toBe('built\n');
      expect(done()?.undo).toEqual({ recordId: expect.any(String), summary: '1 added' });
      await r.pass(command('./build.sh far', 'q2', work));
      expect(asked.flatMap((a) => a.reasons.filter((x) => x.startsWith('outside-work-tree:')))).toEqual([
        `outside-work-tree: added ${vmachine}/etc/far.txt: outside the working tree ${work}`,
      ]);
      expect(fs.existsSync(path.join(vmachine, 'etc/far.txt'))).toBe(false);
      expect(done()?.notApplied).toMatch(/^declined/);
    } finally {
      fs.rmSync(vbase, { recursive: true, force: true });
    }
  });

  it('a program that acts outside the filesystem runs outside transactions and says it cannot be undone', async () => {
    const asked: ApprovalRequest[] = [];
    await (await runner('denied', asked)).pass(command('systemctl restart nothing-here.service', 'c4'));
    const start = events.find(([n]) => n === 'chat.commandStart')?.[1] as { reasons: string[] };
    expect(start.reasons).toContain('cannot be undone: systemctl: it starts, stops or changes services through systemd');
    expect(done()?.cannotUndo).toEqual(['systemctl: it starts, stops or changes services through systemd']);
    expect(done()?.undo).toBeUndefined();
    expect(tx.store.list()).toEqual([]);
  });
});
