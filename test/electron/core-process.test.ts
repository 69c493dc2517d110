/**
 * The core in a utility process: the Electron glue with the fake electron
 * module, whose `utilityProcess.fork` runs the real core host in a child Node
 * process. Calls travel renderer port → child; approvals child → main's
 * native dialog (fake dialog) → child; a killed or hung core is restarted
 * with the window kept, and given up on after repeated crashes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { MessageBoxOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CORE_SERVICE_NAME } from '../../src/shared/core-process';
import { CORE_PORT_CHANNEL } from '../../src/shared/ipc';
import { startElectronHost, type ElectronApi, type HostOptions } from '../../src/hosts/electron/host';
import { RUN_BUTTON } from '../../src/hosts/electron/approval-dialog';
import { PortBridge } from '../../src/preload/port-bridge';
import { createFakeElectron, FakeBrowserWindow, recordingLogger } from './fake-electron';
import { domPort, endForks } from './fake-utility-process';
import { isolatedEnv } from '../support/temp';

let home: string;
let fake: ReturnType<typeof createFakeElectron>;
const quitters: Array<() => void> = [];

function env(): Record<string, string> {
  return isolatedEnv(home, {
    AIOS_CONFIG_DIR: path.join(home, 'config'),
    AIOS_DATA_DIR: path.join(home, 'data'),
    SHELL: '/bin/sh',
  });
}

async function start(coreProcess: Partial<NonNullable<HostOptions['coreProcess']>> = {}) {
  FakeBrowserWindow.instances = [];
  fake = createFakeElectron();
  const logger = recordingLogger();
  const host = startElectronHost(fake.electron as unknown as ElectronApi, {
    argv: ['electron', 'out/main/index.js'],
    env: env(),
    preload: '/app/out/preload/index.cjs',
    rendererDir: path.join(home, 'renderer'),
    logger,
    errorSource: new EventEmitter() as unknown as NodeJS.Process,
    coreProcess: { entry: '/app/out/main/core-host.js', ...coreProcess },
  });
  const forks = fake.utilityProcess;
  quitters.push(() => fake.appEvents.emit('will-quit'));
  quitters.push(() => void endForks(forks));
  fake.makeReady();
  await host.ready;
  const window = FakeBrowserWindow.instances[0]!;
  // The preload's side: every port main hands the page goes to the one bridge.
  const renderer = new PortBridge();
  let used = 0;
  const takePorts = () => {
    const posted = window.webContents.posted.filter((p) => p.channel === CORE_PORT_CHANNEL);
    for (const p of posted.slice(used)) renderer.usePort(domPort(p.ports[0]!));
    used = posted.length;
    return used;
  };
  window.webContents.emit('did-finish-load');
  takePorts();
  return { host, logger, window, renderer: renderer.bridge, takePorts };
}

function parentPid(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

beforeEach(() => {
  home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-coreproc-')));
  fs.mkdirSync(path.join(home, 'renderer'));
  fs.writeFileSync(path.join(home, 'renderer', 'index.html'), '<!doctype html><title>aios</title>');
  fs.mkdirSync(path.join(home, 'config'));
  fs.writeFileSync(
    path.join(home, 'config', 'config.toml'),
    '[ai]\napproval_timeout_s = 30\n\n[permissions]\nrequire_approval = ["touch *"]\n',
  );
  fs.writeFileSync(path.join(home, 'config', 'mcp.json'), '{"mcpServers":{}}');
});

afterEach(async () => {
  const forks = fake?.utilityProcess;
  for (const quit of quitters.splice(0)) quit();
  if (forks) await endForks(forks);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('the core in a utility process', () => {
  it('starts the core with utilityProcess.fork, not in the main process', async () => {
    const { host } = await start();
    expect(fake.utilityProcess.forks).toHaveLength(1);
    const child = fake.utilityProcess.forks[0]!;
    expect(child.options).toMatchObject({ serviceName: CORE_SERVICE_NAME, stdio: 'pipe', requestedPath: '/app/out/main/core-host.js' });
    expect(host.core).toBeUndefined();
    // No ipcMain handlers: the page reaches the core only over its port.
    expect(fake.handlers.size).toBe(0);
  });

  it("answers a call from the page in the child process; a shell it opens is the child's", async () => {
    const { renderer } = await start();
    const info = await renderer.call('app.info', {});
    expect(info.host).toBe('electron');
    const session = await renderer.call('terminal.open', { cols: 80, rows: 24 });
    const corePid = fake.utilityProcess.forks[0]!.child.pid!;
    expect(corePid).not.toBe(process.pid);
    expect(parentPid(session.pid)).toBe(corePid);
    // Events come back over the same port.
    const output: string[] = [];
    renderer.on('terminal.data', (e) => output.push(Buffer.from(e.data).toString()));
    await renderer.call('terminal.write', { id: session.id, data: 'echo core-$((40+2))\n' });
    await expect.poll(() => output.join(''), { timeout: 10_000 }).toContain('core-42');
  });

  it("refuses malformed calls with the contract's error codes", async () => {
    const { renderer } = await start();
    await expect(renderer.call('terminal.resize', { id: '../x', cols: 1, rows: 1 })).rejects.toThrow(/^\[invalid_request\]/);
    await expect(renderer.call('nope' as 'app.info', {})).rejects.toThrow(/^\[unknown_call\]/);
  });

  it('gives no port to a page that is not the aios UI', async () => {
    const { window } = await start();
    const before = window.webContents.posted.length;
    window.webContents.url = 'https://evil.example/';
    window.webContents.emit('did-finish-load');
    expect(window.webContents.posted.length).toBe(before);
  });

  it('asks main for approvals: the native dialog answers, the page cannot', async () => {
    const boxes: Array<{ options: MessageBoxOptions; answer(n: number): void }> = [];
    // No preview here: its box would be shown again when the preview ends (the next test).
    fs.appendFileSync(path.join(home, 'config', 'config.toml'), '\n[preview]\nenabled = false\n');
    const { renderer } = await start();
    fake.dialogs.responder = (args) =>
      new Promise((resolve) => {
        const options = args.at(-1) as MessageBoxOptions;
        boxes.push({ options, answer: (response) => resolve({ response, checkboxChecked: false }) });
      });
    const canary = path.join(home, 'canary');
    const ran = renderer.call('chat.run', { command: `touch ${canary}` });
    await expect.poll(() => boxes.length, { timeout: 15_000 }).toBe(1);
    expect(boxes[0]!.options.detail).toContain(`touch ${canary}`);
    // A forged answer from the page finds nothing pending on the bridge.
    await expect(renderer.call('chat.approve', { requestId: '01HFORGED', approved: true })).rejects.toThrow(/^\[not_found\]/);
    expect(fs.existsSync(canary)).toBe(false);
    boxes[0]!.answer(RUN_BUTTON);
    expect(await ran).toMatchObject({ ran: true, exitCode: 0 });
    expect(fs.existsSync(canary)).toBe(true);
  });

  it('asks at once while the preview runs in the core, then shows the box again with the preview', async () => {
    const boxes: Array<{ options: MessageBoxOptions; answer(n: number): void }> = [];
    const { renderer } = await start();
    fake.dialogs.responder = (args) =>
      new Promise((resolve) => {
        const options = args.at(-1) as MessageBoxOptions;
        const answer = (response: number) => resolve({ response, checkboxChecked: false });
        options.signal?.addEventListener('abort', () => answer(options.cancelId ?? 0), { once: true });
        boxes.push({ options, answer });
      });
    const canary = path.join(home, 'canary');
    const ran = renderer.call('chat.run', { command: `touch ${canary}` });
    await expect.poll(() => boxes.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(boxes[0]!.options.detail).toContain('Preview: preparing the preview…');
    // The preview ends in the core; main closes the first box and asks again with it.
    await expect.poll(() => boxes.length, { timeout: 30_000 }).toBe(2);
    expect(boxes[0]!.options.signal?.aborted).toBe(true);
    expect(boxes[1]!.options.detail).toContain('Preview (run in a throwaway copy; nothing was changed):');
    expect(fs.existsSync(canary)).toBe(false);
    boxes[1]!.answer(RUN_BUTTON);
    expect(await ran).toMatchObject({ ran: true, exitCode: 0 });
    expect(fs.existsSync(canary)).toBe(true);
  });

  it('closes the dialog of a core that dies while asking, and the new core runs nothing', async () => {
    const boxes: MessageBoxOptions[] = [];
    fs.appendFileSync(path.join(home, 'config', 'config.toml'), '\n[preview]\nenabled = false\n');
    const { renderer, takePorts } = await start();
    fake.dialogs.responder = (args) =>
      new Promise((resolve) => {
        const options = args.at(-1) as MessageBoxOptions;
        boxes.push(options);
        options.signal?.addEventListener('abort', () => resolve({ response: options.cancelId ?? 0, checkboxChecked: false }), {
          once: true,
        });
      });
    const canary = path.join(home, 'canary');
    const ran = renderer.call('chat.run', { command: `touch ${canary}` });
    await expect.poll(() => boxes.length, { timeout: 15_000 }).toBe(1);
    fake.utilityProcess.forks[0]!.child.kill('SIGKILL');
    await expect.poll(() => boxes[0]!.signal?.aborted, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => fake.utilityProcess.forks.length, { timeout: 10_000 }).toBe(2);
    takePorts();
    await expect(ran).rejects.toThrow(/^\[unavailable\]/);
    expect((await renderer.call('app.info', {})).host).toBe('electron');
    expect(fs.existsSync(canary)).toBe(false);
  });

  it('restarts a killed core, keeps the window and hands the page a new port', async () => {
    const { host, window, renderer, takePorts, logger } = await start();
    await renderer.call('app.info', {});
    const first = fake.utilityProcess.forks[0]!;
    first.child.kill('SIGKILL');
    await expect.poll(() => fake.utilityProcess.forks.length, { timeout: 10_000 }).toBe(2);
    expect(FakeBrowserWindow.instances).toEqual([window]);
    expect(host.window()).toBe(window);
    expect(window.loads).toHaveLength(1);
    expect(takePorts()).toBe(2);
    const info = await renderer.call('app.info', {});
    expect(info.host).toBe('electron');
    expect(host.coreProcess?.startCount).toBe(2);
    expect(logger.lines.some((l) => l.level === 'warn' && /core exited .*starting it again \(restart 1 of 3\)/.test(l.message))).toBe(true);
  });

  it('ends and restarts a core that stops answering its heartbeat', async () => {
    const { renderer, takePorts, logger } = await start({ heartbeatMs: 50, heartbeatTimeoutMs: 300 });
    await renderer.call('app.info', {});
    fake.utilityProcess.forks[0]!.child.kill('SIGSTOP');
    await expect.poll(() => fake.utilityProcess.forks.length, { timeout: 10_000 }).toBe(2);
    expect(logger.lines.some((l) => l.level === 'error' && /did not answer a heartbeat/.test(l.message))).toBe(true);
    takePorts();
    expect((await renderer.call('app.info', {})).host).toBe('electron');
  });

  it('gives up after repeated crashes and asks; "Restart the core" starts it again', async () => {
    const { takePorts, renderer, host } = await start({ maxRestarts: 2 });
    const asked: unknown[][] = [];
    let answer: (n: number) => void = () => undefined;
    fake.dialogs.responder = (args) => {
      asked.push(args);
      return new Promise((resolve) => (answer = (response) => resolve({ response, checkboxChecked: false })));
    };
    for (let i = 1; i <= 3; i++) {
      await expect.poll(() => fake.utilityProcess.forks.length, { timeout: 10_000 }).toBe(i);
      // Wait until this core answers, so it is up before it is killed.
      takePorts();
      await renderer.call('app.info', {});
      fake.utilityProcess.forks[i - 1]!.child.kill('SIGKILL');
    }
    await expect.poll(() => asked.length, { timeout: 10_000 }).toBe(1);
    expect((asked[0]!.at(-1) as MessageBoxOptions).message).toBe('The aios core keeps failing.');
    expect(fake.utilityProcess.forks).toHaveLength(3);
    expect(host.coreProcess?.gaveUp).toBe(true);
    expect(host.window()).toBe(FakeBrowserWindow.instances[0]);
    answer(0);
    await expect.poll(() => fake.utilityProcess.forks.length, { timeout: 10_000 }).toBe(4);
    takePorts();
    expect((await renderer.call('app.info', {})).host).toBe('electron');
    expect(host.coreProcess?.gaveUp).toBe(false);
  });
});

describe('quitting with the core in a utility process', () => {
  it('before-quit waits for the core to shut down cleanly, then quits; no restart follows', async () => {
    const { renderer, host } = await start();
    await renderer.call('app.info', {});
    const child = fake.utilityProcess.forks[0]!.child;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const event = {
      prevented: 0,
      preventDefault() {
        this.prevented++;
      },
    };
    fake.appEvents.emit('before-quit', event);
    expect(event.prevented).toBe(1);
    expect(await exited).toBe(0);
    await expect.poll(() => fake.calls.quit).toBe(1);
    // The second before-quit (from app.quit) goes through.
    const again = {
      prevented: 0,
      preventDefault() {
        this.prevented++;
      },
    };
    fake.appEvents.emit('before-quit', again);
    expect(again.prevented).toBe(0);
    expect(fake.utilityProcess.forks).toHaveLength(1);
    expect(host.coreProcess?.running).toBe(false);
  });
});
