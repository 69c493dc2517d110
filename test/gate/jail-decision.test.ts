/**
 * The jail's availability goes into the policy's decision, in one place
 * (`decideWithJail`): without bubblewrap an auto-allowed command runs as
 * notify and says why; what no rule names asks instead of running confined.
 * Through the real gate, the real shipped policy and a real Sandbox whose
 * bubblewrap program does not exist.
 */
import { describe, expect, it } from 'vitest';
import type { EventName } from '../../src/shared/contract';
import { Gate, quietJail, type ApprovalRequest } from '../../src/core/gate';
import { Executor, Sandbox } from '../../src/core/executor';
import { decideWithJail } from '../../src/core/policy/jail-decision';
import { shippedEngine, tempDir } from '../support/policy';

const noBwrap = new Sandbox({ bwrap: 'aios-test-no-such-bwrap' });

async function gateWithoutBwrap(asked: ApprovalRequest[], events: Array<{ name: EventName; payload: unknown }>): Promise<Gate> {
  const engine = await shippedEngine();
  return new Gate({
    policy: async () => engine,
    executor: new Executor(),
    jail: quietJail(noBwrap, {}, {}),
    approver: {
      approve: async (r) => {
        asked.push(r);
        return 'denied';
      },
    },
    emit: (name, payload) => events.push({ name, payload }),
    approvalTimeoutMs: 10_000,
    commandTimeoutMs: 10_000,
    cwd: '/',
  });
}

describe('the jail in the decision', () => {
  it('without bubblewrap an auto-allowed command runs as notify, and the card, the reasons and a notice say why', async () => {
    const t = tempDir('aios-gate-jail-');
    try {
      const asked: ApprovalRequest[] = [];
      const events: Array<{ name: EventName; payload: unknown }> = [];
      const gate = await gateWithoutBwrap(asked, events);
      const out = await gate.pass({
        kind: 'command',
        command: 'echo hi',
        cwd: t.dir,
        callId: 'c1',
        turnId: null,
        signal: new AbortController().signal,
      });
      expect(asked).toEqual([]);
      expect(out).toMatchObject({ decision: 'notify', ran: true });
      expect(out.result?.output).toBe('hi\n');
      expect(out.reasons.join('\n')).toMatch(/auto-allowed, but runs as notify: bubblewrap unavailable: bubblewrap is not installed/);
      const start = events.find((e) => e.name === 'chat.commandStart')?.payload as {
        decision: string;
        sandbox?: { confined: boolean; detail: string };
      };
      expect(start.decision).toBe('notify');
      expect(start.sandbox).toMatchObject({
        confined: false,
        detail: expect.stringMatching(/^not confined \(bubblewrap unavailable.*\): runs as notify$/),
      });
      const notices = events.filter((e) => e.name === 'chat.notice').map((e) => (e.payload as { message: string }).message);
      expect(notices).toEqual([expect.stringMatching(/^running \(notify.*\): echo hi$/)]);
    } finally {
      t.cleanup();
    }
  });

  it('without bubblewrap what no rule names asks instead of running confined', async () => {
    const t = tempDir('aios-gate-jail-');
    try {
      const asked: ApprovalRequest[] = [];
      const gate = await gateWithoutBwrap(asked, []);
      const out = await gate.pass({
        kind: 'command',
        command: 'seq 3',
        cwd: t.dir,
        callId: 'c1',
        turnId: null,
        signal: new AbortController().signal,
      });
      expect(asked.map((a) => [a.command, a.decision])).toEqual([['seq 3', 'require_approval']]);
      expect(out).toMatchObject({ decision: 'require_approval', ran: false, refusal: 'declined by the person' });
    } finally {
      t.cleanup();
    }
  });

  it('decideWithJail: the rules stand without a jail; the jail is asked only when it matters', () => {
    let asked = 0;
    const jail = () => (asked++, { available: true as const, workTree: '/w' });
    expect(decideWithJail({ decision: 'auto_allow' }, [], undefined)).toEqual({
      decision: 'auto_allow',
      reasons: [],
      confined: false,
      confinedUnknown: false,
    });
    expect(decideWithJail({ decision: 'deny' }, ['r'], jail)).toMatchObject({ decision: 'deny', reasons: ['r'], confined: false });
    expect(decideWithJail({ decision: 'require_approval' }, [], jail).decision).toBe('require_approval');
    expect(asked).toBe(0);
    expect(decideWithJail({ decision: 'require_approval', confinable: true }, [], jail, { unconfined: true }).decision).toBe(
      'require_approval',
    );
    expect(asked).toBe(0);
    const unknown = decideWithJail({ decision: 'require_approval', confinable: true }, [], jail);
    expect(unknown).toMatchObject({ decision: 'auto_allow', confined: true, confinedUnknown: true, sandbox: { confined: true } });
    expect(asked).toBe(1);
    expect(decideWithJail({ decision: 'auto_allow' }, [], () => ({ available: false, reason: 'no bwrap' }))).toMatchObject({
      decision: 'notify',
      reasons: ['auto-allowed, but runs as notify: no bwrap'],
      sandbox: { confined: false, detail: 'not confined (no bwrap): runs as notify' },
    });
  });
});
