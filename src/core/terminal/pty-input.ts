import fs from 'node:fs';

/** The longest wait between two tries of a pty that takes no input (a shell that stopped reading). */
const MAX_RETRY_MS = 50;

interface Pending {
  buffer: Buffer;
  offset: number;
  taken: () => void;
}

/**
 * Keystrokes and pastes on their way into a shell's pty, written by aios to
 * the pty's master descriptor (node-pty's `fd`). node-pty's own `write()`
 * queues what the kernel cannot take yet but tells nobody when it went, and
 * the terminal must know: a host passes a shell's input backpressure on to
 * the sender, and refuses input past a cap (`MAX_PENDING_INPUT_BYTES`).
 * Here each write resolves once the kernel has taken all of it.
 *
 * The descriptor is node-pty's, and it closes it when the shell ends: after
 * `close()` (the shell exited or is hung up) nothing is written, and before
 * each write the descriptor is checked to still be a terminal, so input
 * never lands in a file or socket that gets the same number in between.
 */
export class PtyInput {
  private readonly queue: Pending[] = [];
  private writing = false;
  private closed = false;
  private retryMs = 0;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly fd: number) {}

  /** Resolves when the pty has taken `data` (or the shell is gone and it is dropped). */
  write(data: string): Promise<void> {
    const buffer = Buffer.from(data, 'utf8');
    if (this.closed || buffer.length === 0) return Promise.resolve();
    return new Promise((taken) => {
      this.queue.push({ buffer, offset: 0, taken });
      if (!this.writing && !this.retry) this.next();
    });
  }

  /** The shell is gone or being hung up: input it never read is dropped, and its writers are let go. */
  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    for (const p of this.queue.splice(0)) p.taken();
  }

  private next(): void {
    this.retry = undefined;
    const task = this.queue[0];
    if (!task || this.closed) return;
    if (!isTerminal(this.fd)) {
      this.close();
      return;
    }
    this.writing = true;
    fs.write(this.fd, task.buffer, task.offset, task.buffer.length - task.offset, null, (err, written) => {
      this.writing = false;
      if (this.closed) return;
      if (err) {
        if (err.code !== 'EAGAIN') {
          this.close();
          return;
        }
        // The pty is full (the shell is not reading): try again, less often the longer it stays full.
        this.retryMs = Math.min(MAX_RETRY_MS, Math.max(1, this.retryMs * 2));
        this.retry = setTimeout(() => this.next(), this.retryMs);
        return;
      }
      this.retryMs = 0;
      task.offset += written;
      if (task.offset >= task.buffer.length) {
        this.queue.shift();
        task.taken();
      }
      this.next();
    });
  }
}

function isTerminal(fd: number): boolean {
  try {
    return fs.fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

/** node-pty's master descriptor of a pty it spawned: a public getter of its Unix terminal, not in its typings. */
export function masterFd(p: object): number | undefined {
  const fd = (p as { fd?: unknown }).fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}
