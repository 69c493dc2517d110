import type { AppStatus } from '../shared/contract';

/** Under a steady stream of changes a status is still published after this many computations. */
const MAX_ROUNDS = 5;

export interface StatusPublisherOptions {
  /** The status as it is now (the same answer as `app.status`). */
  compute: () => Promise<AppStatus>;
  /** Sends `app.statusChanged` to every UI. */
  publish: (status: AppStatus) => void;
  /** A status that could not be computed is skipped; the next change tries again. */
  onError?: (err: unknown) => void;
}

/**
 * Pushes the status bar's view of the core when something in it changed, so
 * UIs need not poll. Bursts of changes (a turn's end and its provider error)
 * are coalesced into one computation; an unchanged status is not sent again;
 * a status computed while something changed is not sent, so no push is
 * older than the events before it (a UI can trust `busy: true`).
 */
export class StatusPublisher {
  private last: string | undefined;
  private scheduled = false;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly o: StatusPublisherOptions) {}

  /** Something the status shows may have changed. */
  changed(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    // After the current turn of the event loop, not within it: a command's start and its result's way back to the
    // model (which emit these events) do not wait for the status bar.
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.run();
    });
  }

  /** Resolves once every change reported so far has been published (tests, shutdown). */
  async settled(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.running || this.scheduled) {
      await this.running;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    try {
      for (let round = 1; ; round++) {
        this.again = false;
        const status = await this.o.compute();
        if (this.stopped) return;
        // Something changed while computing: this answer may be older than an event already sent (a turn's end), so compute again.
        if (this.again && round < MAX_ROUNDS) continue;
        const text = JSON.stringify(status);
        if (text !== this.last) {
          this.last = text;
          this.o.publish(status);
        }
        if (!this.again || this.stopped) return;
      }
    } catch (err) {
      this.o.onError?.(err);
    } finally {
      this.running = undefined;
    }
  }
}
