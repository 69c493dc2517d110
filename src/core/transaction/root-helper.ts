import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { z } from 'zod';
import { TransactionsConfigSchema } from '../config/schema';
import { listRecords, runUndo } from './actions';
import { TransactionUnavailable } from './engine';
import { ROOT_STATE_DIR, Transactions } from './hook';
import { UndoStore } from './store';

/**
 * The root side of transactions for an aios that is not root but may use
 * passwordless sudo (the aios machine's kiosk user): aios starts this with
 * `sudo -n` (sudo-client.ts) and hands it one structured request as the
 * first line on stdin, never a shell string to interpret. It runs the command
 * on the overlay as the user who called sudo (a `sudo` in the command itself
 * becomes root inside the jail, as it would outside), reads and judges the
 * effects, asks the caller when a rule finds something, commits or discards,
 * and keeps the undo records in a root-owned state folder; or undoes one, or
 * lists them. Messages go back as JSON lines on stdout.
 */

const abs = z.string().startsWith('/').max(4096);
const ulidId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/);

export const HelperRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('run'),
    cfg: TransactionsConfigSchema,
    command: z.string().min(1).max(1_000_000),
    cwd: abs,
    env: z.record(z.string(), z.string()),
    timeoutMs: z.number().int().positive(),
    approved: z.boolean(),
    stayIn: abs.optional(),
    shell: abs.optional(),
    protect: z.strictObject({
      home: abs.optional(),
      configDir: abs.optional(),
      memoryDir: abs.optional(),
      extra: z.array(abs).optional(),
      ownFiles: z.array(abs).optional(),
      ownTrees: z.array(abs).optional(),
    }),
    secretFiles: z
      .strictObject({
        home: abs.optional(),
        ownSecrets: z.array(z.union([abs, z.strictObject({ path: abs, kind: z.enum(['tree', 'file']) })])).optional(),
      })
      .optional(),
  }),
  z.strictObject({ op: z.literal('undo'), stateDir: abs.optional(), recordId: ulidId.optional(), redo: z.boolean().optional() }),
  z.strictObject({ op: z.literal('list'), stateDir: abs.optional() }),
]);
export type HelperRequest = z.infer<typeof HelperRequestSchema>;

/** What the caller sends after the request: the answer to a question, or a cancel. */
export const HelperReplySchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('answer'), yes: z.boolean() }),
  z.strictObject({ t: z.literal('cancel') }),
]);

/** Refused before anything runs: the caller asks the person, as for any "not a transaction". */
export class HelperRefused extends Error {}

/**
 * The state folder holds copies of what commands changed (an old /etc/shadow
 * among them) and is applied back as root on undo: it, and every folder above
 * it, must be root's and writable by nobody else (a sticky folder like /tmp
 * aside), or a caller could plant a record for root to apply.
 */
export function checkStateDir(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = fs.lstatSync(d, { throwIfNoEntry: false });
    if (st) {
      if (st.isSymbolicLink()) throw new HelperRefused(`the transactions' state folder must not pass a symlink: ${d}`);
      const sticky = (st.mode & 0o1000) !== 0 && d !== path.resolve(dir);
      if (st.uid !== 0 || ((st.mode & 0o022) !== 0 && !sticky))
        throw new HelperRefused(`the transactions' state folder must be root's and writable by root only: ${d} is not`);
    }
    if (d === '/') return;
  }
}

const parseLine = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
};

let callerKnown: { uid: number; gid: number; groups: number[] } | undefined;
/** Whom sudo was called by: the command runs as them. Refused when not started through sudo. Read once per helper. */
function caller(env: NodeJS.ProcessEnv): { uid: number; gid: number; groups: number[] } {
  if (env === process.env && callerKnown) return callerKnown;
  const found = readCaller(env);
  if (env === process.env) callerKnown = found;
  return found;
}

function readCaller(env: NodeJS.ProcessEnv): { uid: number; gid: number; groups: number[] } {
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID);
  const name = env.SUDO_USER;
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || !name || env.SUDO_UID === '' || env.SUDO_GID === '')
    throw new HelperRefused('the transaction helper runs only through sudo (SUDO_UID, SUDO_GID and SUDO_USER are not set)');
  const ids = spawnSync('id', ['-G', '--', name], { encoding: 'utf8', timeout: 5000 });
  const groups = ids.status === 0 ? ids.stdout.trim().split(/\s+/).map(Number).filter(Number.isInteger) : [gid];
  return { uid, gid, groups };
}

/**
 * The caller's lines, one reader for all: while a run waits on the person or
 * may be cancelled, they are its replies; between runs, the next request. The
 * caller sends a request only after the answer to the one before.
 */
class Lines {
  private readonly pending: string[] = [];
  private wake: (() => void) | null = null;
  private closed = false;
  /** Set while a run is in progress: it gets every line, and the end of input (null). */
  onReply: ((line: string | null) => void) | null = null;

  constructor(input: NodeJS.ReadableStream) {
    const rl = readline.createInterface({ input, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (this.onReply) this.onReply(line);
      else {
        this.pending.push(line);
        this.wake?.();
      }
    });
    rl.on('close', () => {
      this.closed = true;
      this.onReply?.(null);
      this.wake?.();
    });
  }

  /** The next request line, or null once the caller has closed its end (aios is gone or done). */
  async next(): Promise<string | null> {
    while (this.pending.length === 0 && !this.closed) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    return this.pending.shift() ?? null;
  }
}

/**
 * Serves requests, one after another, until the caller closes stdin: aios
 * keeps one helper for its commands (its start, sudo and Node, costs more
 * than a small command), and it ends when aios does. Every request is checked
 * as the first one is.
 */
export async function serveRootHelper(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const send = (m: object) => output.write(`${JSON.stringify(m)}\n`);
  const lines = new Lines(input);
  let status = 0;
  let served = 0;
  for (;;) {
    const line = await lines.next();
    // A reply that came after its run had ended (an answer or a cancel too late): not a request.
    if (line !== null && HelperReplySchema.safeParse(parseLine(line)).success) continue;
    // Nothing at all asked: say so (as before); the end after answered requests is the normal end.
    if (line === null && served > 0) return status;
    served++;
    status = await serveOne(line, lines, send, env);
    if (line === null) return status;
  }
}

const kept = new Map<string, Transactions>();
/**
 * The same aios sends the same settings with each command: one Transactions
 * for them, so what is done once per aios (the sweep of a killed run's
 * leftovers, recovering a commit a crash cut off) is done once per helper.
 */
function transactionsFor(req: Extract<HelperRequest, { op: 'run' }>, runAs: ReturnType<typeof caller>): Transactions {
  const key = JSON.stringify([req.cfg, req.env, req.protect, req.shell, req.secretFiles, runAs]);
  let tx = kept.get(key);
  if (!tx) {
    tx = new Transactions(
      { ...req.cfg, enabled: true, state_dir: req.cfg.state_dir ?? ROOT_STATE_DIR },
      {
        env: req.env,
        protect: req.protect,
        runAs,
        ...(req.shell ? { shell: req.shell } : {}),
        ...(req.secretFiles ? { secretFiles: req.secretFiles } : {}),
      },
    );
    // Bounded: another set of settings (a changed config) starts afresh.
    if (kept.size >= 4) kept.clear();
    kept.set(key, tx);
  }
  return tx;
}

async function serveOne(first: string | null, lines: Lines, send: (m: object) => void, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    if (process.getuid?.() !== 0) throw new HelperRefused('the transaction helper must run as root (through sudo -n)');
    const parsed = HelperRequestSchema.safeParse(first === null ? null : parseLine(first));
    if (!parsed.success) throw new HelperRefused(`not a transaction request: ${z.prettifyError(parsed.error)}`);
    const req = parsed.data;
    if (req.op !== 'run') {
      const dir = req.stateDir ?? ROOT_STATE_DIR;
      checkStateDir(dir);
      const store = new UndoStore(dir);
      const recovered = store.recoverInterrupted().map((r) => ({ id: r.id, command: r.command }));
      if (req.op === 'list') send({ t: 'list', rows: listRecords(store), recovered });
      else
        send({
          t: 'undone',
          outcome: runUndo(store, { ...(req.recordId ? { recordId: req.recordId } : {}), ...(req.redo ? { redo: true } : {}) }),
          recovered,
        });
      return 0;
    }
    checkStateDir(req.cfg.state_dir ?? ROOT_STATE_DIR);
    const runAs = caller(env);
    send({ t: 'ready', pid: process.pid });
    const abort = new AbortController();
    const question: { answer?: (yes: boolean) => void } = {};
    // The caller's lines meanwhile: an answer to the question, or a cancel; its end (aios gone) cancels and says no.
    lines.onReply = (line) => {
      if (line === null) {
        abort.abort();
        question.answer?.(false);
        return;
      }
      const r = HelperReplySchema.safeParse(parseLine(line));
      if (!r.success) return;
      if (r.data.t === 'cancel') abort.abort();
      else question.answer?.(r.data.yes);
    };
    try {
      const tx = transactionsFor(req, runAs);
      const run = await tx.run({
        command: req.command,
        cwd: req.cwd,
        signal: abort.signal,
        timeoutMs: req.timeoutMs,
        approved: req.approved,
        ...(req.stayIn ? { stayIn: req.stayIn } : {}),
        onOutput: (data, stream) => send({ t: 'out', stream, data }),
        ask: (findings, preview) =>
          new Promise<boolean>((resolve) => {
            if (abort.signal.aborted) return resolve(false);
            question.answer = resolve;
            send({ t: 'ask', findings, preview });
          }),
      });
      send({ t: 'done', run });
      return 0;
    } finally {
      lines.onReply = null;
    }
  } catch (err) {
    if (err instanceof HelperRefused || err instanceof TransactionUnavailable) send({ t: 'unavailable', message: err.message });
    else send({ t: 'error', message: (err as Error).message });
    return 1;
  }
}
