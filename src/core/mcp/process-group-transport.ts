import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface ProcessGroupTransportOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** How long each stop step waits (stdin closed, then SIGTERM) before the next; SIGKILL ends it. */
  graceMs?: number;
}

const DEFAULT_GRACE_MS = 2000;
const POLL_MS = 25;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True while any process of the group exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * MCP over a stdio server that runs in a process group of its own, so that
 * stopping it ends everything it started.
 *
 * Why not the SDK's StdioClientTransport: it spawns the server in aios's own
 * process group and on close signals only that one pid. A server that ignores
 * SIGTERM and has forked a helper leaves the helper running under PID 1, and
 * the helper keeps the stdio pipes open, so the child's 'close' never comes
 * and a one-shot command such as `aios doctor` waits for ever.
 *
 * Stopping: stdin is closed (a well-behaved server exits), then after
 * `graceMs` the whole group gets SIGTERM, and after another `graceMs` SIGKILL;
 * then the pipes are destroyed so nothing keeps this process alive.
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  /** The server's stderr; available before start() so no early line is lost. */
  readonly stderr = new PassThrough();

  private child: ChildProcess | undefined;
  private readonly readBuffer = new ReadBuffer();
  private exited: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: ProcessGroupTransportOptions) {}

  /** The server's pid, which is also its process group id. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('ProcessGroupStdioTransport already started');
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.command, this.options.args, {
        env: this.options.env,
        cwd: this.options.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        // A new session and process group led by the server: its pid is the group id.
        detached: true,
      });
      this.child = child;
      this.exited = new Promise((done) => child.once('exit', () => done()));
      child.once('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
      child.once('spawn', () => resolve());
      // 'exit', not 'close': a helper left holding the pipes must not keep the server "running".
      child.once('exit', () => void this.stop().then(() => this.finish()));
      child.stdin?.on('error', (err) => this.onerror?.(err));
      child.stdout?.on('error', (err) => this.onerror?.(err));
      child.stdout?.on('data', (chunk: Buffer) => {
        this.readBuffer.append(chunk);
        for (;;) {
          let message: JSONRPCMessage | null;
          try {
            message = this.readBuffer.readMessage();
          } catch (err) {
            this.onerror?.(err as Error);
            continue;
          }
          if (message === null) break;
          this.onmessage?.(message);
        }
      });
      child.stderr?.pipe(this.stderr);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || stdin.destroyed || this.stopping) {
        reject(new Error('Not connected'));
        return;
      }
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    await this.stop();
    this.finish();
  }

  /** Ends the server's whole process group, within about 2 × graceMs. Runs once. */
  private stop(): Promise<void> {
    this.stopping ??= (async () => {
      const child = this.child;
      const pgid = child?.pid;
      if (!child || pgid === undefined) return;
      const grace = this.options.graceMs ?? DEFAULT_GRACE_MS;
      const leaderGone = (): boolean => child.exitCode !== null || child.signalCode !== null;
      try {
        child.stdin?.end();
      } catch {
        // already closed
      }
      if (!leaderGone()) await Promise.race([this.exited, sleep(grace)]);
      // Whatever is left of the group (the server, or helpers it started) is asked, then made, to stop.
      if (groupAlive(pgid)) {
        signalGroup(pgid, 'SIGTERM');
        const deadline = Date.now() + grace;
        while (groupAlive(pgid) && Date.now() < deadline) await sleep(POLL_MS);
      }
      if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
      if (!leaderGone()) await Promise.race([this.exited, sleep(grace)]);
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
    })();
    return this.stopping;
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.readBuffer.clear();
    this.stderr.end();
    this.onclose?.();
  }
}
