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
import { defaultStateBase, removeRunLater, sweepStale } from '../jail/preview';
import { isHeld, type AnyKeptPreview, type PreviewViaHelper } from '../preview';
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
import { runUndo, type UndoOutcome } from './actions';
import { syncLanded } from './durable';
import { liveOutput } from './live-output';
import { conflictSincePreview, debugReuse, takePreview } from './preview-reuse';
import type { EffectFinding } from './rules';
import { actOnUnits, unitChanges } from './services';
import { UndoStore } from './store';
import { transactionTargets } from './targets';
import { defaultHelperArgv, helperAllowed, previewThroughSudo, runThroughSudo, undoThroughSudo } from './sudo-client';
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
  /** It ran once, in the approved preview, whose result is what was committed (it did not run again). */
  ranInPreview?: boolean;
  /** A preview was kept for it but it ran again: why (see preview-reuse.ts). */
  previewNotReused?: string;
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
      env: NodeJS.ProcessEnv;
      secrets?: SecretSet;
      secretFiles?: SecretFileContext;
      protect: ProtectedPathContext;
      shell?: string;
      dpkgStatus?: string;
      /** pacman's local database (the Arch flavour's); by default /var/lib/pacman/local. */
      pacmanLocal?: string;
      systemd?: SystemdPlace;
      /** Whom the command runs as (set by the root helper: its caller). */
      runAs?: { uid: number; gid: number; groups: readonly number[] };
      /** Not root: the command that starts the root helper under `sudo -n` (sudo-client.ts); by default aios itself. */
      rootHelper?: readonly string[] | null;
    },
  ) {
    this.store = new UndoStore(cfg.state_dir ?? ROOT_STATE_DIR);
  }

  private get helper(): readonly string[] | null {
    return this.o.rootHelper === undefined ? defaultHelperArgv() : this.o.rootHelper;
  }

  /** `/undo`, `/redo`, the card's Undo: here as root, else through the root helper (the records are root's). */
  undo(req: { recordId?: string | undefined; redo?: boolean | undefined }): UndoOutcome {
    const r = { ...(req.recordId ? { recordId: req.recordId } : {}), ...(req.redo ? { redo: true } : {}) };
    if (process.getuid?.() === 0) return runUndo(this.store, r);
    return undoThroughSudo(this.helper, { ...r, ...(this.cfg.state_dir ? { stateDir: this.cfg.state_dir } : {}) });
  }

  private swept = false;
  private helperUsable: boolean | undefined;

  /** Whether a transaction can be made here: as root, or through the root helper passwordless sudo lets start (asked once). */
  available(): boolean {
    if (process.getuid?.() === 0) return true;
    this.helperUsable ??= helperAllowed(this.helper);
    return this.helperUsable;
  }

  plan(decision: Decision, verdict: PolicyResult): TransactionPlan {
    if (this.cfg.enabled === false || decision === 'deny') return { kind: 'none' };
    // "auto": where none can be made, commands run as they did before transactions, instead of asking first.
    if (this.cfg.enabled === 'auto' && !this.available()) return { kind: 'none' };
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
    /** The approved command's finished preview, handed over: committed instead of a new run when it is the same run (then removed). */
    preview?: AnyKeptPreview;
  }): Promise<TransactionRun> {
    const kept = req.preview;
    if (process.getuid?.() !== 0) {
      // The root helper's own kept preview: the helper decides whether it is the run and commits it from its own folder.
      if (!kept || isHeld(kept)) return this.runThroughSudo(req, kept?.id);
      // A preview made through sudo in the user's folders: never committed (they could be changed before the commit).
      void removeRunLater(kept.run);
      const why = "aios is not root: the preview ran in the user's folders, not the root helper's; it runs again as a transaction";
      debugReuse(req.command, why);
      return { ...(await this.runThroughSudo(req)), previewNotReused: why };
    }
    // As root no helper keeps previews: one held by a helper (started before aios became root?) is dropped, and it runs again.
    if (kept && isHeld(kept)) void kept.discard();
    const startedAt = new Date();
    const t0 = performance.now();
    // Upper layers (and layer folders made ahead) a killed aios left behind, and its runs' container files on tmpfs:
    // removed once per process; commits it cut off: made undoable.
    let recovered: string[] = [];
    if (!this.swept) {
      this.swept = true;
      sweepStale(this.store.scratch, false);
      sweepStale(defaultStateBase(), false);
      recovered = this.store
        .recoverInterrupted()
        .map((r) => `a commit was cut off by a crash; what it had changed can be undone: /undo ${r.id} (${r.command})`);
    }
    const out = await this.runOnce(req, startedAt, t0);
    return recovered.length ? { ...out, recovered } : out;
  }

  /** Not root: the same run, done by the root helper through `sudo -n` (fails closed as "not a transaction" when refused). */
  private runThroughSudo(req: Parameters<Transactions['run']>[0], previewId?: string): Promise<TransactionRun> {
    const protect = this.o.protect;
    return runThroughSudo(
      this.helper,
      {
        op: 'run',
        cfg: this.cfg,
        command: req.command,
        cwd: req.cwd,
        env: Object.fromEntries(Object.entries(this.o.env).filter((e): e is [string, string] => e[1] !== undefined)),
        timeoutMs: req.timeoutMs,
        approved: req.approved,
        ...(req.stayIn ? { stayIn: req.stayIn } : {}),
        ...(this.o.shell ? { shell: this.o.shell } : {}),
        ...(previewId ? { previewId } : {}),
        protect: {
          ...(protect.home ? { home: protect.home } : {}),
          ...(protect.configDir ? { configDir: protect.configDir } : {}),
          ...(protect.memoryDir ? { memoryDir: protect.memoryDir } : {}),
          ...(protect.extra ? { extra: [...protect.extra] } : {}),
          ...(protect.ownFiles ? { ownFiles: [...protect.ownFiles] } : {}),
          ...(protect.ownTrees ? { ownTrees: [...protect.ownTrees] } : {}),
        },
        ...(this.o.secretFiles
          ? {
              secretFiles: {
                ...(this.o.secretFiles.home ? { home: this.o.secretFiles.home } : {}),
                ...(this.o.secretFiles.ownSecrets ? { ownSecrets: [...this.o.secretFiles.ownSecrets] } : {}),
              },
            }
          : {}),
      },
      { secrets: this.o.secrets, signal: req.signal, onOutput: req.onOutput, ask: req.ask },
    );
  }

  /** Whether previews of commands that will be transactions are worth keeping for them: as root, or through the root helper. */
  reusesPreviews(): boolean {
    return process.getuid?.() === 0 || (!!this.helper && this.available());
  }

  /** Not root: previews to keep run in the root helper, which keeps them in root's folder for the commit. */
  previewViaHelper(): PreviewViaHelper | undefined {
    if (process.getuid?.() === 0 || !this.helper) return undefined;
    const helper = this.helper;
    const stateDir = this.cfg.state_dir;
    return (r, signal) => previewThroughSudo(helper, { op: 'preview', ...r, ...(stateDir ? { stateDir } : {}) }, signal);
  }

  private async runOnce(req: Parameters<Transactions['run']>[0], startedAt: Date, t0: number): Promise<TransactionRun> {
    const live = liveOutput(this.o.secrets, req.onOutput);
    const reuse =
      req.preview && !isHeld(req.preview)
        ? takePreview(req.preview, {
            command: req.command,
            cwd: req.cwd,
            shell: this.o.shell,
            env: this.o.env,
            targets: transactionTargets([req.cwd, ...this.cfg.paths], this.store),
            network: req.stayIn === undefined,
            runAs: this.o.runAs,
            store: this.store,
          })
        : {};
    const ranInPreview = !!reuse.p;
    const told = ranInPreview ? { ranInPreview } : reuse.why ? { previewNotReused: reuse.why } : {};
    if (reuse.p) {
      // Its output is the preview's: shown as the command's (redacted on the way, as a run's).
      live.push(reuse.p.stdout, 'stdout');
      live.push(reuse.p.stderr, 'stderr');
    }
    const p =
      reuse.p ??
      (await beginTransaction(this.store, {
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
        ...(this.o.runAs ? { runAs: this.o.runAs } : {}),
      }));
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
        ...told,
        result: result(),
        notApplied: p.timedOut ? 'it did not finish in time: nothing it did was applied' : 'cancelled: nothing it did was applied',
      };
    }
    const findings = judgePending(
      p,
      {
        protect: this.o.protect,
        pathDirs: (this.o.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((d) => d.startsWith('/')),
        ...(req.stayIn ? { workTree: req.stayIn, scratch: ['/tmp'] } : {}),
      },
      undefined,
      this.o.pacmanLocal,
    );
    if (findings.length > 0 && !req.approved) {
      const ok = await req.ask(findings, this.previewOf(p, req.cwd));
      if (!ok) {
        discardTransaction(p);
        return {
          ...told,
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
        ...(this.o.pacmanLocal ? { pacmanLocal: this.o.pacmanLocal } : {}),
      });
      committed = c;
    } catch (err) {
      if (err instanceof TransactionConflict)
        return { ...told, result: result(), notApplied: ranInPreview ? conflictSincePreview(err.paths) : err.message };
      return { ...told, result: result(), notApplied: `not applied: ${(err as Error).message}` };
    }
    const facts = factsOf(
      committed.record,
      p,
      committed.dropped.map((d) => `${d.command} (${d.createdAt}, ${d.why})`),
    );
    if (ranInPreview && committed.record) {
      // Copied in from the preview's tmpfs rather than renamed from a synced scratch folder: written to disk now.
      try {
        syncLanded(p.steps);
      } catch (err) {
        facts.afterCommit = [`what landed could not be written to disk yet (${(err as Error).message}): run sync`];
      }
    }
    const units = unitChanges(p.effects, this.o.systemd?.root);
    if (units) {
      const after = await actOnUnits(units, { env: this.o.env, ...(this.o.systemd?.marker ? { marker: this.o.systemd.marker } : {}) });
      facts.afterCommit = [...(facts.afterCommit ?? []), ...after.lines];
      if (committed.record && after.notUndone.length > 0) this.store.save({ ...committed.record, notUndone: after.notUndone });
    }
    return { ...told, result: result(), facts };
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
 * Where the state folder goes by default, as root or through the root helper:
 * root's, as the records hold copies of root's files. The folder holding it is
 * overlaid around it (child by child), and /var/lib holds only folders, while
 * a home (the data folder's usual place) holds the start-up files commands
 * write to.
 */
export const ROOT_STATE_DIR = '/var/lib/aios/transactions';

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
