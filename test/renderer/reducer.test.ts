import { describe, expect, it } from 'vitest';
import { applyOps, coalesce, StreamBatcher, type Scheduler, type StreamOp } from '../../src/renderer/src/chat/batch';
import * as R from '../../src/renderer/src/chat/reducer';
import { emptyChat, type ChatData, type CommandRow, type MessageRow } from '../../src/renderer/src/chat/types';

const judged = { turnId: 'T1', command: 'ls /', cwd: '/work', decision: 'auto_allow' as const, rule: 'auto_allow: "ls*"', reasons: [] };
const done = {
  callId: 'c1',
  command: 'ls /',
  decision: 'auto_allow' as const,
  ran: true,
  refusal: null,
  refusalKind: null,
  exitCode: 0,
  signal: null,
  durationMs: 12,
  timedOut: false,
  cancelled: false,
};

function cards(s: ChatData): CommandRow[] {
  return s.rows.filter((r): r is CommandRow => r.kind === 'command');
}
function messages(s: ChatData): MessageRow[] {
  return s.rows.filter((r): r is MessageRow => r.kind === 'message');
}

describe('streaming answers', () => {
  it('appends deltas to one streaming assistant row and ends it at turnDone', () => {
    let s = R.sendStart(emptyChat, 'hi', 1000);
    s = R.sendAccepted(s, 'T1');
    s = R.appendDelta(s, 'T1', 'Hel');
    s = R.appendDelta(s, 'T1', 'lo');
    expect(messages(s).map((m) => [m.role, m.text, m.streaming])).toEqual([
      ['user', 'hi', false],
      ['assistant', 'Hello', true],
    ]);
    expect(s.busy).toEqual({ turnId: 'T1', since: 1000, direct: false });
    s = R.turnDone(s, { turnId: 'T1', status: 'done' });
    expect(messages(s)[1]).toMatchObject({ text: 'Hello', streaming: false });
    expect(s.busy).toBeNull();
    expect(s.streamingId).toBeNull();
  });

  it('starts a new assistant row after a tool call (text of the next round is a new message)', () => {
    let s = R.appendDelta(emptyChat, 'T1', 'Let me look.');
    s = R.commandStart(s, { turnId: 'T1', callId: 'c1', command: 'ls /', cwd: '/', decision: 'auto_allow', rule: null, reasons: [] });
    s = R.appendDelta(s, 'T1', 'Done.');
    expect(s.rows.map((r) => r.kind)).toEqual(['message', 'command', 'message']);
    expect(messages(s).map((m) => [m.text, m.streaming])).toEqual([
      ['Let me look.', false],
      ['Done.', true],
    ]);
  });

  it('keeps unchanged rows identical (so their components skip rendering)', () => {
    let s = R.addMessage(emptyChat, 'user', 'one');
    s = R.appendDelta(s, 'T1', 'a');
    const first = s.rows[0];
    s = R.appendDelta(s, 'T1', 'b');
    expect(s.rows[0]).toBe(first);
  });

  it('a turn that finished before chat.send answered still frees the composer', () => {
    let s = R.sendStart(emptyChat, 'hi', 0);
    s = R.turnDone(s, { turnId: 'T9', status: 'error' });
    expect(s.busy).toBeNull();
    s = R.sendAccepted(s, 'T9');
    expect(s.busy).toBeNull();
  });
});

describe('command cards', () => {
  it('follows a command from judgement to exit', () => {
    let s = R.commandStart(emptyChat, { ...judged, callId: 'c1' });
    expect(cards(s)[0]).toMatchObject({ state: 'running', decision: 'auto_allow', rule: 'auto_allow: "ls*"', cwd: '/work' });
    s = R.commandOutput(s, { callId: 'c1', stream: 'stdout', data: 'bin\n' });
    s = R.commandOutput(s, { callId: 'c1', stream: 'stdout', data: 'etc\n' });
    s = R.commandOutput(s, { callId: 'c1', stream: 'stderr', data: 'oops\n' });
    s = R.commandDone(s, done);
    expect(cards(s)[0]).toMatchObject({
      state: 'done',
      exitCode: 0,
      durationMs: 12,
      output: [
        { stream: 'stdout', data: 'bin\netc\n' },
        { stream: 'stderr', data: 'oops\n' },
      ],
    });
  });

  it('says why a denied command did not run, with the rule', () => {
    let s = R.commandStart(emptyChat, { ...judged, callId: 'c1', command: 'rm -rf /', decision: 'deny', rule: 'deny: "rm -rf /"' });
    expect(cards(s)[0]!.state).toBe('refused');
    s = R.commandDone(s, {
      ...done,
      command: 'rm -rf /',
      decision: 'deny',
      ran: false,
      refusal: 'denied by the permission policy',
      refusalKind: 'denied',
      exitCode: null,
      durationMs: 0,
    });
    expect(cards(s)[0]).toMatchObject({ state: 'refused', refusal: 'denied by policy: deny: "rm -rf /"', durationMs: null });
  });

  it('maps declined, cancelled-before-run, timeout and cancel to their states', () => {
    const base = R.commandStart(emptyChat, { ...judged, callId: 'c1', decision: 'require_approval' });
    expect(cards(base)[0]!.state).toBe('waiting');
    const declined = R.commandDone(base, {
      ...done,
      decision: 'require_approval',
      ran: false,
      refusal: 'declined by the person',
      refusalKind: 'declined',
      exitCode: null,
    });
    expect(cards(declined)[0]).toMatchObject({ state: 'refused', refusal: 'declined by the person' });
    const early = R.commandDone(base, {
      ...done,
      ran: false,
      refusal: 'cancelled before it ran',
      refusalKind: 'cancelled',
      exitCode: null,
    });
    expect(cards(early)[0]).toMatchObject({ state: 'cancelled', refusal: 'cancelled before it ran' });
    // The code decides, not the words.
    const worded = R.commandDone(base, {
      ...done,
      ran: false,
      refusal: 'declined: do not cancel my build',
      refusalKind: 'declined',
      exitCode: null,
    });
    expect(cards(worded)[0]).toMatchObject({ state: 'refused' });
    expect(cards(early)[0]).toMatchObject({ state: 'cancelled', refusal: 'cancelled before it ran' });
    const timedOut = R.commandDone(base, { ...done, exitCode: null, signal: 'SIGTERM', timedOut: true });
    expect(cards(timedOut)[0]).toMatchObject({ state: 'timeout', signal: 'SIGTERM' });
    const cancelled = R.commandDone(base, { ...done, exitCode: null, signal: 'SIGTERM', cancelled: true });
    expect(cards(cancelled)[0]).toMatchObject({ state: 'cancelled', refusal: null });
  });

  it('chat.commandRunning starts a waiting card (the approval was answered in the Electron dialog)', () => {
    let s = R.commandStart(emptyChat, { ...judged, callId: 'c1', decision: 'require_approval' });
    expect(cards(s)[0]!.state).toBe('waiting');
    s = R.commandRunning(s, { callId: 'c1' });
    expect(cards(s)[0]!.state).toBe('running');
    expect(R.commandRunning(s, { callId: 'other' })).toBe(s);
  });

  it('output starts a waiting card (the approval was answered elsewhere, e.g. the Electron dialog)', () => {
    let s = R.commandStart(emptyChat, { ...judged, callId: 'c1', decision: 'require_approval' });
    s = R.commandOutput(s, { callId: 'c1', stream: 'stdout', data: 'x' });
    expect(cards(s)[0]!.state).toBe('running');
  });

  it('caps output on the page, dropping the head and counting it', () => {
    let s = R.commandStart(emptyChat, { ...judged, callId: 'c1' });
    const big = 'x'.repeat(R.MAX_OUTPUT_CHARS - 10);
    s = R.commandOutput(s, { callId: 'c1', stream: 'stdout', data: big });
    s = R.commandOutput(s, { callId: 'c1', stream: 'stderr', data: 'y'.repeat(30) });
    const card = cards(s)[0]!;
    expect(card.output.reduce((n, c) => n + c.data.length, 0)).toBe(R.MAX_OUTPUT_CHARS);
    expect(card.droppedChars).toBe(20);
    expect(card.output[1]).toEqual({ stream: 'stderr', data: 'y'.repeat(30) });
  });

  it('a reused callId after a restore gets its own card', () => {
    let s = R.restored(
      emptyChat,
      [{ ...cards(R.commandStart(emptyChat, { ...judged, callId: 'call_0_0' }))[0]!, id: 'h0', restored: true, state: 'done' }],
      false,
    );
    s = R.commandStart(s, { ...judged, callId: 'call_0_0', command: 'echo new' });
    expect(cards(s).map((c) => [c.command, c.state])).toEqual([
      ['ls /', 'done'],
      ['echo new', 'running'],
    ]);
    expect(new Set(s.rows.map((r) => r.id)).size).toBe(2);
  });

  it('marks cards a cancel overtook as cancelled and says so', () => {
    let s = R.sendAccepted(R.sendStart(emptyChat, 'go', 0), 'T1');
    s = R.commandStart(s, { ...judged, callId: 'c1' });
    s = R.turnDone(s, { turnId: 'T1', status: 'cancelled' });
    expect(cards(s)[0]!.state).toBe('cancelled');
    expect(messages(s).at(-1)).toMatchObject({ role: 'system', text: 'Cancelled.' });
  });
});

describe('approvals', () => {
  const request = { ...judged, decision: 'require_approval' as const, requestId: 'R1', callId: 'c1', timeoutMs: 60_000 };

  it('links the request to its waiting card, and an approval starts the card', () => {
    let s = R.commandStart(emptyChat, { ...judged, callId: 'c1', decision: 'require_approval' });
    s = R.approvalRequest(s, request, 5);
    expect(s.approvals).toEqual([{ ...request, receivedAt: 5 }]);
    s = R.approvalSettled(s, 'R1', true);
    expect(s.approvals).toEqual([]);
    expect(cards(s)[0]!.state).toBe('running');
  });

  it('closes when the command is over or the turn ends, without an answer', () => {
    let s = R.commandStart(emptyChat, { ...judged, callId: 'c1', decision: 'require_approval' });
    s = R.approvalRequest(s, request, 0);
    expect(
      R.commandDone(s, { ...done, ran: false, refusal: 'no approval within the approval timeout', refusalKind: 'timeout', exitCode: null })
        .approvals,
    ).toEqual([]);
    expect(R.turnDone(s, { turnId: 'T1', status: 'cancelled' }).approvals).toEqual([]);
  });

  it('ignores a repeated request id and leaves the card waiting on a denial', () => {
    let s = R.commandStart(emptyChat, { ...judged, callId: 'c1', decision: 'require_approval' });
    s = R.approvalRequest(R.approvalRequest(s, request, 0), request, 1);
    expect(s.approvals).toHaveLength(1);
    s = R.approvalSettled(s, 'R1', false);
    expect(cards(s)[0]!.state).toBe('waiting');
  });
});

describe('errors and the view', () => {
  it('an error is said once, in the banner; its question is marked unanswered and the conversation stays', () => {
    let s = R.addMessage(emptyChat, 'user', 'hi');
    s = R.appendDelta(s, 'T1', 'part');
    s = R.error(s, { turnId: 'T1', kind: 'http_500', message: 'provider failed (500)' });
    expect(messages(s).map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages(s)[0]).toMatchObject({ role: 'user', failed: true });
    expect(s.errors).toEqual([expect.objectContaining({ message: 'provider failed (500)' })]);
    s = R.dismissError(s, s.errors[0]!.id);
    expect(s.errors).toEqual([]);
    expect(messages(s)[0]).toMatchObject({ failed: true });
  });

  it('Ctrl+L hides earlier rows but keeps them', () => {
    let s = R.addMessage(R.addMessage(emptyChat, 'user', 'a'), 'assistant', 'b');
    s = R.clearView(s);
    expect(s.rows).toHaveLength(3);
    expect(R.visibleRows(s)).toEqual([expect.objectContaining({ role: 'system', text: 'view cleared (history kept)' })]);
  });

  it('/clear empties the list', () => {
    const s = R.newConversation(R.addMessage(emptyChat, 'user', 'a'));
    expect(s.rows).toHaveLength(1);
    expect(s.rows[0]).toMatchObject({ role: 'system' });
  });
});

describe('batching per frame', () => {
  it('joins neighbouring deltas and outputs without reordering', () => {
    const ops: StreamOp[] = [
      { kind: 'delta', turnId: 'T', text: 'a' },
      { kind: 'delta', turnId: 'T', text: 'b' },
      { kind: 'output', callId: 'c', stream: 'stdout', data: '1' },
      { kind: 'output', callId: 'c', stream: 'stdout', data: '2' },
      { kind: 'output', callId: 'c', stream: 'stderr', data: '3' },
      { kind: 'delta', turnId: 'T', text: 'c' },
    ];
    expect(coalesce(ops)).toEqual([
      { kind: 'delta', turnId: 'T', text: 'ab' },
      { kind: 'output', callId: 'c', stream: 'stdout', data: '12' },
      { kind: 'output', callId: 'c', stream: 'stderr', data: '3' },
      { kind: 'delta', turnId: 'T', text: 'c' },
    ]);
  });

  it('applies a frame of 2,000 tokens as one update with the full text', () => {
    const ops: StreamOp[] = Array.from({ length: 2000 }, (_, i) => ({ kind: 'delta', turnId: 'T', text: `t${i} ` }));
    const s = applyOps(emptyChat, ops);
    expect(s.rows).toHaveLength(1);
    expect((s.rows[0] as MessageRow).text).toBe(ops.map((o) => (o.kind === 'delta' ? o.text : '')).join(''));
  });

  it('waits for the frame, and flush() delivers at once', () => {
    const frames: Array<() => void> = [];
    const scheduler: Scheduler = { request: (cb) => (frames.push(cb), () => undefined) };
    const applied: StreamOp[][] = [];
    const b = new StreamBatcher((ops) => applied.push(ops), scheduler);
    b.push({ kind: 'delta', turnId: 'T', text: 'a' });
    b.push({ kind: 'delta', turnId: 'T', text: 'b' });
    expect(frames).toHaveLength(1);
    expect(applied).toEqual([]);
    frames[0]!();
    expect(applied).toHaveLength(1);
    b.push({ kind: 'delta', turnId: 'T', text: 'c' });
    b.flush();
    expect(applied[1]).toEqual([{ kind: 'delta', turnId: 'T', text: 'c' }]);
    expect(b.size).toBe(0);
  });
});

describe('busy from the pushed status', () => {
  it('marks work started elsewhere busy and ends it when the core says idle', () => {
    let s = R.followStatus(emptyChat, true, 500);
    expect(s.busy).toEqual({ turnId: null, since: 500, direct: false, elsewhere: true });
    expect(R.followStatus(s, true, 900)).toBe(s);
    s = R.followStatus(s, false, 1000);
    expect(s.busy).toBeNull();
  });

  it('leaves a turn started here to its own events: an idle push does not free the composer early', () => {
    let s = R.sendStart(emptyChat, 'hi', 1000);
    s = R.followStatus(s, false, 1001);
    expect(s.busy).toEqual({ turnId: null, since: 1000, direct: false });
    s = R.sendAccepted(s, 'T1');
    s = R.followStatus(s, true, 1002);
    expect(s.busy).toEqual({ turnId: 'T1', since: 1000, direct: false });
    s = R.turnDone(s, { turnId: 'T1', status: 'done' });
    expect(s.busy).toBeNull();
  });
});
