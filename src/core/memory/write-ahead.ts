import fs from 'node:fs';
import os from 'node:os';

/**
 * The write-ahead marks of aios_command_history: who wrote a `running` row,
 * whether that writer is gone, and the ending a row gets when it was.
 */

/** `host/pid`: who wrote a running row. */
export function ownerTag(pid: number = process.pid): string {
  return `${os.hostname()}/${pid}`;
}

/** A running row's writer is gone: it was this host's and its process no longer exists. Another host's rows are never judged. */
export function ownerIsDead(owner: string): boolean {
  const slash = owner.lastIndexOf('/');
  if (owner.slice(0, slash) !== os.hostname()) return false;
  const pid = Number(owner.slice(slash + 1));
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  // A killed process whose parent never reaps it (an init that does not wait) stays a zombie: dead all the same.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** The stored card record with an ending saying it was interrupted (a record without one, or unreadable, gets none: the card says it from the model's copy). */
export function interruptedRecord(json: string | null, reason: string): string | null {
  if (json === null) return null;
  try {
    const r = JSON.parse(json) as { callId?: string; start?: { command?: string; decision?: string }; done?: unknown; running?: boolean };
    if (!r.start) return json;
    const done = {
      callId: r.callId,
      command: r.start.command,
      decision: r.start.decision,
      ran: r.running === true,
      refusal: reason,
      refusalKind: 'cancelled',
      exitCode: null,
      signal: null,
      durationMs: 0,
      timedOut: false,
      cancelled: true,
    };
    const { running: _running, ...rest } = r;
    return JSON.stringify({ output: [], omittedChars: 0, ...rest, done });
  } catch {
    return json;
  }
}
