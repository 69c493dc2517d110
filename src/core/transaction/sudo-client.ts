import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { appRoot } from '../app-root';
import type { Preview } from '../../shared/preview';
import type { HeldPreview } from '../preview';
import type { SecretSet } from '../environment/redact';
import type { listRecords, UndoOutcome } from './actions';
import { TransactionUnavailable } from './engine';
import type { TransactionRun } from './hook';
import { liveOutput } from './live-output';
import type { HelperRequest } from './root-helper';
import type { EffectFinding } from './rules';

/**
 * aios's side of the root helper (root-helper.ts) when aios is not root: the
 * helper is started with `sudo -n` (never a password prompt: a refusal is
 * "not a transaction", and the caller asks the person), handed one request,
 * and answered when the effect rules ask. The output it streams is redacted
 * here, where the secrets are, before anything else sees it.
 */

/** How this aios starts itself as the helper: its own program and entry, with the hidden subcommand. */
export function defaultHelperArgv(
  p: Pick<NodeJS.Process, 'argv' | 'execArgv' | 'execPath' | 'versions'> = process,
  root: () => string = appRoot,
): string[] | null {
  if (p.versions.electron) {
    // The app's core process runs in Electron, which is no Node for a script (runAsNode is off in a package):
    // the installed app's own Node and command (the aios machine has both in /opt/aios), else no helper.
    let dir: string;
    try {
      dir = root();
    } catch {
      return null;
    }
    const node = path.join(dir, 'node_modules', 'node', 'bin', 'node');
    const entry = path.join(dir, 'bin', 'aios.mjs');
    return fs.existsSync(node) && fs.existsSync(entry) ? [node, entry, 'transaction-helper'] : null;
  }
  const entry = p.argv[1];
  if (!entry) return null;
  return [p.execPath, ...p.execArgv, entry, 'transaction-helper'];
}

const sudoArgv = (helper: readonly string[]) => ['-n', '--', ...helper];

/**
 * Whether passwordless sudo lets this user start the root helper: `sudo -n -l COMMAND` asks the policy about that
 * exact command and runs nothing (exit 0 when it is allowed without a password).
 */
export function helperAllowed(helper: readonly string[] | null): boolean {
  if (!helper) return false;
  const r = spawnSync('sudo', ['-n', '-l', '--', ...helper], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

const refused = (stderr: string) =>
  new TransactionUnavailable(
    `aios is not root, and its root helper could not be started with sudo -n (${stderr.trim().split('\n').slice(-2).join('; ') || 'no reason given'}); transactions need root or passwordless sudo`,
  );

type Message =
  | { t: 'ready'; pid?: number }
  | { t: 'out'; stream: 'stdout' | 'stderr'; data: string }
  | { t: 'ask'; findings: EffectFinding[]; preview: Preview }
  | { t: 'done'; run: TransactionRun }
  | { t: 'previewed'; preview: Preview; id: string | null }
  | { t: 'dropped' }
  | { t: 'unavailable' | 'error'; message: string };

/**
 * One root helper kept for this aios's commands: its start (sudo, Node, the
 * app) costs more than a small command, so it is started for the first one
 * and serves the next ones too, one at a time. It holds nothing between
 * commands (each request is checked as the first), and it ends when aios
 * closes its stdin, on exit or when aios is killed. Idle, it does not keep
 * aios running.
 */
interface HelperSession {
  child: ChildProcessWithoutNullStreams;
  /** The helper's own pid (sudo's child), from its first answer. */
  pid?: number;
  closed: boolean;
  stderr: string;
  /** The run being served. */
  onMessage: ((m: Message) => void) | null;
  onEnd: ((why: { code: number | null } | { error: string }) => void) | null;
}

const sessions = new Map<string, HelperSession>();
let queue: Promise<unknown> = Promise.resolve();
/** The root helpers serving this aios now (their own pids, as they said), for tests and benches. */
export function rootHelperPids(): number[] {
  return [...sessions.values()].flatMap((s) => (s.pid !== undefined && !s.closed ? [s.pid] : []));
}

type Holdable = { ref?: () => void; unref?: () => void };
function hold(s: HelperSession, held: boolean): void {
  for (const h of [s.child, s.child.stdin, s.child.stdout, s.child.stderr] as Holdable[]) (held ? h.ref : h.unref)?.call(h);
}

function helperSession(helper: readonly string[]): HelperSession {
  const key = JSON.stringify(helper);
  const have = sessions.get(key);
  if (have && !have.closed) return have;
  const child = spawn('sudo', sudoArgv(helper), { stdio: ['pipe', 'pipe', 'pipe'] });
  const s: HelperSession = { child, closed: false, stderr: '', onMessage: null, onEnd: null };
  const end = (why: { code: number | null } | { error: string }) => {
    s.closed = true;
    if (sessions.get(key) === s) sessions.delete(key);
    s.onEnd?.(why);
  };
  child.stdin.on('error', () => undefined);
  child.stderr.on('data', (b: Buffer) => (s.stderr = (s.stderr + b.toString()).slice(-8000)));
  child.on('error', (e) => end({ error: e.message }));
  child.on('close', (code) => end({ code }));
  readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
    let m: Message;
    try {
      m = JSON.parse(line) as Message;
    } catch {
      return;
    }
    if (m.t === 'ready' && typeof m.pid === 'number') s.pid = m.pid;
    s.onMessage?.(m);
  });
  sessions.set(key, s);
  return s;
}

export function runThroughSudo(
  helper: readonly string[] | null,
  request: Extract<HelperRequest, { op: 'run' }>,
  o: {
    secrets?: SecretSet | undefined;
    signal: AbortSignal;
    onOutput: (data: string, stream: 'stdout' | 'stderr') => void;
    ask: (findings: EffectFinding[], preview: Preview) => Promise<boolean>;
  },
): Promise<TransactionRun> {
  const live = liveOutput(o.secrets, o.onOutput);
  return queued(helper, request, {
    signal: o.signal,
    onOther: (m, write) => {
      if (m.t === 'out') live.push(m.data, m.stream);
      else if (m.t === 'ask') void o.ask(m.findings, m.preview).then((yes) => write({ t: 'answer', yes }));
    },
    final: (m) => (m.t === 'done' ? withOutput(m.run, live.end()) : undefined),
  });
}

/**
 * A preview that a transaction may commit after the yes, run and kept by the
 * root helper in root's own folder; what comes back is the preview and, when
 * the run went to its end, the kept run's opaque id (its handle here).
 */
export async function previewThroughSudo(
  helper: readonly string[],
  request: Extract<HelperRequest, { op: 'preview' }>,
  signal?: AbortSignal,
): Promise<{ preview: Preview; held: HeldPreview | null }> {
  const r = await queued(helper, request, {
    signal: signal ?? new AbortController().signal,
    final: (m) => (m.t === 'previewed' ? m : undefined),
  });
  const id = r.id;
  return {
    preview: r.preview,
    held: id ? { held: true, id, command: request.command, cwd: request.cwd, discard: () => dropThroughSudo(helper, id) } : null,
  };
}

/** The question was settled without the kept preview: the helper removes it (nothing to wait for but its answer). */
function dropThroughSudo(helper: readonly string[], id: string): Promise<void> {
  const s = sessions.get(JSON.stringify(helper));
  // That helper is gone: it removed what it kept when it ended.
  if (!s || s.closed) return Promise.resolve();
  return queued(
    helper,
    { op: 'drop', id },
    { signal: new AbortController().signal, final: (m) => (m.t === 'dropped' ? null : undefined) },
  ).then(
    () => undefined,
    () => undefined,
  );
}

/** One request to the kept helper, after the ones before it (the helper serves one at a time). */
function queued<T>(
  helper: readonly string[] | null,
  request: HelperRequest,
  o: { signal: AbortSignal; onOther?: (m: Message, write: (m: object) => void) => void; final: (m: Message) => T | undefined },
): Promise<T> {
  if (!helper) return Promise.reject(new TransactionUnavailable('aios is not root, and this host cannot start its root helper'));
  const one = () => serveOne(helperSession(helper), request, o);
  // One command at a time per helper: the next waits for the answer to the one before.
  const answer = queue.then(one, one);
  queue = answer.catch(() => undefined);
  return answer;
}

function serveOne<T>(s: HelperSession, request: HelperRequest, o: Parameters<typeof queued<T>>[2]): Promise<T> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let settled = false;
    s.stderr = '';
    hold(s, true);
    const write = (m: object) => {
      if (!s.closed && s.child.stdin.writable) s.child.stdin.write(`${JSON.stringify(m)}\n`);
    };
    const cancel = () => write({ t: 'cancel' });
    o.signal.addEventListener('abort', cancel, { once: true });
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener('abort', cancel);
      s.onMessage = null;
      s.onEnd = null;
      if (!s.closed) hold(s, false);
      fn();
    };
    s.onMessage = (m) => {
      if (m.t === 'ready') ready = true;
      else if (m.t === 'unavailable') finish(() => reject(new TransactionUnavailable(m.message)));
      else if (m.t === 'error') finish(() => reject(new Error(m.message)));
      else {
        const end = o.final(m);
        if (end !== undefined) finish(() => resolve(end));
        else o.onOther?.(m, write);
      }
    };
    s.onEnd = (why) =>
      finish(() =>
        reject(
          'error' in why
            ? new TransactionUnavailable(`sudo could not be started: ${why.error}`)
            : ready
              ? new Error(`the transaction helper ended (exit ${why.code}) without an answer: ${s.stderr.trim().slice(-500)}`)
              : refused(s.stderr),
        ),
      );
    if (s.closed) return s.onEnd({ code: s.child.exitCode });
    write(request);
    if (o.signal.aborted) cancel();
  });
}

/** The helper's result with the output as redacted here, and its dates made dates again. */
function withOutput(run: TransactionRun, kept: Record<'stdout' | 'stderr', string>): TransactionRun {
  const full = kept.stdout + kept.stderr;
  return {
    ...run,
    result: {
      ...run.result,
      startedAt: new Date(run.result.startedAt),
      endedAt: new Date(run.result.endedAt),
      output: full.length > 8000 ? `${full.slice(0, 4000)}\n…\n${full.slice(-4000)}` : full,
      fullOutput: full,
      outputTruncated: full.length > 8000,
    },
  };
}

/** One request that needs no conversation (an undo, the list), through sudo -n; the helper's answer or why there is none. */
function askOnce<T>(helper: readonly string[] | null, request: HelperRequest): { ok: true; value: T } | { ok: false; why: string } {
  if (!helper) return { ok: false, why: 'aios is not root, and this host cannot start its root helper' };
  const r = spawnSync('sudo', sudoArgv(helper), { input: `${JSON.stringify(request)}\n`, encoding: 'utf8', timeout: 120_000 });
  const lines = (r.stdout ?? '').trim().split('\n');
  for (const line of lines.reverse()) {
    try {
      const m = JSON.parse(line) as { t: string; message?: string };
      if (m.t === 'unavailable' || m.t === 'error') return { ok: false, why: m.message ?? m.t };
      if (m.t !== 'ready') return { ok: true, value: m as T };
    } catch {
      // Not the helper's line.
    }
  }
  return { ok: false, why: refused(r.stderr || r.error?.message || '').message };
}

export type Recovered = Array<{ id: string; command: string }>;

export function undoThroughSudo(
  helper: readonly string[] | null,
  req: { stateDir?: string; recordId?: string; redo?: boolean },
): UndoOutcome & { recovered: Recovered } {
  const r = askOnce<{ outcome: UndoOutcome; recovered: Recovered }>(helper, { op: 'undo', ...req });
  return r.ok
    ? { ...r.value.outcome, recovered: r.value.recovered }
    : { ok: false, message: `not undone: ${r.why}`, record: null, undoFirst: [], recovered: [] };
}

export function listThroughSudo(
  helper: readonly string[] | null,
  stateDir?: string,
): { ok: true; rows: ReturnType<typeof listRecords>; recovered: Recovered } | { ok: false; why: string } {
  const r = askOnce<{ rows: ReturnType<typeof listRecords>; recovered: Recovered }>(helper, {
    op: 'list',
    ...(stateDir ? { stateDir } : {}),
  });
  return r.ok ? { ok: true, rows: r.value.rows, recovered: r.value.recovered } : r;
}
