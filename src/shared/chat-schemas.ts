/** The conversation as a UI restores it: its messages, and the limits on what a person sends. */
import { z } from 'zod';
import { ApprovalRequestSchema, CommandRecordSchema } from './command-schemas';

export const MAX_CHAT_TEXT = 100_000;
/** Text too long for a message is saved as a file the model reads with commands; this much at most (one wire frame holds it). */
export const MAX_ATTACHMENT_TEXT = 512 * 1024;
/** The model's tool for a shell command line: its calls are command cards, restored from their records. */
export const RUN_COMMAND = 'run_command';

export const ConversationItemSchema = z.object({
  role: z.enum(['user', 'assistant', 'tool']),
  text: z.string(),
  /** For tool results: the tool's name; for assistant tool calls: the calls made. */
  toolName: z.string().optional(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).optional(),
  /**
   * A long message restored folded: `text` is its head (the first `at` characters) and its tail; the
   * `omittedChars` between them come on demand from chat.message with this `seq`.
   */
  folded: z.object({ seq: z.number().int(), at: z.number().int().nonnegative(), omittedChars: z.number().int().positive() }).optional(),
});
export type ConversationItem = z.infer<typeof ConversationItemSchema>;

export const ChatStateSchema = z.object({
  conversationId: z.string(),
  messages: z.array(ConversationItemSchema),
  /** The model in use ("gpt-4o-mini @ OpenAI"), or null with `problem` saying what to set. */
  provider: z.string().nullable(),
  problem: z.string().nullable(),
  busy: z.boolean(),
  /** Approvals still waiting for an answer, so a UI that (re)loads can show them. */
  approvals: z.array(ApprovalRequestSchema),
  /** Structured records of the run_command calls in `messages`, for the cards (conversations older than records have none). */
  commands: z.array(CommandRecordSchema),
  /** Calls the previous aios left unfinished when it stopped (crash, kill), found at this start: `ran` false means it was still waiting (an approval question that is gone). */
  interrupted: z.array(z.object({ command: z.string(), ran: z.boolean() })).optional(),
});
export type ChatState = z.infer<typeof ChatStateSchema>;
