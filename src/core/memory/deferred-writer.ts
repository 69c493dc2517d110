import { MemoryStoreError, toMemoryError } from './errors';

/** SQLite failures that mean "this file cannot take writes now", as opposed to a bug. */
const STORAGE_CODES = /^(SQLITE_(READONLY|BUSY|LOCKED|IOERR|FULL|CANTOPEN|PERM)|ENOSPC|EROFS|EACCES)/;

/** True for a write that may work later (lock, full disk, I/O, permissions), not for a bug. */
export function isTransientStorageError(err: unknown): boolean {
  if (err instanceof MemoryStoreError)
    return err.kind === 'locked' || err.kind === 'full' || err.kind === 'readonly' || err.kind === 'unreadable' || err.kind === 'newer';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.test(code);
}

export interface SavingState {
  /** False while writes wait for the file. */
  saving: boolean;
  /** Why the last write failed, in words (with the file), while not saving. */
  reason: string | null;
  /** Writes accepted and waiting. */
  waiting: number;
  /** Writes given up because the queue was full, since the last report. */
  dropped: number;
}

export interface DeferredWriterOptions {
  path: string;
  /** Told when saving stops, when it starts again, and when waiting writes were dropped. */
  onState: (state: SavingState) => void;
  /** Writes kept while the file refuses them; beyond that the oldest are dropped (and said). */
  maxWaiting?: number;
  /** Waits between retries, the last repeated. */
  retryMs?: readonly number[];
  /**
   * Runs writes as one transaction of the file (`db.transaction(fn).immediate()`).
   * With it, `hold` keeps a write back until the next `write` (both then
   * commit together) or the end of this turn of the event loop; without it,
   * `hold` is `write`.
   */
  transaction?: (fn: () => void) => void;
}

interface Pending {
  label: string;
  run: () => void;
  /** Called once the write reached the file. */
  saved?: () => void;
  /** Held back by `hold`: its caller has returned, so a bug in it is said, not thrown. */
  held?: boolean;
}

/**
 * Every write to the memory file in one order. A write that the file refuses
 * for a passing reason (another program's lock, a full disk) is kept, with
 * every later one behind it, and retried on a timer, so the event loop is
 * never held for longer than one short busy wait and saving resumes by
 * itself when the cause goes. Bugs (anything else) are thrown at once.
 */
export class DeferredWriter {
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private reason: string | null = null;
  private dropped = 0;
  private closed = false;
  /** Writes held back by `hold`, in order, not yet tried. */
  private held: Pending[] = [];
  private release: NodeJS.Immediate | undefined;

  constructor(private readonly o: DeferredWriterOptions) {}

  get state(): SavingState {
    return { saving: this.reason === null, reason: this.reason, waiting: this.queue.length, dropped: this.dropped };
  }

  /** Runs `fn` now, or (when writes are waiting or the file refuses it) after the writes before it. */
  write(label: string, fn: () => void, saved?: () => void): void {
    this.commit([...this.takeHeld(), { label, run: fn, saved }]);
  }

  /**
   * A write that may wait a moment: it is written with the next `write` (in
   * one transaction, before it) or once this turn of the event loop ends,
   * whichever comes first; `flushHeld` writes it at once. Nothing reads the
   * file between: what waits is the caller's to show meanwhile.
   */
  hold(label: string, fn: () => void, saved?: () => void): void {
    if (!this.o.transaction || this.closed) return this.write(label, fn, saved);
    this.held.push({ label, run: fn, saved, held: true });
    this.release ??= setImmediate(() => {
      this.release = undefined;
      this.flushHeld();
    });
  }

  /** Writes what `hold` keeps back, now (before something that must find it in the file). */
  flushHeld(): void {
    const batch = this.takeHeld();
    if (batch.length === 0) return;
    try {
      this.commit(batch);
    } catch (err) {
      // One held write alone, and a bug: no caller to throw to.
      this.reason = `a held write (${batch[0]!.label}) failed for good: ${(err as Error).message}`;
      this.o.onState(this.state);
    }
  }

  /** Writes `batch` in one transaction now, or queues it (in order) while the file refuses writes. */
  private commit(batch: readonly Pending[]): void {
    if (this.queue.length === 0) {
      try {
        this.runTogether(batch);
        for (const w of batch) w.saved?.();
        return;
      } catch (err) {
        if (!isTransientStorageError(err)) {
          if (batch.length === 1) throw err;
          // A bug in one write must not cost the others: each alone. The caller's own write (the last) throws its
          // bug as it would have alone; a held one has no caller left, so it is said as a waiting write's is.
          batch.forEach((w, i) => {
            try {
              this.commit([w]);
            } catch (e) {
              if (i === batch.length - 1 && !w.held) throw e;
              this.reason = `a held write (${w.label}) failed for good: ${(e as Error).message}`;
              this.o.onState(this.state);
            }
          });
          return;
        }
        this.failed(err);
      }
    }
    this.enqueue(batch);
  }

  private takeHeld(): Pending[] {
    if (this.release) clearImmediate(this.release);
    this.release = undefined;
    const held = this.held;
    this.held = [];
    return held;
  }

  /** One write, or several in one transaction (all or none reach the file). */
  private runTogether(batch: readonly Pending[]): void {
    if (batch.length === 1 || !this.o.transaction) for (const w of batch) w.run();
    else
      this.o.transaction(() => {
        for (const w of batch) w.run();
      });
  }

  private enqueue(batch: readonly Pending[]): void {
    this.queue.push(...batch);
    const max = this.o.maxWaiting ?? 5_000;
    if (this.queue.length > max) {
      const gone = this.queue.splice(0, this.queue.length - max);
      this.dropped += gone.length;
      this.o.onState(this.state);
    }
    this.schedule();
  }

  /** Tries the waiting writes now (tests, shutdown); true when none is left. */
  flush(): boolean {
    this.queue.push(...this.takeHeld());
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      try {
        next.run();
      } catch (err) {
        if (!isTransientStorageError(err)) {
          // A write that can never work (a bug, a damaged row) must not hold every later one back.
          this.queue.shift();
          this.reason = `a waiting write (${next.label}) failed for good: ${(err as Error).message}`;
          this.o.onState(this.state);
          continue;
        }
        this.failed(err);
        this.schedule();
        return false;
      }
      this.queue.shift();
      next.saved?.();
    }
    if (this.reason !== null || this.dropped > 0) {
      this.reason = null;
      this.attempt = 0;
      this.o.onState(this.state);
      this.dropped = 0;
    }
    return true;
  }

  close(): void {
    this.flushHeld();
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private failed(err: unknown): void {
    const e = toMemoryError(err, this.o.path);
    const first = this.reason === null;
    this.reason = e.message;
    if (first) this.o.onState(this.state);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const delays = this.o.retryMs ?? [200, 500, 1000, 2000, 5000];
    const ms = delays[Math.min(this.attempt, delays.length - 1)]!;
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, ms);
    this.timer.unref?.();
  }
}
