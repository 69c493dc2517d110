/**
 * Edit in Electron's approval: the native box cannot take text, so its
 * "Edit…" button hands the command to the page, which may only offer an
 * edited command (never approve the one asked about); the edited command is
 * judged again from the start. The dialog is the fake `electron` module's
 * (no Electron binary here); the policy, the runner, the page's pending
 * question and the commands are real.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MessageBoxOptions } from 'electron';
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../src/shared/contract';
import { Gate, PendingApprovals, type ApprovalRequest } from '../../src/core/gate';
import { RemoteApprover } from '../../src/hosts/core-host/remote-approver';
import { EDIT_LABEL, NativeApprover } from '../../src/hosts/electron/approval-dialog';
import { Executor } from '../../src/core/executor';
import type { PolicyEngine } from '../../src/core/policy';
import { engineFromToml, tempDir } from '../support/policy';
import { createFakeElectron, recordingLogger } from './fake-electron';

const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  requestId: '01HAPPROVAL',
  callId: 'call-1',
  turnId: 't1',
  command: 'touch first.txt',
  cwd: '/home/ai/project',
  decision: 'require_approval',
  rule: 'require_approval: "touch *"',
  reasons: [],
  timeoutMs: 120_000,
  ...over,
});

/** A native approver whose box answers with the button labelled `label`. */
function nativeAnswering(label: string, boxes: MessageBoxOptions[] = []): NativeApprover {
  const fake = createFakeElectron();
  fake.dialogs.responder = async (args) => {
    const options = args.at(-1) as MessageBoxOptions;
    boxes.push(options);
    return { response: options.buttons?.indexOf(label) ?? 0, checkboxChecked: false };
  };
  return new NativeApprover({ dialog: fake.electron.dialog as never, parent: () => undefined, logger: recordingLogger() });
}

describe('the native box offers Edit… for a command', () => {
  it('as its last button, and that button answers "edit"', async () => {
    const boxes: MessageBoxOptions[] = [];
    expect(await nativeAnswering(EDIT_LABEL, boxes).approve(request(), new AbortController().signal)).toBe('edit');
    expect(boxes[0]!.buttons?.at(-1)).toBe(EDIT_LABEL);
    expect(boxes[0]!.detail).toContain('opens the command for editing in the aios window');
  });

  it('not for a tool call: its arguments are not a command line', async () => {
    const boxes: MessageBoxOptions[] = [];
    const tool = request({ tool: { server: 'fs', tool: 'write_file', arguments: '{}' } });
    expect(await nativeAnswering(EDIT_LABEL, boxes).approve(tool, new AbortController().signal)).toBe('denied');
    expect(boxes[0]!.buttons).not.toContain(EDIT_LABEL);
  });

  it('the utility process core hears "edit" from main', async () => {
    const sent: unknown[] = [];
    const remote = new RemoteApprover((m) => sent.push(m));
    const answer = remote.approve(request(), new AbortController().signal);
    remote.answer('01HAPPROVAL', false, false, true);
    expect(await answer).toBe('edit');
  });
});

describe('Edit… then the page: the edited command is judged again', () => {
  const t = tempDir('aios-native-edit-');
  let engine: PolicyEngine;
  beforeAll(async () => {
    ({ engine } = await engineFromToml('[permissions]\nauto_allow = ["printf *"]\nrequire_approval = ["touch *"]\n'));
  });
  afterAll(() => t.cleanup());

  /** The runner as the Electron host builds it: the native approver asks, the page's pending questions edit. */
  function world(pageAnswer: (p: EventPayload<'chat.approvalRequest'>, page: PendingApprovals) => void, nativeLabel = EDIT_LABEL) {
    const seen: Array<{ name: EventName; payload: unknown }> = [];
    const emit = <E extends EventName>(name: E, payload: EventPayload<E>) => {
      seen.push({ name, payload });
      // The page answers a question the core put to it (a microtask later, as over a link).
      if (name === 'chat.approvalRequest') queueMicrotask(() => pageAnswer(payload as EventPayload<'chat.approvalRequest'>, page));
    };
    const page = new PendingApprovals(emit);
    const runner = new Gate({
      cwd: '/',
      policy: async () => engine,
      executor: new Executor(),
      approver: nativeAnswering(nativeLabel),
      editor: page,
      emit,
      approvalTimeoutMs: 30_000,
      commandTimeoutMs: 20_000,
    });
    const run = (command: string) =>
      runner.pass({ kind: 'command', command, cwd: t.dir, callId: 'c1', turnId: null, signal: new AbortController().signal });
    return { seen, run };
  }

  it('the page gets an edit-only question; its edit runs instead, under the rules (here: no further question)', async () => {
    const w = world((p, page) => page.answer(p.requestId, true, { edited: 'printf edited-in-page' }));
    const out = await w.run('touch first.txt');
    const asked = w.seen.filter((e) => e.name === 'chat.approvalRequest').map((e) => e.payload as EventPayload<'chat.approvalRequest'>);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ command: 'touch first.txt', editOnly: true });
    expect(out.command).toBe('printf edited-in-page');
    expect(out.ran).toBe(true);
    expect(out.result?.fullOutput).toBe('edited-in-page');
    expect(fs.existsSync(path.join(t.dir, 'first.txt'))).toBe(false);
  });

  it('an edit-only question cannot approve the command it shows', async () => {
    const w = world((p, page) => page.answer(p.requestId, true));
    const out = await w.run('touch first.txt');
    expect(out.ran).toBe(false);
    expect(out.refusal).toBe('declined by the person');
    expect(fs.existsSync(path.join(t.dir, 'first.txt'))).toBe(false);
  });

  it('an edit that still needs approval goes back to the native box', async () => {
    const boxes: string[] = [];
    let round = 0;
    // First box: Edit…; the box for the edited command: Run.
    const fake = createFakeElectron();
    fake.dialogs.responder = async (args) => {
      const options = args.at(-1) as MessageBoxOptions;
      boxes.push(options.message ?? '');
      return { response: options.buttons?.indexOf(round++ === 0 ? EDIT_LABEL : 'Run') ?? 0, checkboxChecked: false };
    };
    const emitted: string[] = [];
    const page: PendingApprovals = new PendingApprovals((name, payload) => {
      emitted.push(name);
      if (name === 'chat.approvalRequest')
        queueMicrotask(() => page.answer((payload as { requestId: string }).requestId, true, { edited: 'touch second.txt' }));
    });
    const runner = new Gate({
      cwd: '/',
      policy: async () => engine,
      executor: new Executor(),
      approver: new NativeApprover({ dialog: fake.electron.dialog as never, parent: () => undefined, logger: recordingLogger() }),
      editor: page,
      emit: () => undefined,
      approvalTimeoutMs: 30_000,
      commandTimeoutMs: 20_000,
    });
    const out = await runner.pass({
      kind: 'command',
      command: 'touch first.txt',
      cwd: t.dir,
      callId: 'c2',
      turnId: null,
      signal: new AbortController().signal,
    });
    expect(boxes).toHaveLength(2);
    expect(boxes[1]).toContain('touch second.txt');
    expect(out.ran).toBe(true);
    expect(fs.existsSync(path.join(t.dir, 'second.txt'))).toBe(true);
    expect(fs.existsSync(path.join(t.dir, 'first.txt'))).toBe(false);
  });
});

describe("the page's side: an edit-only question", () => {
  /** The web modal as the renderer draws it for one question (loaded by path: vitest compiles the renderer's TSX). */
  async function modalFor(editOnly: boolean): Promise<string> {
    const root = path.resolve('src/renderer/src');
    const { ApprovalQuestion } = (await import(/* @vite-ignore */ path.join(root, 'components/ApprovalDialog.tsx'))) as {
      ApprovalQuestion: FunctionComponent<{ request: object }>;
    };
    const { ChatContext } = (await import(/* @vite-ignore */ path.join(root, 'components/ChatContext.ts'))) as {
      ChatContext: React.Context<unknown>;
    };
    const asked = {
      ...request({ requestId: '01HEDITONLY0000000000000000' }),
      receivedAt: Date.now(),
      ...(editOnly ? { editOnly: true } : {}),
    };
    return renderToStaticMarkup(createElement(ChatContext.Provider, { value: {} }, createElement(ApprovalQuestion, { request: asked })));
  }

  it('opens with the command in an edit field, and offers no Approve (it approves nothing)', async () => {
    const html = await modalFor(true);
    expect(html).toContain('Edit command');
    expect(html).toMatch(/<textarea[^>]*data-testid="approval-edit"[^>]*>touch first\.txt<\/textarea>/);
    expect(html).toContain('Check edited command');
    expect(html).not.toMatch(/>Approve</);
    expect(html).not.toContain('approval-always');
  });

  it('an ordinary question still shows the command and Approve', async () => {
    const html = await modalFor(false);
    expect(html).toContain('Approve command');
    expect(html).toMatch(/>Approve</);
    expect(html).not.toContain('approval-edit');
  });
});
