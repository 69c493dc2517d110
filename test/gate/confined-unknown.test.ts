/**
 * What no rule names runs confined instead of asking (`[permissions]
 * unknown = "confine"`, the default): the real policy engine over the
 * shipped config, real bubblewrap, real child processes. A command the
 * jail stops says so and may run again unconfined, which asks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandResultForModel } from '../../src/core/gate/model-text';
import { Gate } from '../../src/core/gate';
import type { ApprovalRequest } from '../../src/core/gate';
import { Executor, Sandbox, confinementFor } from '../../src/core/executor';
import type { PolicyEngine } from '../../src/core/policy';
import { shippedEngine, tempDir } from '../support/policy';

const sandbox = new Sandbox();
const available = sandbox.status().available;

describe.skipIf(!available)('unknown commands run confined (real bubblewrap)', () => {
  const t = tempDir('aios-confine-');
  const tree = path.join(t.dir, 'project');
  // Outside the tree and outside /tmp (the jail has a private /tmp): /var/tmp is the host's, read-only in the jail.
  const outside = fs.mkdtempSync('/var/tmp/aios-confine-outside-');
  let shipped: PolicyEngine;
  let prod: PolicyEngine;
  beforeAll(async () => {
    fs.mkdirSync(tree, { recursive: true });
    fs.writeFileSync(path.join(tree, 'README.md'), 'one\ntwo\nthree\nfour\n');
    shipped = await shippedEngine();
    prod = await shippedEngine({ profile: 'aios-prod' });
  });
  afterAll(() => {
    t.cleanup();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  function runner(engine: PolicyEngine, asked: ApprovalRequest[], done: Array<{ jailFailure?: string }> = []) {
    return new Gate({
      cwd: '/',
      policy: async () => engine,
      executor: new Executor({ sandbox }),
      jail: { for: (cwd) => confinementFor(cwd, { home: t.dir }) },
      approver: {
        approve: async (r) => {
          asked.push(r);
          return 'denied';
        },
      },
      emit: (name, payload) => {
        if (name === 'chat.commandDone') done.push(payload as { jailFailure?: string });
      },
      approvalTimeoutMs: 10_000,
      commandTimeoutMs: 20_000,
      home: t.dir,
    });
  }
  const run = (r: Gate, command: string, extra: { unconfined?: boolean } = {}) =>
    r.pass({ kind: 'command', command, cwd: tree, callId: 'c', turnId: null, signal: new AbortController().signal, ...extra });

  it.each([
    ['seq 5000', /^1\n2\n[\s\S]*5000\n$/],
    ['head -2 README.md', /^one\ntwo\n$/],
    ['sleep 1', /^$/],
    ['ls /tmp | head -3', /^/],
  ])('%s runs confined without a question', async (command, output) => {
    const asked: ApprovalRequest[] = [];
    const out = await run(runner(shipped, asked), command);
    expect(asked).toEqual([]);
    expect(out.ran).toBe(true);
    expect(out.decision).toBe('auto_allow');
    expect(out.result?.exitCode).toBe(0);
    expect(out.result?.fullOutput).toMatch(output);
    expect(out.confinedUnknown).toEqual({});
    expect(JSON.parse(commandResultForModel(out)).confined).toMatch(/ran in the jail/);
  });

  it('a write outside the tree fails in the jail, says so, and running it again unconfined asks', async () => {
    const asked: ApprovalRequest[] = [];
    const done: Array<{ jailFailure?: string }> = [];
    const r = runner(shipped, asked, done);
    const target = path.join(outside, 'made');
    // A write the policy sees (tee) is not confinable: it asks as before.
    expect(shipped.decide(`seq 3 | tee ${JSON.stringify(target)}`, { cwd: tree, home: t.dir }).confinable).toBeUndefined();
    // mkfifo is named by no rule and its operand is no write the policy's tables know: the jail is what holds.
    const sneaky = `mkfifo ${JSON.stringify(target)}`;
    const out = await run(r, sneaky);
    expect(asked).toEqual([]);
    expect(out.ran).toBe(true);
    expect(out.result?.exitCode).not.toBe(0);
    expect(fs.existsSync(target)).toBe(false);
    expect(out.confinedUnknown?.jailFailure).toMatch(/read-only file system/);
    // The card is told too, so it can offer to run it again unconfined.
    expect(done.at(-1)?.jailFailure).toMatch(/read-only file system/);
    expect(JSON.parse(commandResultForModel(out)).confined).toMatch(/unconfined: true/);
    const again = await run(r, sneaky, { unconfined: true });
    expect(asked.map((a) => a.command)).toEqual([sneaky]);
    expect(again.ran).toBe(false);
  });

  it('aios-prod keeps asking', async () => {
    const asked: ApprovalRequest[] = [];
    const out = await run(runner(prod, asked), 'seq 5');
    expect(asked.map((a) => a.command)).toEqual(['seq 5']);
    expect(out.ran).toBe(false);
  });

  it('[permissions] unknown = "ask" keeps asking', async () => {
    const { engineFromToml } = await import('../support/policy');
    const { engine } = await engineFromToml('[permissions]\nunknown = "ask"\n');
    const asked: ApprovalRequest[] = [];
    await run(runner(engine, asked), 'seq 5');
    expect(asked.map((a) => a.command)).toEqual(['seq 5']);
  });
});
