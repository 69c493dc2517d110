/**
 * Where the agent asks for a preview (issue 16): only for the decisions
 * `[preview]` names, never for a denied command, and the result reaches the
 * approval request and the model's tool result. The previewer here is a
 * recording function (the engine itself is tested in engine.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { commandResultForModel } from '../../src/main/core/agent/agent';
import { CommandRunner, type Previewer } from '../../src/main/core/agent/command-runner';
import type { ApprovalRequest, CommandPolicy } from '../../src/main/core/agent/types';
import { PreviewConfigSchema } from '../../src/main/core/config/schema';
import { Executor } from '../../src/main/core/executor/executor';
import { previewerFor } from '../../src/main/core/preview/previewer';
import type { Decision } from '../../src/shared/policy';
import type { Preview } from '../../src/shared/preview';

const PREVIEW: Preview = { ran: true, lines: ['would delete ./x: 3 B'], limits: [], changes: [], omitted: 0, exitCode: 0, timedOut: false, durationMs: 1 };

function runnerWith(decision: Decision, preview: Previewer, asked: ApprovalRequest[]) {
  const policy: CommandPolicy = {
    decide: () => ({ decision, segments: [], reasons: [], fallback: false }),
    decideTool: (call) => ({ decision: 'require_approval', server: call.server, tool: call.tool, reasons: [], fallback: false }),
    describe: () => '',
  };
  return new CommandRunner({
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
  it('puts the preview in the approval request and in what the model sees', async () => {
    const asked: ApprovalRequest[] = [];
    const calls: string[] = [];
    const runner = runnerWith('require_approval', async ({ command }) => (calls.push(command), PREVIEW), asked);
    const out = await runner.run({ command: 'rm x', cwd: '/', callId: 'c', turnId: null, signal: new AbortController().signal });
    expect(calls).toEqual(['rm x']);
    expect(asked[0]?.preview).toEqual(PREVIEW);
    expect(out.ran).toBe(false);
    expect(JSON.parse(commandResultForModel(out)).preview).toContain('would delete ./x: 3 B');
  });

  it('never previews a denied command (a preview runs the command)', async () => {
    const calls: string[] = [];
    const runner = runnerWith('deny', async ({ command }) => (calls.push(command), PREVIEW), []);
    const out = await runner.run({ command: 'rm -rf /', cwd: '/', callId: 'c', turnId: null, signal: new AbortController().signal });
    expect(calls).toEqual([]);
    expect(out.preview).toBeUndefined();
  });

  it('[preview] scope: off means no previewer; decisions outside the list get none', async () => {
    expect(previewerFor(PreviewConfigSchema.parse({ enabled: false }), {})).toBeUndefined();
    const onlyApproval = previewerFor(PreviewConfigSchema.parse({}), {});
    expect(await onlyApproval?.({ command: 'touch x', cwd: '/', decision: 'notify', signal: new AbortController().signal })).toBeNull();
    expect(PreviewConfigSchema.parse({})).toMatchObject({ enabled: true, time_limit_s: 5, decisions: ['require_approval'], network: false });
    expect(() => PreviewConfigSchema.parse({ decisions: ['deny'] })).toThrow();
  });
});
