/**
 * The main process's side of the core in a utility process: starts it with
 * `utilityProcess.fork`, hands each UI load a MessagePort to it, answers the
 * approvals it asks for with the native dialog, checks it with a heartbeat,
 * and starts it again when it dies or hangs (a bounded number of times).
 */
import type {
  MessageChannelMain as MessageChannelMainType,
  MessagePortMain,
  UtilityProcess,
  utilityProcess as UtilityProcessModule,
} from 'electron';
import { CORE_SERVICE_NAME, CoreToMainSchema, type CoreToMain, type MainToCore } from '../../shared/core-process';
import { CORE_PORT_CHANNEL } from '../../shared/ipc';
import type { Approver } from '../../core/gate';
import type { Env } from '../../core/config/paths';
import type { Logger } from '../../core/log';
import { isAppFrameUrl } from './app-protocol';

/** The part of a webContents the core link needs. */
export interface PortReceiver {
  readonly id: number;
  getURL(): string;
  isDestroyed(): boolean;
  postMessage(channel: string, message: unknown, transfer?: MessagePortMain[]): void;
}

export interface CoreProcessOptions {
  utilityProcess: Pick<typeof UtilityProcessModule, 'fork'>;
  MessageChannelMain: typeof MessageChannelMainType;
  /** The built core-host script (out/main/core-host.js). */
  entry: string;
  env: Env;
  logger: Logger;
  /** Asks the person (the NativeApprover): the renderer never answers approvals. */
  approver: Approver;
  /** Called when the restarts are used up; the host asks the person what to do. */
  onGiveUp: (reason: string) => void;
  /** Ping interval; a ping left unanswered for `heartbeatTimeoutMs` ends the core. */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** At most this many restarts within `restartWindowMs`, then give up. */
  maxRestarts?: number;
  restartWindowMs?: number;
}

export class CoreProcess {
  private child: UtilityProcess | undefined;
  private readonly receivers = new Map<number, PortReceiver>();
  private readonly approvals = new Map<string, AbortController>();
  private restartTimes: number[] = [];
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private pingSeq = 0;
  private waitingPong: { seq: number; since: number } | undefined;
  private stopping = false;
  private stoppedRestarting = false;
  private starts = 0;

  constructor(private readonly options: CoreProcessOptions) {}

  /** How many times the core has been started (1 + restarts). */
  get startCount(): number {
    return this.starts;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True after the restarts were used up, until the person chooses to restart. */
  get gaveUp(): boolean {
    return this.stoppedRestarting;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    this.stopping = false;
    this.starts++;
    const child = this.options.utilityProcess.fork(this.options.entry, [], {
      serviceName: CORE_SERVICE_NAME,
      stdio: 'pipe',
      env: this.options.env as Record<string, string>,
    });
    this.child = child;
    const { logger } = this.options;
    child.stdout?.on('data', (chunk: Buffer) => logger.info(`core: ${chunk.toString().trimEnd()}`));
    child.stderr?.on('data', (chunk: Buffer) => logger.warn(`core: ${chunk.toString().trimEnd()}`));
    child.on('message', (message: unknown) => this.onMessage(child, message));
    child.on('exit', (code: number) => this.onExit(child, code));
    this.waitingPong = undefined;
    for (const receiver of this.receivers.values()) this.sendPort(receiver);
  }

  /**
   * Gives `contents` a fresh port to the core (call on every UI load; again
   * after each restart this happens by itself). Only a page showing our own
   * UI gets one.
   */
  attach(contents: PortReceiver): void {
    if (contents.isDestroyed() || !isAppFrameUrl(contents.getURL())) {
      this.options.logger.warn(`core link refused for ${contents.getURL() || 'an empty page'}: not the aios UI`);
      return;
    }
    this.receivers.set(contents.id, contents);
    this.sendPort(contents);
  }

  detach(contents: Pick<PortReceiver, 'id'>): void {
    this.receivers.delete(contents.id);
  }

  /** Starts counting restarts afresh and starts the core (the person chose "Restart" after a give-up). */
  restartAfterGiveUp(): void {
    this.stoppedRestarting = false;
    this.restartTimes = [];
    if (!this.child) this.start();
  }

  /** Asks the core to close its shells and exit; ends it if it does not within `graceMs`. */
  stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    this.stopHeartbeat();
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.post(child, { type: 'shutdown' });
    });
  }

  /** Ends the core at once (quitting without waiting). */
  kill(): void {
    this.stopping = true;
    this.stopHeartbeat();
    this.child?.kill();
  }

  private post(child: UtilityProcess, message: MainToCore, transfer?: MessagePortMain[]): void {
    try {
      child.postMessage(message, transfer);
    } catch (err) {
      this.options.logger.warn(`could not reach the core (${message.type})`, err);
    }
  }

  private sendPort(contents: PortReceiver): void {
    const child = this.child;
    if (!child || contents.isDestroyed()) return;
    const { port1, port2 } = new this.options.MessageChannelMain();
    this.post(child, { type: 'attach', clientId: `electron-${contents.id}` }, [port1]);
    contents.postMessage(CORE_PORT_CHANNEL, null, [port2]);
  }

  private onMessage(child: UtilityProcess, raw: unknown): void {
    if (child !== this.child) return;
    const parsed = CoreToMainSchema.safeParse(raw);
    if (!parsed.success) {
      this.options.logger.warn('ignored a malformed message from the core');
      return;
    }
    const message: CoreToMain = parsed.data;
    switch (message.type) {
      case 'ready':
        this.options.logger.info(`core running in utility process ${message.pid}`);
        // Heartbeats count from here: loading the core is not hanging.
        this.startHeartbeat();
        return;
      case 'pong':
        if (this.waitingPong?.seq === message.seq) this.waitingPong = undefined;
        return;
      case 'approval': {
        const { request } = message;
        const controller = new AbortController();
        this.approvals.set(request.requestId, controller);
        void this.options.approver
          .approve(request, controller.signal)
          .catch(() => 'denied' as const)
          .then((answer) => {
            this.approvals.delete(request.requestId);
            if (child === this.child && !controller.signal.aborted) {
              // An edited command comes from the page (answer `edit`), never from main: `edited` is not sent.
              const edit = answer === 'edit';
              this.post(child, {
                type: 'approval-answer',
                requestId: request.requestId,
                approved: answer === 'approved' || answer === 'always',
                ...(answer === 'always' ? { remember: true } : {}),
                ...(edit ? { edit } : {}),
              });
            }
          });
        return;
      }
      case 'approval-preview':
        this.options.approver.previewReady?.(message.requestId, message.preview);
        return;
      case 'approval-cancel':
        this.approvals.get(message.requestId)?.abort();
        return;
    }
  }

  private onExit(child: UtilityProcess, code: number): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.stopHeartbeat();
    // Questions of a dead core have no one to answer to: close their dialogs.
    for (const controller of this.approvals.values()) controller.abort();
    this.approvals.clear();
    if (this.stopping) return;
    const { logger } = this.options;
    const reason = `exited with code ${code}`;
    const now = Date.now();
    const windowMs = this.options.restartWindowMs ?? 60_000;
    const maxRestarts = this.options.maxRestarts ?? 3;
    this.restartTimes = this.restartTimes.filter((t) => now - t < windowMs);
    if (this.restartTimes.length >= maxRestarts) {
      this.stoppedRestarting = true;
      logger.error(`core ${reason}; giving up after ${maxRestarts} restarts within ${Math.round(windowMs / 1000)} s`);
      this.options.onGiveUp(reason);
      return;
    }
    this.restartTimes.push(now);
    logger.warn(`core ${reason}; starting it again (restart ${this.restartTimes.length} of ${maxRestarts}); the window stays`);
    this.start();
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const every = this.options.heartbeatMs ?? 5000;
    const timeout = this.options.heartbeatTimeoutMs ?? 20_000;
    this.heartbeat = setInterval(() => {
      const child = this.child;
      if (!child) return;
      if (this.waitingPong) {
        if (Date.now() - this.waitingPong.since >= timeout) {
          this.options.logger.error(`core did not answer a heartbeat within ${timeout} ms; ending it`);
          this.waitingPong = undefined;
          child.kill();
        }
        return;
      }
      this.waitingPong = { seq: ++this.pingSeq, since: Date.now() };
      this.post(child, { type: 'ping', seq: this.pingSeq });
    }, every);
    this.heartbeat.unref?.();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
