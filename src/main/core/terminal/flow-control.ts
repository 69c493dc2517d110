/**
 * Flow control between a pty and a UI, as VS Code's terminal does it: the
 * host counts characters sent but not yet acknowledged by the renderer and
 * pauses the pty above a high watermark, resuming under a low one. The
 * renderer acknowledges from xterm's write callback, i.e. after parsing, so
 * a fast producer (`yes`, `cat big.log`) cannot outrun the screen.
 */
export const HIGH_WATERMARK_CHARS = 100_000;
export const LOW_WATERMARK_CHARS = 5_000;
/** The renderer acknowledges in batches of this many characters. */
export const ACK_BATCH_CHARS = 5_000;

export interface Pausable {
  pause(): void;
  resume(): void;
}

export class FlowController {
  private unacked = 0;
  private paused = false;

  constructor(
    private readonly target: Pausable,
    private readonly high = HIGH_WATERMARK_CHARS,
    private readonly low = LOW_WATERMARK_CHARS,
  ) {}

  get unacknowledged(): number {
    return this.unacked;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  sent(chars: number): void {
    this.unacked += chars;
    if (!this.paused && this.unacked > this.high) {
      this.paused = true;
      this.target.pause();
    }
  }

  acknowledged(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.paused && this.unacked < this.low) {
      this.paused = false;
      this.target.resume();
    }
  }

  /** Forget what is in flight (the consumer went away or re-attached). */
  reset(): void {
    this.unacked = 0;
    if (this.paused) {
      this.paused = false;
      this.target.resume();
    }
  }
}
