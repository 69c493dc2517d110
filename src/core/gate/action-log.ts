import type { CommandEffects, CommandHistoryEntry, CommandLog } from '../memory/history';

export interface ActionLogOptions {
  /** The command history table; without it (memory off) nothing is written. */
  store?: CommandLog;
  sessionId?: string;
  machine?: string;
  /** A failure to write must not stop an action; it is reported here. */
  onError?: (err: Error) => void;
}

/**
 * The record step: every action is a row of the command history, written
 * ahead (running) before anything is asked or run, so a crash leaves a
 * trace, and completed when the action ends.
 */
export class ActionLog {
  constructor(private readonly o: ActionLogOptions) {}

  /** Writes the row of an action that starts; its id, or undefined when it could not be written. */
  begin(entry: CommandHistoryEntry): string | undefined {
    return this.write((store) => store.begin(this.entry(entry)));
  }

  /** The action has started to run: a crash from here on means it did run (or started to). */
  running(rowId: string | undefined, record: unknown): void {
    if (rowId) this.write((store) => store.updateRecord(rowId, record));
  }

  /**
   * Completes the row `begin` wrote (or, when that failed, writes a whole one), with what a transaction changed in the
   * same write, so the effects ("what did I install yesterday?") are never lost with a row written late.
   */
  finish(rowId: string | undefined, entry: CommandHistoryEntry, effects?: CommandEffects): void {
    const full = this.entry(entry);
    // The row's end waits for the next write (one commit less between the command's exit and the next request).
    this.write((store) => (rowId ? store.complete(rowId, full, effects) : store.record(full, effects)));
  }

  private entry(e: CommandHistoryEntry): CommandHistoryEntry {
    return { ...e, ...(this.o.machine ? { machine: this.o.machine } : {}), sessionId: this.o.sessionId ?? null };
  }

  private write<T>(fn: (store: CommandLog) => T): T | undefined {
    if (!this.o.store) return undefined;
    try {
      return fn(this.o.store);
    } catch (err) {
      this.o.onError?.(err as Error);
      return undefined;
    }
  }
}
