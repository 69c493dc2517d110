/**
 * Where the agent asks for a preview: only for the decisions
 * `[preview]` names, never for a denied command, and the result reaches the
 * approval request and the model's tool result. The previewer here is a
 * recording function (the engine itself is tested in engine.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { commandResultForModel } from '../../src/core/gate/model-text';
import { Gate } from '../../src/core/gate';
import type { ApprovalRequest, CommandPolicy } from '../../src/core/gate';
import { PreviewConfigSchema } from '../../src/core/config/schema';
import { Executor } from '../../src/core/executor/executor';
import { previewerFor, type Previewer } from '../../src/core/preview/previewer';
import type { Decision } from '../../src/shared/policy';
import type { Preview } from '../../src/shared/preview';

const PREVIEW: Preview = {
  ran: true,
  lines: ['would delete ./x: 3 B'],
  limits: [],
  changes: [],
  omitted: 0,
  exitCode: 0,
  timedOut: false,
  durationMs: 1,
};

function runnerWith(decision: Decision, preview: Previewer, asked: ApprovalRequest[]) {
  const policy: CommandPolicy = {
    decide: () => ({ decision, segments: [], reasons: [], fallback: false }),
    decideTool: (call) => ({ decision: 'require_approval', server: call.server, tool: call.tool, reasons: [], fallback: false }),
    describe: () => '',
  };
  return new Gate({
    cwd: '/',
    policy: async () => policy,
    executor: new Executor(),
    approver: {
      approve: async (r) => {
        asked.push(r);
        return 'denied';
      },
    },
    emit: () => undefined,
    approvalTimeoutMs: 10_000,
    commandTimeoutMs: 10_000,
    preview,
  });
}

describe('the agent asks for a preview', () => {
  it('asks at once with previewPending, hands the preview to the open question, and gives it to the model', async () => {
    const asked: ApprovalRequest[] = [];
    const calls: string[] = [];
    let release: (p: Preview) => void = () => undefined;
    const ready = new Promise<Preview>((resolve) => (release = resolve));
    const shown: Array<[string, Preview]> = [];
    const runner = new Gate({
      cwd: '/',
      policy: async () => ({
        decide: () => ({ decision: 'require_approval', segments: [], reasons: [], fallback: false }),
        decideTool: () => {
          throw new Error('unused');
        },
        describe: () => '',
      }),
      executor: new Executor(),
      approver: {
        approve: async (r) => {
          asked.push(r);
          // The question is open before the preview ends; the person answers once they have seen it.
          release(PREVIEW);
          await new Promise((resolve) => setTimeout(resolve, 0));
          return 'denied';
        },
        previewReady: (id, p) => shown.push([id, p]),
      },
      emit: () => undefined,
      approvalTimeoutMs: 10_000,
      commandTimeoutMs: 10_000,
      preview: ({ command }) => (calls.push(command), ready),
    });
    const out = await runner.pass({
      kind: 'command',
      command: 'rm x',
      cwd: '/',
      callId: 'c',
      turnId: null,
      signal: new AbortController().signal,
    });
    expect(calls).toEqual(['rm x']);
    expect(asked[0]?.preview).toBeUndefined();
    expect(asked[0]?.previewPending).toBe(true);
    expect(shown).toEqual([[asked[0]!.requestId, PREVIEW]]);
    expect(out.ran).toBe(false);
    expect(JSON.parse(commandResultForModel(out)).preview).toContain('would delete ./x: 3 B');
  });

  it('an answer before the preview ends aborts the preview and does not wait for it to finish on its own', async () => {
    let aborted = false;
    const runner = runnerWith(
      'require_approval',
      ({ signal }) =>
        new Promise<Preview | null>((resolve) => {
          signal.addEventListener('abort', () => ((aborted = true), resolve(null)), { once: true });
        }),
      [],
    );
    const out = await runner.pass({
      kind: 'command',
      command: 'rm x',
      cwd: '/',
      callId: 'c',
      turnId: null,
      signal: new AbortController().signal,
    });
    expect(aborted).toBe(true);
    expect(out.preview).toBeUndefined();
  });

  it('never previews a denied command (a preview runs the command)', async () => {
    const calls: string[] = [];
    const runner = runnerWith('deny', async ({ command }) => (calls.push(command), PREVIEW), []);
    const out = await runner.pass({
      kind: 'command',
      command: 'rm -rf /',
      cwd: '/',
      callId: 'c',
      turnId: null,
      signal: new AbortController().signal,
    });
    expect(calls).toEqual([]);
    expect(out.preview).toBeUndefined();
  });

  it('[preview] scope: off means no previewer; decisions outside the list get none', async () => {
    expect(previewerFor(PreviewConfigSchema.parse({ enabled: false }), {})).toBeUndefined();
    const onlyApproval = previewerFor(PreviewConfigSchema.parse({}), {});
    expect(await onlyApproval?.({ command: 'touch x', cwd: '/', decision: 'notify', signal: new AbortController().signal })).toBeNull();
    expect(PreviewConfigSchema.parse({})).toMatchObject({
      enabled: true,
      time_limit_s: 5,
      decisions: ['require_approval'],
      network: false,
    });
    expect(() => PreviewConfigSchema.parse({ decisions: ['deny'] })).toThrow();
  });
});
