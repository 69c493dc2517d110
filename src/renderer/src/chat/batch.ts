/**
 * Streamed text and command output arrive in many small events; the page
 * takes them once per animation frame. Everything else flushes the queue
 * first, so the order of events is kept.
 */
import type { EventPayload } from '../../../shared/contract';
import { appendDelta, appendReasoning, commandOutput } from './reducer';
import type { ChatData } from './types';

export type StreamOp =
  | { kind: 'delta'; turnId: string; text: string }
  | { kind: 'reasoning'; turnId: string; text: string }
  | { kind: 'output'; callId: string; stream: 'stdout' | 'stderr'; data: string };

/** Joins neighbours that go to the same place, so a frame costs one update per row. */
export function coalesce(ops: StreamOp[]): StreamOp[] {
  const out: StreamOp[] = [];
  for (const op of ops) {
    const last = out[out.length - 1];
    if (last?.kind === 'delta' && op.kind === 'delta' && last.turnId === op.turnId)
      out[out.length - 1] = { ...last, text: last.text + op.text };
    else if (last?.kind === 'reasoning' && op.kind === 'reasoning' && last.turnId === op.turnId)
      out[out.length - 1] = { ...last, text: last.text + op.text };
    else if (last?.kind === 'output' && op.kind === 'output' && last.callId === op.callId && last.stream === op.stream)
      out[out.length - 1] = { ...last, data: last.data + op.data };
    else out.push(op);
  }
  return out;
}

export function applyOps(s: ChatData, ops: StreamOp[]): ChatData {
  let next = s;
  for (const op of coalesce(ops)) {
    next =
      op.kind === 'delta'
        ? appendDelta(next, op.turnId, op.text)
        : op.kind === 'reasoning'
          ? appendReasoning(next, op.turnId, op.text)
          : commandOutput(next, { callId: op.callId, stream: op.stream, data: op.data } satisfies EventPayload<'chat.commandOutput'>);
  }
  return next;
}

export interface Scheduler {
  request(cb: () => void): () => void;
}

export class StreamBatcher {
  private pending: StreamOp[] = [];
  private cancel: (() => void) | null = null;

  constructor(
    private readonly apply: (ops: StreamOp[]) => void,
    private readonly scheduler: Scheduler,
  ) {}

  push(op: StreamOp): void {
    this.pending.push(op);
    this.cancel ??= this.scheduler.request(() => {
      this.cancel = null;
      this.flush();
    });
  }

  flush(): void {
    this.cancel?.();
    this.cancel = null;
    if (this.pending.length === 0) return;
    const ops = this.pending;
    this.pending = [];
    this.apply(ops);
  }

  get size(): number {
    return this.pending.length;
  }
}
