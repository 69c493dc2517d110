/**
 * Flow control between a pty and a UI, as VS Code's terminal does it: the
 * host counts output sent but not yet acknowledged by the renderer (in bytes:
 * terminal.data carries UTF-8) and pauses the pty above a high watermark,
 * resuming under a low one. The renderer acknowledges from xterm's write
 * callback, i.e. after parsing, so a fast producer (`yes`, `cat big.log`)
 * cannot outrun the screen.
 *
 * The low watermark is half the high one, not near zero: the pty resumes
 * while the renderer still has text to parse, so reading and parsing overlap
 * instead of taking turns (with 100,000 / 5,000, xterm sat idle while the
 * pty refilled, and `cat` of 50 MB reached 0.3 of a raw read). xterm parses
 * about 0.7 MB in one of its 12 ms slices: at 1 MiB / 512 KiB the renderer
 * had under 10 ms of parsing queued when the pty resumed, and ran dry
 * whenever the core's thread or the producer was not scheduled for that
 * long (on two busy cores, often: `npm run bench -- terminal` prints how
 * long xterm waited for data). 4 MiB / 2 MiB keeps 30 ms or more queued.
 * The price: after Ctrl-C in a flood, what is in flight (at most 4 MiB and a
 * frame, ~70 ms of xterm's parsing) still scrolls by. No higher: the web
 * host drops a socket with 8 MB unsent, and it sends these bytes as base64
 * (4/3 as many: 5.6 MB at the high watermark).
 */
export const HIGH_WATERMARK_CHARS = 4 * 1024 * 1024;
export const LOW_WATERMARK_CHARS = 2 * 1024 * 1024;
/** The renderer acknowledges in batches of at least this many bytes (below the low watermark, or a paused shell would never resume). */
export const ACK_BATCH_CHARS = 5_000;

export interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * Counts per client: every attached UI is sent the same output and
 * acknowledges it at its own pace. The pty is paused while any attached
 * client is above the high watermark and resumes once every one is under
 * the low one; a second tab neither resets nor double-acknowledges another's count.
 */
export class FlowController {
  private readonly unacked = new Map<string, number>();
  private paused = false;

  constructor(
    private readonly target: Pausable,
    private readonly high = HIGH_WATERMARK_CHARS,
    private readonly low = LOW_WATERMARK_CHARS,
  ) {}

  /** The most any attached client has not acknowledged yet. */
  get unacknowledged(): number {
    return Math.max(0, ...this.unacked.values());
  }

  /** What one client has not acknowledged yet (0 when it is not attached). */
  unacknowledgedBy(client: string): number {
    return this.unacked.get(client) ?? 0;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** A client (re-)attached: it starts from the scrollback, owing nothing. */
  attach(client: string): void {
    this.unacked.set(client, 0);
    this.update();
  }

  /** A client went away: its count no longer holds the shell back. */
  detach(client: string): void {
    if (this.unacked.delete(client)) this.update();
  }

  /** Output went to every attached client. */
  sent(chars: number): void {
    for (const [client, n] of this.unacked) this.unacked.set(client, n + chars);
    this.update();
  }

  /** One client rendered `chars` characters; acknowledgements of a client not attached are ignored. */
  acknowledged(client: string, chars: number): void {
    const n = this.unacked.get(client);
    if (n === undefined) return;
    this.unacked.set(client, Math.max(0, n - chars));
    this.update();
  }

  /** Forget what is in flight for every client (kept attached). */
  reset(): void {
    for (const client of this.unacked.keys()) this.unacked.set(client, 0);
    this.update();
  }

  private update(): void {
    const most = this.unacknowledged;
    if (!this.paused && most > this.high) {
      this.paused = true;
      this.target.pause();
    } else if (this.paused && most < this.low) {
      this.paused = false;
      this.target.resume();
    }
  }
}
