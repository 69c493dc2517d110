import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { approvedLaunch } from '../jail/approved';
import { SecretSet } from '../environment/redact';
import { capHeadTail } from './cap';
import type { Confinement, Sandbox } from './sandbox';

export interface RunOptions {
  command: string;
  cwd: string;
  /** Kills the whole process group after this long. 0 or undefined: no limit. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Streams stdout and stderr as they arrive (decoded as UTF-8). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  env?: NodeJS.ProcessEnv;
  /** Run under the sandbox with these mounts (auto-allowed commands). */
  confinement?: Confinement;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  startedAt: Date;
  endedAt: Date;
  /** What goes back to the model: head and tail with a marker in between. */
  output: string;
  /** What the UI may show: bounded, but much larger than `output`. */
  fullOutput: string;
  outputTruncated: boolean;
  timedOut: boolean;
  cancelled: boolean;
  /** Set when the command could not be started at all (bad cwd, …). */
  spawnError?: string;
  /** True when it ran under the sandbox. */
  confined: boolean;
}

export interface ExecutorOptions {
  /** Characters of output the model sees. */
  modelOutputMax?: number;
  /** Characters of output kept for the UI. */
  fullOutputMax?: number;
  /** Between SIGTERM and SIGKILL of the group. */
  killGraceMs?: number;
  shell?: string;
  /** After the shell exits, how long to wait for its pipes to close. */
  drainMs?: number;
  /** The environment commands get when a run names none: the scrubbed command environment. */
  env?: NodeJS.ProcessEnv;
  /** Known secret values, cut out of every output before anyone sees it. */
  secrets?: SecretSet;
  /** Confines runs that ask for it. */
  sandbox?: Sandbox;
}

export const DEFAULT_MODEL_OUTPUT_MAX = 8_000;
export const DEFAULT_FULL_OUTPUT_MAX = 1_000_000;

/**
 * Runs one command line through the shell with pipes (not a pty: a pty loses
 * the tail of output of a child that exits at once), in its own process group
 * so a timeout or a cancel reaches every grandchild, not just the shell.
 */
export class Executor {
  private readonly modelMax: number;
  private readonly fullMax: number;
  private readonly graceMs: number;
  private readonly shell: string;
  private readonly drainMs: number;
  readonly secrets: SecretSet;

  constructor(options: ExecutorOptions = {}) {
    this.modelMax = options.modelOutputMax ?? DEFAULT_MODEL_OUTPUT_MAX;
    this.fullMax = options.fullOutputMax ?? DEFAULT_FULL_OUTPUT_MAX;
    this.graceMs = options.killGraceMs ?? 2000;
    this.shell = options.shell ?? '/bin/sh';
    this.drainMs = options.drainMs ?? 300;
    this.secrets = options.secrets ?? new SecretSet();
    this.env = options.env;
    this.sandbox = options.sandbox;
  }

  private readonly env: NodeJS.ProcessEnv | undefined;
  readonly sandbox: Sandbox | undefined;

  run(opts: RunOptions): Promise<RunResult> {
    const startedAt = new Date();
    const t0 = performance.now();
    return new Promise<RunResult>((resolve) => {
      // Keep head and tail of the full output; the middle is what is dropped when it grows too large.
      const head: string[] = [];
      let headLen = 0;
      let tail = '';
      let total = 0;
      const headMax = Math.floor(this.fullMax / 2);
      const keep = (chunk: string) => {
        total += chunk.length;
        if (headLen < headMax) {
          const part = chunk.slice(0, headMax - headLen);
          head.push(part);
          headLen += part.length;
          chunk = chunk.slice(part.length);
        }
        if (chunk.length > 0) {
          tail += chunk;
          if (tail.length > this.fullMax - headMax) tail = tail.slice(tail.length - (this.fullMax - headMax));
        }
      };

      // A secret may straddle two chunks: each stream holds back what could be the start of one.
      const redactors = { stdout: this.secrets.stream(), stderr: this.secrets.stream() };
      const emit = (raw: string, stream: 'stdout' | 'stderr') => {
        const c = redactors[stream].push(raw);
        if (c.length === 0) return;
        keep(c);
        opts.onOutput?.(c, stream);
      };
      const release = () => {
        for (const stream of ['stdout', 'stderr'] as const) {
          const c = redactors[stream].end();
          if (c.length === 0) continue;
          keep(c);
          opts.onOutput?.(c, stream);
        }
      };
      let confined = false;

      let timedOut = false;
      let cancelled = false;
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      let timeoutTimer: NodeJS.Timeout | undefined;
      // The jail's cgroup, removed once the command is done.
      let releaseJail: (() => void) | undefined;

      const finish = (exitCode: number | null, sig: string | null, spawnError?: string) => {
        if (settled) return;
        settled = true;
        release();
        releaseJail?.();
        if (timeoutTimer) clearTimeout(timeoutTimer);
        opts.signal?.removeEventListener('abort', onAbort);
        const endedAt = new Date();
        const headText = head.join('');
        const omitted = total - headText.length - tail.length;
        const fullOutput = omitted > 0 ? `${headText}\n… [${omitted} characters not kept] …\n${tail}` : headText + tail;
        const capped = capHeadTail(fullOutput, this.modelMax);
        resolve({
          exitCode,
          signal: sig,
          durationMs: performance.now() - t0,
          startedAt,
          endedAt,
          output: capped.text,
          fullOutput,
          outputTruncated: capped.truncated || omitted > 0,
          timedOut,
          cancelled,
          confined,
          ...(spawnError !== undefined ? { spawnError } : {}),
        });
      };

      if (opts.signal?.aborted) {
        cancelled = true;
        finish(null, null, 'cancelled before it started');
        return;
      }

      let launch: { file: string; args: string[]; env: NodeJS.ProcessEnv; seccomp?: Buffer; around?: <T>(start: () => T) => T };
      const env = opts.env ?? this.env ?? process.env;
      try {
        if (opts.confinement) {
          const wrapped = this.sandbox?.wrap(this.shell, opts.command, opts.confinement, opts.cwd);
          if (!wrapped) {
            finish(null, null, 'the sandbox for auto-allowed commands is unavailable');
            return;
          }
          launch = { ...wrapped, env };
          releaseJail = wrapped.release;
          confined = true;
        } else {
          launch = approvedLaunch(this.shell, opts.command, env);
        }
      } catch (err) {
        finish(null, null, (err as Error).message);
        return;
      }
      let child: ChildProcessByStdio<null | Writable, Readable, Readable>;
      try {
        // stdin: a pipe only aios holds, never written: when aios ends, the command's namespace ends with it.
        // fd 3 (the jail): the seccomp program, read by bubblewrap.
        const { file, args, env: childEnv, seccomp } = launch;
        child = spawn(file, args, {
          cwd: opts.cwd,
          env: childEnv,
          stdio: seccomp ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
          detached: true,
        }) as ChildProcessByStdio<null | Writable, Readable, Readable>;
      } catch (err) {
        finish(null, null, (err as Error).message);
        return;
      }
      const lifeline = child.stdin;
      lifeline?.on('error', () => undefined);
      if (launch.seccomp) {
        const fd3 = child.stdio[3] as Writable | null;
        fd3?.on('error', () => undefined);
        fd3?.end(launch.seccomp);
      }
      const pid = child.pid;

      const killGroup = (sig: NodeJS.Signals) => {
        if (pid === undefined) return;
        try {
          process.kill(-pid, sig);
        } catch {
          // The group is already gone.
        }
      };
      const stop = () => {
        lifeline?.destroy();
        killGroup('SIGTERM');
        // Grandchildren may ignore SIGTERM or outlive the shell: SIGKILL the group after the grace period regardless.
        killTimer ??= setTimeout(() => killGroup('SIGKILL'), this.graceMs);
        killTimer.unref();
      };
      function onAbort() {
        cancelled = true;
        stop();
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs && opts.timeoutMs > 0) {
        timeoutTimer = setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs);
      }

      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (c: string) => emit(c, 'stdout'));
      child.stderr.on('data', (c: string) => emit(c, 'stderr'));
      child.on('error', (err) => finish(null, null, err.message));
      // 'close' waits for the pipes, which a backgrounded daemon (`server &`) may hold open for ever.
      // Once the shell has exited, give the output a moment to drain, then stop listening; the daemon
      // keeps running unless this was a timeout or cancel, which sweep the group.
      child.on('exit', (code, sig) => {
        lifeline?.destroy();
        if (timedOut || cancelled) killGroup('SIGKILL');
        const drain = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish(code, sig);
        }, this.drainMs);
        drain.unref();
        child.once('close', () => clearTimeout(drain));
      });
      child.on('close', (code, sig) => {
        if (killTimer && !timedOut && !cancelled) clearTimeout(killTimer);
        finish(code, sig);
      });
    });
  }
}
