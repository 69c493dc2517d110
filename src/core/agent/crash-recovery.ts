import { answerInterruptedCalls, INTERRUPTED_BY_CRASH } from '../conversation/interrupted';
import type { ConversationStore } from '../conversation/store';
import { isTransientStorageError, type DeferredWriter } from '../memory/deferred-writer';
import type { CommandLog } from '../memory/history';

export interface Recovered {
  /** The calls marked interrupted in the command history: `ran` false means it was still waiting. */
  calls: Array<{ command: string; ran: boolean }>;
  /** What to tell the person, once. */
  notice: string;
}

/**
 * After a crash: rows of the command history a dead aios left running
 * become `interrupted`, and the calls of the conversation that never got a
 * result get one saying so (the model learns it on the next request).
 * Through the writer: a file locked at start is swept (in order with
 * everything after) once it takes writes. `found` hears what was recovered.
 */
export function recoverInterrupted(
  writer: DeferredWriter,
  commandLog: CommandLog | undefined,
  conversations: ConversationStore,
  conversationId: string,
  found: (r: Recovered) => void,
  log?: (line: string) => void,
): void {
  writer.write('crash recovery', () => {
    let marked: ReturnType<CommandLog['sweepInterrupted']>;
    try {
      marked = commandLog?.sweepInterrupted(INTERRUPTED_BY_CRASH) ?? [];
    } catch (err) {
      if (isTransientStorageError(err)) throw err;
      log?.(`could not mark interrupted calls: ${(err as Error).message}`);
      return;
    }
    const calls = marked.map((m) => ({ command: m.command, ran: m.ran }));
    const answered = answerInterruptedCalls(conversations, conversationId, commandLog?.runningCallIds() ?? new Set());
    const names = [...new Set([...marked.map((m) => m.command), ...answered.map((a) => a.name)])];
    if (marked.length + answered.length === 0) {
      found({ calls, notice: '' });
      return;
    }
    log?.(`recovered after a crash: ${marked.length} history rows marked interrupted, ${answered.length} calls answered`);
    const notice = `aios stopped (killed or crashed) while ${names.length === 1 ? 'this was' : 'these were'} running: ${names.slice(0, 5).join('; ')}${names.length > 5 ? ' …' : ''}. Marked interrupted in /history; check before running again.`;
    found({ calls, notice });
  });
}
