import path from 'node:path';
import type { z } from 'zod';
import type { Preview } from '../../shared/preview';
import type { Decision, PolicyResult } from '../../shared/policy';
import type { TransactionsConfigSchema } from '../config/schema';
import type { SecretSet } from '../environment/redact';
import type { SecretFileContext } from '../environment/secret-files';
import type { RunResult } from '../executor/executor';
import type { CommandEffects } from '../memory/history';
import { cannotUndo } from '../policy/programs/outside-world';
import type { ProtectedPathContext } from '../policy/programs/protected-paths';
import { sweepStale } from '../jail/preview';
import { summaryLines } from '../preview/summary';
import { readUpperLayers } from '../preview/upper-diff';
import {
  beginTransaction,
  commitTransaction,
  discardTransaction,
  effectCounts,
  judgePending,
  TransactionConflict,
  type Committed,
  type PendingTransaction,
} from './engine';
import { liveOutput } from './live-output';
import type { EffectFinding } from './rules';
import { actOnUnits, unitChanges } from './services';
import { UndoStore } from './store';
import type { UndoRecord } from './types';

/**
 * The agent's hook into transactions: which judged commands run as one, and
 * one run: the command on the overlay, the effect rules over what it did (a
 * finding asks the person, with the diff), the commit and its undo record,
 * and a RunResult like the executor's, so the rest of the command's story
 * (card, history, model) is told as for any command.
 */

export type TransactionsConfig = z.infer<typeof TransactionsConfigSchema>;

/** What the card and the history keep of a transaction. */
export interface TransactionFacts extends CommandEffects {
  /** What was done (or not) after the commit for a package's systemd units, one line each with its exit status (services.ts). */
  afterCommit?: string[];
  /** Records dropped to keep the store within its bounds, said on the card. */
  dropped: string[];
}

export type TransactionPlan = { kind: 'transaction' } | { kind: 'outside'; reasons: string[] } | { kind: 'none' };

export interface TransactionRun {
  result: RunResult;
  facts?: TransactionFacts;
  /** Why what it did did not land (a conflict, a declined effect, a timeout): nothing was changed. */
  notApplied?: string;
  /** The person declined after the effect rules asked. */
  declined?: boolean;
  /** Commits a crash cut off, found and made undoable, in words. */
  recovered?: string[];
}

const PATHS_KEPT = 200;

/** Where units are looked for and how systemd is known to run: the machine's by default; a scratch root in tests. */
export interface SystemdPlace {
  /** Prefix of the unit folders (/etc/systemd/system…). */
  root?: string;
  /** The folder whose presence says systemd runs here (/run/systemd/system). */
  marker?: string;
}

export class Transactions {
  readonly store: UndoStore;

  constructor(
    readonly cfg: TransactionsConfig,
    private readonly o: {
      dataDir: string;
      env: NodeJS.ProcessEnv;
      secrets?: SecretSet;
      secretFiles?: SecretFileContext;
      protect: ProtectedPathContext;
      shell?: string;
      dpkgStatus?: string;
      systemd?: SystemdPlace;
    },
  ) {
    this.store = new UndoStore(cfg.state_dir ?? defaultStateDir(o.dataDir));
  }

  private swept = false;

  plan(decision: Decision, verdict: PolicyResult): TransactionPlan {
    if (!this.cfg.enabled || decision === 'deny') return { kind: 'none' };
    // An auto-allowed command stays in the quiet jail unless asked for: it acts outside nothing there.
    if (decision === 'auto_allow')
      return this.cfg.decisions.includes('auto_allow') && cannotUndo(verdict.segments).length === 0
        ? { kind: 'transaction' }
        : { kind: 'none' };
    const outside = cannotUndo(verdict.segments);
    if (outside.length > 0) return { kind: 'outside', reasons: outside };
    return this.cfg.decisions.includes(decision) ? { kind: 'transaction' } : { kind: 'none' };
  }

  async run(req: {
    command: string;
    cwd: string;
    signal: AbortSignal;
    timeoutMs: number;
    /** Already approved by the person: the effect rules do not ask again. */
    approved: boolean;
    /** Allowed because it stays in this working tree (auto-allowed): no network, and a write outside it asks. */
    stayIn?: string;
    ask: (findings: EffectFinding[], preview: Preview) => Promise<boolean>;
    onOutput: (data: string, stream: 'stdout' | 'stderr') => void;
  }): Promise<TransactionRun> {
    const startedAt = new Date();
    const t0 = performance.now();
    // Upper layers a killed aios left behind: removed once per process; commits it cut off: made undoable.
    let recovered: string[] = [];
    if (!this.swept) {
      this.swept = true;
      sweepStale(this.store.scratch, false);
      recovered = this.store
        .recoverInterrupted()
        .map((r) => `a commit was cut off by a crash; what it had changed can be undone: /undo ${r.id} (${r.command})`);
    }
    const out = await this.runOnce(req, startedAt, t0);
    return recovered.length ? { ...out, recovered } : out;
  }

  private async runOnce(req: Parameters<Transactions['run']>[0], startedAt: Date, t0: number): Promise<TransactionRun> {
    const live = liveOutput(this.o.secrets, req.onOutput);
    const p = await beginTransaction(this.store, {
      command: req.command,
      cwd: req.cwd,
      env: this.o.env,
      paths: this.cfg.paths,
      network: req.stayIn === undefined,
      timeoutMs: req.timeoutMs,
      memoryBytes: this.cfg.memory_mb * 1024 * 1024,
      signal: req.signal,
      ...(this.o.shell ? { shell: this.o.shell } : {}),
      ...(this.o.secretFiles ? { secrets: this.o.secretFiles } : {}),
      onOutput: live.push,
    });
    const { stdout, stderr } = live.end();
    const result = (extra: Partial<RunResult> = {}): RunResult => {
      const full = stdout + stderr;
      return {
        exitCode: p.exitCode,
        signal: null,
        durationMs: performance.now() - t0,
        startedAt,
        endedAt: new Date(),
        output: full.length > 8000 ? `${full.slice(0, 4000)}\n…\n${full.slice(-4000)}` : full,
        fullOutput: full,
        outputTruncated: full.length > 8000,
        timedOut: p.timedOut,
        cancelled: req.signal.aborted,
        confined: false,
        ...extra,
      };
    };
    if (p.timedOut || req.signal.aborted) {
      discardTransaction(p);
      return {
        result: result(),
        notApplied: p.timedOut ? 'it did not finish in time: nothing it did was applied' : 'cancelled: nothing it did was applied',
      };
    }
    const findings = judgePending(p, {
      protect: this.o.protect,
      pathDirs: (this.o.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((d) => d.startsWith('/')),
      ...(req.stayIn ? { workTree: req.stayIn, scratch: ['/tmp'] } : {}),
    });
    if (findings.length > 0 && !req.approved) {
      const ok = await req.ask(findings, this.previewOf(p, req.cwd));
      if (!ok) {
        discardTransaction(p);
        return {
          result: result(),
          notApplied: `declined: nothing it did was applied (${findings
            .map((f) => f.reason)
            .slice(0, 3)
            .join('; ')})`,
          declined: true,
        };
      }
    }
    let committed: Committed;
    try {
      const c = commitTransaction(this.store, p, {
        command: req.command,
        cwd: req.cwd,
        limits: { maxBytes: this.cfg.max_undo_mb * 1024 * 1024, maxAgeMs: this.cfg.max_undo_days * 86_400_000 },
        ...(this.o.dpkgStatus ? { dpkgStatus: this.o.dpkgStatus } : {}),
      });
      committed = c;
    } catch (err) {
      if (err instanceof TransactionConflict) return { result: result(), notApplied: err.message };
      return { result: result(), notApplied: `not applied: ${(err as Error).message}` };
    }
    const facts = factsOf(
      committed.record,
      p,
      committed.dropped.map((d) => `${d.command} (${d.createdAt}, ${d.why})`),
    );
    const units = unitChanges(p.effects, this.o.systemd?.root);
    if (units) {
      const after = await actOnUnits(units, { env: this.o.env, ...(this.o.systemd?.marker ? { marker: this.o.systemd.marker } : {}) });
      facts.afterCommit = after.lines;
      if (committed.record && after.notUndone.length > 0) this.store.save({ ...committed.record, notUndone: after.notUndone });
    }
    return { result: result(), facts };
  }

  /** The run's changes as a preview (with diffs of small text files), for the question the effect rules ask. */
  private previewOf(p: PendingTransaction, cwd: string): Preview {
    const { changes, omitted } = readUpperLayers(p.run.targets, cwd, { maxDiffBytes: 64 * 1024, maxChanges: 200 });
    return {
      ran: true,
      lines: summaryLines(changes, omitted),
      limits: [],
      changes,
      omitted,
      exitCode: p.exitCode,
      timedOut: p.timedOut,
      durationMs: p.run.durationMs,
    };
  }
}

/**
 * Where the state folder goes by default. As root, /var/lib/aios/transactions:
 * the folder holding it is overlaid around it (child by child), and /var/lib
 * holds only folders, while root's home (the data folder's usual place) holds
 * the start-up files commands write to.
 */
export function defaultStateDir(dataDir: string): string {
  return process.getuid?.() === 0 ? '/var/lib/aios/transactions' : path.join(dataDir, 'transactions');
}

export function factsOf(record: UndoRecord | null, p: Pick<PendingTransaction, 'effects'>, dropped: string[] = []): TransactionFacts {
  const counts = effectCounts(p.effects);
  const parts = (['added', 'changed', 'deleted', 'meta'] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k === 'meta' ? 'modes/owners changed' : k}`);
  const pkgs = record?.packages;
  const pkgText = pkgs ? `; packages ${[...pkgs.added.map((x) => `+${x}`), ...pkgs.removed.map((x) => `-${x}`)].join(', ')}` : '';
  return {
    recordId: record?.id ?? null,
    summary: parts.length ? `${parts.join(', ')}${pkgText}` : 'changed no files',
    counts,
    paths: p.effects.slice(0, PATHS_KEPT).map((e) => `${e.change} ${e.path}`),
    ...(pkgs ? { packages: pkgs } : {}),
    dropped,
  };
}

/** The history row's part of the facts. */
export const historyEffects = (f: TransactionFacts): CommandEffects => ({
  recordId: f.recordId,
  summary: f.summary,
  counts: f.counts,
  paths: f.paths,
  ...(f.packages ? { packages: f.packages } : {}),
});
