import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { appRoot } from '../app-root';
import type { Preview } from '../../shared/preview';
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
  | { t: 'ready' }
  | { t: 'out'; stream: 'stdout' | 'stderr'; data: string }
  | { t: 'ask'; findings: EffectFinding[]; preview: Preview }
  | { t: 'done'; run: TransactionRun }
  | { t: 'unavailable' | 'error'; message: string };

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
  if (!helper) return Promise.reject(new TransactionUnavailable('aios is not root, and this host cannot start its root helper'));
  const live = liveOutput(o.secrets, o.onOutput);
  return new Promise((resolve, reject) => {
    const child = spawn('sudo', sudoArgv(helper), { stdio: ['pipe', 'pipe', 'pipe'] });
    let ready = false;
    let settled = false;
    let stderr = '';
    const write = (m: object) => {
      if (child.stdin.writable) child.stdin.write(`${JSON.stringify(m)}\n`);
    };
    const cancel = () => write({ t: 'cancel' });
    o.signal.addEventListener('abort', cancel, { once: true });
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener('abort', cancel);
      child.stdin.end();
      fn();
    };
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-8000)));
    child.on('error', (e) => finish(() => reject(new TransactionUnavailable(`sudo could not be started: ${e.message}`))));
    readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      let m: Message;
      try {
        m = JSON.parse(line) as Message;
      } catch {
        return;
      }
      if (m.t === 'ready') ready = true;
      else if (m.t === 'out') live.push(m.data, m.stream);
      else if (m.t === 'ask') void o.ask(m.findings, m.preview).then((yes) => write({ t: 'answer', yes }));
      else if (m.t === 'unavailable') finish(() => reject(new TransactionUnavailable(m.message)));
      else if (m.t === 'error') finish(() => reject(new Error(m.message)));
      else if (m.t === 'done') finish(() => resolve(withOutput(m.run, live.end())));
    });
    child.on('close', (code) => {
      finish(() =>
        reject(
          ready
            ? new Error(`the transaction helper ended (exit ${code}) without an answer: ${stderr.trim().slice(-500)}`)
            : refused(stderr),
        ),
      );
    });
    write(request);
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
