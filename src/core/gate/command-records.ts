import { CommandRecordSchema, RUN_COMMAND, type ConversationItem, type CommandRecord } from '../../shared/contract';
import type { CommandLog } from '../memory/history';

/**
 * Output characters chat.state sends in all: one answer must stay well
 * under a browser socket's send cap (8 MB) however many commands a
 * conversation ran. The newest commands keep theirs; older ones give way.
 */
export const RESTORE_OUTPUT_BUDGET = 2_000_000;

/** Cuts a record's output to `max` characters: its head and its tail, the middle counted as omitted. */
function shrink(r: CommandRecord, max: number): CommandRecord {
  const size = r.output.reduce((n, c) => n + c.data.length, 0);
  if (size <= max) return r;
  const headMax = Math.floor(max / 2);
  const head: CommandRecord['output'] = [];
  const tail: CommandRecord['output'] = [];
  let room = headMax;
  for (const c of r.output) {
    if (room <= 0) break;
    const data = c.data.slice(0, room);
    head.push({ stream: c.stream, data });
    room -= data.length;
  }
  room = max - headMax;
  for (let i = r.output.length - 1; i >= 0 && room > 0; i--) {
    const c = r.output[i]!;
    const data = c.data.slice(Math.max(0, c.data.length - room));
    tail.unshift({ stream: c.stream, data });
    room -= data.length;
  }
  const omitted = size - max;
  const note = `\n… [${omitted} characters not sent] …\n`;
  const lastHead = head[head.length - 1];
  if (lastHead) lastHead.data += note;
  else head.push({ stream: 'stdout', data: note.trim() });
  return { ...r, output: [...head, ...tail], omittedChars: r.omittedChars + omitted };
}

/** Keeps the whole output of the newest records within `budget`; older ones are shrunk to what is left. */
export function withinBudget(records: CommandRecord[], budget = RESTORE_OUTPUT_BUDGET): CommandRecord[] {
  let left = budget;
  const kept = new Array<CommandRecord>(records.length);
  for (let i = records.length - 1; i >= 0; i--) {
    const r = shrink(records[i]!, left);
    left = Math.max(0, left - r.output.reduce((n, c) => n + c.data.length, 0));
    kept[i] = r;
  }
  return kept;
}

/**
 * The stored records of the conversation's run_command calls, in the order
 * of the calls, checked against the contract (a damaged or foreign row is
 * left out: its card falls back to the model's copy).
 */
export function commandRecordsFor(
  messages: ConversationItem[],
  commandLog: CommandLog | undefined,
  onError: (err: Error) => void,
): CommandRecord[] {
  if (!commandLog) return [];
  const callIds = messages.flatMap((m) =>
    m.role === 'assistant' ? (m.toolCalls ?? []).filter((c) => c.name === RUN_COMMAND).map((c) => c.id) : [],
  );
  if (callIds.length === 0) return [];
  try {
    const found = commandLog.recordsFor(callIds);
    const records = callIds.flatMap((id) => {
      const parsed = CommandRecordSchema.safeParse(found.get(id));
      return parsed.success && parsed.data.callId === id ? [parsed.data] : [];
    });
    return withinBudget(records);
  } catch (err) {
    onError(err as Error);
    return [];
  }
}
