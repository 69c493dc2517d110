/**
 * Streamed text reaches the UIs in fewer, larger events: a model that sends
 * a token per chunk would otherwise cost every host and page one event (a
 * JSON frame, a validation, a state update) per few characters. Deltas of a
 * turn are joined for a few milliseconds; any other event sends what is
 * waiting first, so the order of events is kept.
 */
import type { EventPayload } from '../../shared/contract';
import type { Emit } from '../gate';

/** How long joined text may wait (well under a frame). */
const DELAY_MS = 8;
/** Sent at once when this much is waiting. */
const MAX_CHARS = 32_768;

export class DeltaBatcher {
  private pending: EventPayload<'chat.delta'> | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: Emit) {}

  readonly emit: Emit = (name, payload) => {
    if (name !== 'chat.delta') {
      this.flush();
      this.send(name, payload);
      return;
    }
    const p = payload as EventPayload<'chat.delta'>;
    if (this.pending && this.pending.turnId !== p.turnId) this.flush();
    this.pending = this.pending ? { turnId: p.turnId, text: this.pending.text + p.text } : { turnId: p.turnId, text: p.text };
    if (this.pending.text.length >= MAX_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), DELAY_MS);
  };

  /** Sends the text waiting, if any. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const p = this.pending;
    this.pending = null;
    if (p) this.send('chat.delta', p);
  }
}
