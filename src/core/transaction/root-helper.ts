import { spawnSync } from 'node:child_process';
import readline from 'node:readline';
import { z } from 'zod';
import { TransactionsConfigSchema } from '../config/schema';
import { listRecords, runUndo } from './actions';
import { TransactionUnavailable } from './engine';
import { spentRunsRemoved } from '../jail/preview';
import { HeldPreviews } from './held-previews';
import { ROOT_STATE_DIR, Transactions } from './hook';
import { checkStateDir, HelperRefused } from './root-helper-checks';
import { UndoStore } from './store';

export { checkStateDir, HelperRefused } from './root-helper-checks';

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
/** A kept preview's name in the helper's memory (held-previews.ts): random, nothing else. */
const heldId = z.string().regex(/^[0-9a-f]{32}$/);
const SecretFilesSchema = z.strictObject({
  home: abs.optional(),
  ownSecrets: z.array(z.union([abs, z.strictObject({ path: abs, kind: z.enum(['tree', 'file']) })])).optional(),
});

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
    secretFiles: SecretFilesSchema.optional(),
    /** The approved preview this helper kept (its id): committed when it is the run this one would make. */
    previewId: heldId.optional(),
  }),
  /** A preview a transaction may commit after the yes: run and kept here, in root's folder. */
  z.strictObject({
    op: z.literal('preview'),
    /** The transactions' state folder (hidden from the preview, with the default one). */
    stateDir: abs.optional(),
    command: z.string().min(1).max(1_000_000),
    cwd: abs,
    env: z.record(z.string(), z.string()),
    shell: abs.optional(),
    paths: z.array(abs).max(256),
    timeoutMs: z.number().int().positive().max(3_600_000),
    hide: z.array(abs).max(256).optional(),
    secretFiles: SecretFilesSchema.optional(),
    maxDiffBytes: z
      .number()
      .int()
      .nonnegative()
      .max(16 * 1024 * 1024),
    maxChanges: z.number().int().nonnegative().max(100_000),
  }),
  /** The question was settled without the kept preview: removed. */
  z.strictObject({ op: z.literal('drop'), id: heldId }),
  z.strictObject({ op: z.literal('undo'), stateDir: abs.optional(), recordId: ulidId.optional(), redo: z.boolean().optional() }),
  z.strictObject({ op: z.literal('list'), stateDir: abs.optional() }),
]);
export type HelperRequest = z.infer<typeof HelperRequestSchema>;

/** What the caller sends after the request: the answer to a question, or a cancel. */
export const HelperReplySchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('answer'), yes: z.boolean() }),
  z.strictObject({ t: z.literal('cancel') }),
]);

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
    if (line === null && served > 0) return ended(status);
    served++;
    status = await serveOne(line, lines, send, env);
    if (line === null) return ended(status);
  }
}

/** aios closed its end (done, or killed): what this helper kept for it goes, and nothing kept is ever taken again. */
async function ended(status: number): Promise<number> {
  heldPreviews.dropAll();
  await spentRunsRemoved();
  return status;
}

const heldPreviews = new HeldPreviews();

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
    if (req.op === 'undo' || req.op === 'list') {
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
    if (req.op === 'drop') {
      // Its removal goes on after the answer, off the event loop.
      void heldPreviews.drop(req.id);
      send({ t: 'dropped' });
      return 0;
    }
    checkStateDir((req.op === 'run' ? req.cfg.state_dir : req.stateDir) ?? ROOT_STATE_DIR);
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
      if (req.op === 'preview') {
        const hide = [ROOT_STATE_DIR, ...(req.stateDir ? [req.stateDir] : [])];
        const { preview, id } = await heldPreviews.preview(req, runAs, { signal: abort.signal, hide });
        // Cancelled meanwhile (aios gone, or the question answered first): nothing is kept for it.
        if (id && abort.signal.aborted) void heldPreviews.drop(id);
        send({ t: 'previewed', preview, id: abort.signal.aborted ? null : id });
        return 0;
      }
      const kept = req.previewId ? heldPreviews.take(req.previewId) : undefined;
      const tx = transactionsFor(req, runAs);
      const run = await tx.run({
        command: req.command,
        cwd: req.cwd,
        signal: abort.signal,
        timeoutMs: req.timeoutMs,
        approved: req.approved,
        ...(req.stayIn ? { stayIn: req.stayIn } : {}),
        ...(kept ? { preview: kept } : {}),
        onOutput: (data, stream) => send({ t: 'out', stream, data }),
        ask: (findings, preview) =>
          new Promise<boolean>((resolve) => {
            if (abort.signal.aborted) return resolve(false);
            question.answer = resolve;
            send({ t: 'ask', findings, preview });
          }),
      });
      const gone =
        req.previewId && !kept ? { previewNotReused: 'the kept preview is gone (this root helper did not keep it, or it expired)' } : {};
      send({ t: 'done', run: { ...run, ...gone } });
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
