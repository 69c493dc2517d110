import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { MessageBoxOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { callChannel, eventChannel } from '../../src/shared/ipc';
import { askWithTimeout } from '../../src/core/gate/approval';
import type { ApprovalRequest } from '../../src/core/gate';
import { ALWAYS_BUTTON, DENY_BUTTON, NativeApprover, RUN_BUTTON } from '../../src/hosts/electron/approval-dialog';
import { startElectronHost, type ElectronApi } from '../../src/hosts/electron/host';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { createFakeElectron, FakeBrowserWindow, ipcEvent, recordingLogger } from './fake-electron';

const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  requestId: '01HAPPROVAL',
  callId: 'call-1',
  turnId: 't1',
  command: 'rm -rf ./build',
  cwd: '/home/ai/project',
  decision: 'require_approval',
  rule: 'require_approval: "rm -rf*"',
  reasons: ['deletes files'],
  timeoutMs: 120_000,
  ...over,
});

/** A message box that stays open until the test answers it or its signal closes it (as Electron's does). */
function heldBoxes(fake: ReturnType<typeof createFakeElectron>) {
  const open: Array<{ options: MessageBoxOptions; answer(n: number): void }> = [];
  fake.dialogs.responder = (args) =>
    new Promise((resolve) => {
      const options = args.at(-1) as MessageBoxOptions;
      const answer = (response: number) => resolve({ response, checkboxChecked: false });
      options.signal?.addEventListener('abort', () => answer(options.cancelId ?? 0), { once: true });
      open.push({ options, answer });
    });
  return open;
}

describe('NativeApprover: the approval dialog of the Electron host', () => {
  it('shows the exact command, cwd and rule, with Deny as the default and cancel button', async () => {
    const fake = createFakeElectron({ messageBoxResponse: DENY_BUTTON });
    const parent = new FakeBrowserWindow({});
    const approver = new NativeApprover({
      dialog: fake.electron.dialog as never,
      parent: () => parent as never,
      logger: recordingLogger(),
    });
    await approver.approve(request(), new AbortController().signal);
    const [win, options] = fake.dialogs.messageBoxes[0] as [unknown, MessageBoxOptions];
    expect(win).toBe(parent);
    expect(options.buttons?.[options.defaultId!]).toBe('Deny');
    expect(options.cancelId).toBe(options.defaultId);
    expect(options.buttons?.[RUN_BUTTON]).toBe('Run');
    expect(options.detail).toContain('rm -rf ./build');
    expect(options.detail).toContain('Directory: /home/ai/project');
    // Plain words first, the rule behind "Details" at the end.
    expect(options.message).toContain('The AI wants to run `rm -rf ./build`');
    expect(options.detail).toMatch(/aios asks because [\s\S]*Details:\n {2}rule: require_approval: "rm -rf\*"/);
    expect(options.detail).toContain('120 s');
  });

  it('approves only on the Run button; Deny and Esc (the cancel id) deny', async () => {
    for (const [response, expected] of [
      [RUN_BUTTON, 'approved'],
      [DENY_BUTTON, 'denied'],
      [7, 'denied'],
    ] as const) {
      const fake = createFakeElectron({ messageBoxResponse: response });
      const approver = new NativeApprover({ dialog: fake.electron.dialog as never, parent: () => undefined, logger: recordingLogger() });
      expect(await approver.approve(request(), new AbortController().signal)).toBe(expected);
      // No window: the box is shown on its own rather than not at all.
      expect(fake.dialogs.messageBoxes[0]).toHaveLength(1);
    }
  });

  it('asks at once while the preview runs, then shows the box again with the preview; an answer on it counts', async () => {
    const fake = createFakeElectron();
    const boxes = heldBoxes(fake);
    const approver = new NativeApprover({ dialog: fake.electron.dialog as never, parent: () => undefined, logger: recordingLogger() });
    const answer = approver.approve(request({ previewPending: true }), new AbortController().signal);
    await vi.waitFor(() => expect(boxes).toHaveLength(1));
    expect(boxes[0]!.options.detail).toContain('Preview: preparing the preview…');
    approver.previewReady('01HAPPROVAL', {
      ran: true,
      lines: ['would delete 2 files in ./build'],
      limits: [],
      changes: [],
      omitted: 0,
      exitCode: 0,
      timedOut: false,
      durationMs: 5,
    });
    await vi.waitFor(() => expect(boxes).toHaveLength(2));
    expect(boxes[0]!.options.signal?.aborted).toBe(true);
    expect(boxes[1]!.options.detail).toContain('would delete 2 files in ./build');
    expect(boxes[1]!.options.detail).not.toContain('preparing the preview');
    boxes[1]!.answer(RUN_BUTTON);
    expect(await answer).toBe('approved');
  });

  it('an answer while the preview is still being prepared counts', async () => {
    const fake = createFakeElectron();
    const boxes = heldBoxes(fake);
    const approver = new NativeApprover({ dialog: fake.electron.dialog as never, parent: () => undefined, logger: recordingLogger() });
    const answer = approver.approve(request({ previewPending: true }), new AbortController().signal);
    await vi.waitFor(() => expect(boxes).toHaveLength(1));
    boxes[0]!.answer(DENY_BUTTON);
    expect(await answer).toBe('denied');
    // A preview that ends after the answer changes nothing.
    approver.previewReady('01HAPPROVAL', {
      ran: true,
      lines: ['late'],
      limits: [],
      changes: [],
      omitted: 0,
      exitCode: 0,
      timedOut: false,
      durationMs: 5,
    });
    expect(boxes).toHaveLength(1);
  });

  it('denies when the approval timeout passes, and closes the box', async () => {
    const fake = createFakeElectron();
    const boxes = heldBoxes(fake);
    const approver = new NativeApprover({ dialog: fake.electron.dialog as never, parent: () => undefined, logger: recordingLogger() });
    const outcome = await askWithTimeout(approver, request({ timeoutMs: 50 }), new AbortController().signal);
    expect(outcome).toEqual({ answer: 'denied', timedOut: true });
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.options.signal?.aborted).toBe(true);
  });

  it('denies when the turn is cancelled, even if the box then reports Run', async () => {
    const fake = createFakeElectron();
    const boxes = heldBoxes(fake);
    const approver = new NativeApprover({ dialog: fake.electron.dialog as never, parent: () => undefined, logger: recordingLogger() });
    const turn = new AbortController();
    const answer = approver.approve(request(), turn.signal);
    await expect.poll(() => boxes.length).toBe(1);
    turn.abort();
    boxes[0]!.answer(RUN_BUTTON);
    expect(await answer).toBe('denied');
  });

  it('offers "Always allow" with the rule and its file only when the question has one; that button answers always', async () => {
    const remember = { list: 'auto_allow' as const, pattern: 'seq *', file: '/home/ai/.config/syui/ai/config.toml' };
    const plain = createFakeElectron({ messageBoxResponse: RUN_BUTTON });
    const approverPlain = new NativeApprover({
      dialog: plain.electron.dialog as never,
      parent: () => undefined,
      logger: recordingLogger(),
    });
    expect(await approverPlain.approve(request(), new AbortController().signal)).toBe('approved');
    expect(((plain.dialogs.messageBoxes[0] as unknown[]).at(-1) as MessageBoxOptions).buttons).toEqual(['Deny', 'Run', 'Edit…']);

    const fake = createFakeElectron({ messageBoxResponse: ALWAYS_BUTTON });
    const approver = new NativeApprover({ dialog: fake.electron.dialog as never, parent: () => undefined, logger: recordingLogger() });
    const answer = await approver.approve(
      request({ command: 'seq 1 30', rule: null, reasons: ["require_approval: 'seq 1 30': no rule matches 'seq 1 30'"], remember }),
      new AbortController().signal,
    );
    expect(answer).toBe('always');
    const options = (fake.dialogs.messageBoxes[0] as unknown[]).at(-1) as MessageBoxOptions;
    expect(options.buttons).toEqual(['Deny', 'Run', 'Always allow seq *', 'Edit…']);
    expect(options.message).toBe('The AI wants to run `seq 1 30`. Run it?');
    expect(options.detail).toContain('aios asks because no rule covers `seq`.');
    expect(options.detail).toContain(`Always allow writes the rule "seq *" into ${remember.file}`);
    expect(options.cancelId).toBe(DENY_BUTTON);
  });

  it('asks one question at a time', async () => {
    const fake = createFakeElectron();
    const boxes = heldBoxes(fake);
    const approver = new NativeApprover({ dialog: fake.electron.dialog as never, parent: () => undefined, logger: recordingLogger() });
    const first = approver.approve(request({ requestId: 'a', command: 'first' }), new AbortController().signal);
    const second = approver.approve(request({ requestId: 'b', command: 'second' }), new AbortController().signal);
    await expect.poll(() => boxes.length).toBe(1);
    boxes[0]!.answer(RUN_BUTTON);
    expect(await first).toBe('approved');
    await expect.poll(() => boxes.length).toBe(2);
    expect(boxes[1]!.options.detail).toContain('second');
    boxes[1]!.answer(DENY_BUTTON);
    expect(await second).toBe('denied');
  });
});

describe('approvals through the Electron host', () => {
  let home: string;
  let llm: LlmServer;
  let quit: (() => void) | undefined;

  beforeEach(async () => {
    home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-approve-')));
    llm = await startLlmServer();
  });
  afterEach(async () => {
    quit?.();
    quit = undefined;
    await llm.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  async function startHost() {
    const config = path.join(home, 'config');
    fs.mkdirSync(config, { recursive: true });
    fs.mkdirSync(path.join(home, 'renderer'));
    fs.writeFileSync(path.join(home, 'renderer', 'index.html'), '<!doctype html><title>aios</title>');
    fs.writeFileSync(
      path.join(config, 'config.toml'),
      // No preview: these tests answer the first box, which a finished preview would replace.
      `[ai]\nbase_url = "${llm.baseUrl}"\nmodel = "scripted"\napproval_timeout_s = 30\n\n[permissions]\nrequire_approval = ["touch *"]\n\n[preview]\nenabled = false\n`,
    );
    fs.writeFileSync(path.join(config, 'mcp.json'), '{"mcpServers":{}}');
    FakeBrowserWindow.instances = [];
    const fake = createFakeElectron();
    const boxes = heldBoxes(fake);
    const env = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, 'data'),
      AIOS_CONFIG_DIR: config,
      SHELL: '/bin/sh',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    };
    const host = startElectronHost(fake.electron as unknown as ElectronApi, {
      argv: ['electron', 'out/main/index.js'],
      env,
      preload: '/app/out/preload/index.cjs',
      rendererDir: path.join(home, 'renderer'),
      logger: recordingLogger(),
      errorSource: new EventEmitter() as unknown as NodeJS.Process,
    });
    quit = () => fake.appEvents.emit('will-quit');
    fake.makeReady();
    await host.ready;
    const window = FakeBrowserWindow.instances[0]!;
    const call = (name: Parameters<typeof callChannel>[0], payload: unknown) =>
      fake.handlers.get(callChannel(name))!(ipcEvent('app://aios/index.html'), payload) as Promise<{
        ok: boolean;
        value?: unknown;
        error?: { code: string };
      }>;
    const turnDone = () => window.webContents.sent.filter((m) => m.channel === eventChannel('chat.turnDone')).length;
    return { fake, boxes, window, call, turnDone };
  }

  it('asks in a native box on the main window; the renderer can neither see nor answer the question', async () => {
    const { boxes, window, call, turnDone } = await startHost();
    const canary = path.join(home, 'canary');
    llm.push({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${canary}`, reason: 'test' } }] }, { text: 'ok' });

    expect((await call('chat.send', { text: 'make the canary' })).ok).toBe(true);
    await expect.poll(() => boxes.length, { timeout: 10_000 }).toBe(1);
    expect(boxes[0]!.options.detail).toContain(`touch ${canary}`);
    expect(window.webContents.sent.some((m) => m.channel === eventChannel('chat.approvalRequest'))).toBe(false);

    // Whatever id a compromised renderer tries, the core refuses it: nothing is pending on the bridge.
    for (const requestId of ['01HAPPROVAL', 'anything']) {
      const forged = await call('chat.approve', { requestId, approved: true });
      expect(forged).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect(fs.existsSync(canary)).toBe(false);

    boxes[0]!.answer(DENY_BUTTON);
    await expect.poll(turnDone, { timeout: 10_000 }).toBe(1);
    expect(fs.existsSync(canary)).toBe(false);
    const done = window.webContents.sent.find((m) => m.channel === eventChannel('chat.commandDone'))!.payload as {
      ran: boolean;
      refusal: string;
    };
    expect(done).toMatchObject({ ran: false, refusal: 'declined by the person' });
  });

  it('runs the command when the person picks Run', async () => {
    const { boxes, call, turnDone } = await startHost();
    const canary = path.join(home, 'canary');
    llm.push({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${canary}`, reason: 'test' } }] }, { text: 'ok' });
    await call('chat.send', { text: 'make the canary' });
    await expect.poll(() => boxes.length, { timeout: 10_000 }).toBe(1);
    boxes[0]!.answer(RUN_BUTTON);
    await expect.poll(turnDone, { timeout: 10_000 }).toBe(1);
    expect(fs.existsSync(canary)).toBe(true);
  });
});
