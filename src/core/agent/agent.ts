import { ulid } from 'ulid';
import { foldItem, withinBudget } from '../conversation/restore-fold';
import type { ConversationItem } from '../../shared/contract';
import type { AiosConfig } from '../config/schema';
import type { ConversationStore } from '../conversation/store';
import type { MemoryStore } from '../memory/store';
import type { CommandPolicy, Emit, Gate } from '../gate';
import { NoProviderError, ProviderError } from './errors';
import { LlmClient, type ChatMessage, type Completion, type RawToolCall } from './llm';
import { ConversationChecker, type CheckedConversation } from './conversation-check';
import type { ProviderState } from './provider';
import { machineNotes, relevantMemories, systemPrompt } from './prompt';
import { answerToolCall } from './tool-calls';
import type { ToolSet } from './tools';

export class AgentBusyError extends Error {
  constructor() {
    super('a turn is already running: wait for it or cancel it');
    this.name = 'AgentBusyError';
  }
}

export interface AgentOptions {
  ai: AiosConfig['ai'];
  machineName: string;
  user: string;
  cwd: string;
  provider: () => Promise<ProviderState>;
  policy: () => Promise<CommandPolicy>;
  /** Every tool call, run_command's and the rest, passes it. */
  gate: Gate;
  tools: ToolSet;
  conversations: ConversationStore;
  memory?: MemoryStore;
  emit: Emit;
  /** Characters of conversation sent to the model (system prompt aside). */
  contextBudgetChars?: number;
  /** Test seam: replaces the SDK client built from the provider. */
  llmFactory?: (p: Extract<ProviderState, { kind: 'ready' }>) => LlmClient;
}

type TurnStatus = 'done' | 'cancelled' | 'error' | 'max_rounds';

const DEFAULT_BUDGET = 60_000;
/** How much of a conversation a UI gets back on (re)load; its list is virtualised, so thousands are fine. */
export const RESTORE_LIMIT = 5_000;

/**
 * The loop: the person's text → model (streamed) → tool calls (commands
 * through the policy, memory, history) → model … until it answers without
 * tools or the round limit is hit. An assistant message with tool calls is
 * stored before its tools run and each result as it arrives; a failure or
 * cancel answers the rest, and a crash is answered at the next start
 * (ChatService), so the stored conversation is always one the API accepts.
 */
export class Agent {
  private running: { turnId: string; controller: AbortController; done: Promise<TurnStatus> } | undefined;
  private conversationId: string;
  private llm: LlmClient | undefined;
  /** Checks each request's messages, again only where they differ from the request before. */
  private readonly checker = new ConversationChecker();

  constructor(private readonly o: AgentOptions) {
    this.conversationId = o.conversations.current();
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Talk to another provider from the next request on (a running turn keeps its client). */
  updateAi(ai: AiosConfig['ai']): void {
    this.o.ai = ai;
    this.llm = undefined;
  }

  get currentConversation(): string {
    return this.conversationId;
  }

  /** Starts a turn and returns its id at once; events tell the rest. */
  send(text: string): { turnId: string; done: Promise<TurnStatus> } {
    if (this.running) throw new AgentBusyError();
    const turnId = ulid();
    const controller = new AbortController();
    const done = this.turn(turnId, text, controller.signal).finally(() => {
      // Normally cleared before chat.turnDone; this covers a listener that threw.
      if (this.running?.turnId === turnId) this.running = undefined;
    });
    this.running = { turnId, controller, done };
    return { turnId, done };
  }

  /** Stops the model stream and any running command of the current turn at once. */
  cancel(reason?: unknown): boolean {
    if (!this.running) return false;
    this.running.controller.abort(reason);
    return true;
  }

  /** Waits for the running turn, if any (tests, shutdown). */
  async idle(): Promise<void> {
    await this.running?.done.catch(() => undefined);
  }

  clear(): void {
    this.cancel();
    this.conversationId = this.o.conversations.start();
  }

  /** The newest `limit` messages of the conversation, for a UI to show on (re)load. */
  conversation(limit = RESTORE_LIMIT): ConversationItem[] {
    const items: ConversationItem[] = [];
    for (const { seq, message: m } of this.o.conversations.messages(this.conversationId, limit)) {
      const role = m.role;
      const text = typeof m.content === 'string' ? m.content : '';
      if (role === 'user') items.push(foldItem({ role, text }, seq));
      else if (role === 'assistant') {
        const calls = Array.isArray(m.tool_calls)
          ? (m.tool_calls as Array<{ id: string; function: { name: string; arguments: string } }>)
          : [];
        items.push(
          foldItem(
            {
              role,
              text,
              ...(calls.length > 0
                ? { toolCalls: calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })) }
                : {}),
            },
            seq,
          ),
        );
      } else if (role === 'tool') items.push(foldItem({ role, text, ...(typeof m.name === 'string' ? { toolName: m.name } : {}) }, seq));
    }
    return withinBudget(items);
  }

  /** The whole text of one message of the current conversation (what conversation() folded). */
  messageText(conversationId: string, seq: number): string | undefined {
    if (conversationId !== this.conversationId) return undefined;
    const m = this.o.conversations.message(conversationId, seq);
    return m && typeof m.content === 'string' ? m.content : undefined;
  }

  private async client(): Promise<LlmClient> {
    if (this.llm) return this.llm;
    const p = await this.o.provider();
    if (p.kind !== 'ready') throw new NoProviderError(p.message);
    this.llm = this.o.llmFactory?.(p) ?? new LlmClient({ provider: p, ai: this.o.ai });
    return this.llm;
  }

  /** `memories` and `notes`: found once per turn (the person's text is the query; the machine's notes file is read once). */
  private async messagesFor(memories: string[], notes: readonly string[]): Promise<CheckedConversation> {
    const policy = await this.o.policy();
    const windowed = this.o.conversations.windowed(this.conversationId, this.o.contextBudgetChars ?? DEFAULT_BUDGET);
    const messages = windowed.messages as unknown as ChatMessage[];
    const dropped = windowed.dropped;
    const system = systemPrompt({
      machineName: this.o.machineName,
      cwd: this.o.cwd,
      user: this.o.user,
      policy: policy.describe(),
      memories,
      notes,
    });
    const note = dropped > 0 ? `\n(${dropped} older messages of this conversation are not shown.)` : '';
    // Whatever an earlier round stored, what is sent is a request a strict server accepts (the system prompt needs no check).
    const checked = this.checker.check(messages);
    return { ...checked, messages: [{ role: 'system', content: system + note }, ...checked.messages] };
  }

  private async turn(turnId: string, text: string, signal: AbortSignal): Promise<TurnStatus> {
    const emit = this.o.emit;
    const conv = this.conversationId;
    let status: TurnStatus = 'done';
    try {
      const llm = await this.client();
      this.o.conversations.append(conv, [{ role: 'user', content: text }]);
      emit('chat.turnStart', { turnId, text });
      const toolProblem = await this.o.tools.refresh();
      if (toolProblem) emit('chat.notice', { turnId, level: 'warning', message: toolProblem });
      let toldAboutBadArgs = false;
      const max = this.o.ai.max_tool_rounds;
      const memories = relevantMemories(this.o.memory, text);
      const notes = machineNotes();
      for (let round = 0; ; round++) {
        const { messages, callIds } = await this.messagesFor(memories, notes);
        const completion = await llm.complete({
          messages,
          tools: this.o.tools.specs(),
          signal,
          takenIds: callIds,
          onDelta: (t) => emit('chat.delta', { turnId, text: t }),
          onReasoning: (t) => emit('chat.reasoning', { turnId, text: t }),
          onRetry: (ms, attempt) =>
            emit('chat.notice', {
              turnId,
              level: 'warning',
              message: `rate limited: retrying in ${(ms / 1000).toFixed(1)} s (attempt ${attempt})`,
            }),
        });
        if (completion.toolParserHint) emit('chat.notice', { turnId, level: 'warning', message: completion.toolParserHint });
        if (completion.toolCalls.length === 0) {
          this.o.conversations.append(conv, [{ role: 'assistant', content: this.answerText(turnId, completion) }]);
          break;
        }
        const assistant = {
          role: 'assistant',
          content: completion.content || null,
          tool_calls: completion.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
          // DeepSeek's thinking mode refuses every later request unless a tool round's reasoning goes back (even empty).
          ...(completion.reasoningSource === 'reasoning_content' ? { reasoning_content: completion.reasoning } : {}),
        };
        const cut = completion.toolCalls.some((c) => c.problem?.kind === 'cut');
        // Write-ahead: the call is stored before any tool runs and each result as it comes, so a crash
        // leaves the calls (which the next start answers as interrupted) rather than nothing.
        this.o.conversations.append(conv, [assistant]);
        let badArgsAgain = false;
        const answered = new Set<string>();
        try {
          for (const call of completion.toolCalls) {
            let text: string;
            if (signal.aborted) text = JSON.stringify({ success: false, error: 'not run: the person cancelled the turn' });
            else {
              const r = await answerToolCall(call, {
                gate: this.o.gate,
                tools: this.o.tools,
                emit,
                cwd: this.o.cwd,
                turnId,
                conversationId: conv,
                signal,
              });
              if (r.badArgs) {
                if (toldAboutBadArgs) badArgsAgain = true;
                toldAboutBadArgs = true;
              }
              text = r.text;
            }
            this.o.conversations.append(conv, [toolResult(call, text)]);
            answered.add(call.id);
          }
        } finally {
          // A failure mid-way still leaves every call answered, so the conversation stays one the API accepts.
          const missing = completion.toolCalls.filter((c) => !answered.has(c.id));
          if (missing.length > 0) {
            this.o.conversations.append(
              conv,
              missing.map((c) => toolResult(c, JSON.stringify({ success: false, error: 'not run: the turn failed before this call' }))),
            );
          }
        }
        if (signal.aborted) {
          status = 'cancelled';
          break;
        }
        if (cut) {
          emit('chat.notice', { turnId, level: 'warning', message: CUT_CALL });
          break;
        }
        if (badArgsAgain) {
          emit('chat.error', {
            turnId,
            kind: 'bad_tool_call',
            message: 'the model sent unusable tool arguments twice; this turn stops here (ask again or rephrase)',
          });
          status = 'error';
          break;
        }
        if (round + 1 >= max) {
          emit('chat.notice', {
            turnId,
            level: 'warning',
            message: `stopped after ${max} tool rounds ([ai] max_tool_rounds); ask to continue if needed`,
          });
          status = 'max_rounds';
          break;
        }
      }
    } catch (err) {
      status = this.report(turnId, err, signal);
    }
    // Free before announcing: a UI may send the next message from its turnDone handler.
    if (this.running?.turnId === turnId) this.running = undefined;
    emit('chat.turnDone', { turnId, status });
    return status;
  }

  private report(turnId: string, err: unknown, signal: AbortSignal): TurnStatus {
    if (signal.aborted || (err instanceof ProviderError && err.kind === 'cancelled')) return 'cancelled';
    if (err instanceof NoProviderError) this.o.emit('chat.error', { turnId, kind: 'no_provider', message: err.message });
    else if (err instanceof ProviderError) this.o.emit('chat.error', { turnId, kind: err.kind, message: err.message });
    else this.o.emit('chat.error', { turnId, kind: 'internal', message: err instanceof Error ? err.message : String(err) });
    return 'error';
  }

  /** The stored answer of a round without tool calls; the person hears when it was cut or only reasoned. */
  private answerText(turnId: string, c: Completion): string {
    const emit = this.o.emit;
    if (c.finishReason === 'length') emit('chat.notice', { turnId, level: 'warning', message: CUT_TEXT });
    if (c.content.trim() !== '') return c.content;
    if (c.reasoning.trim() !== '') {
      emit('chat.notice', {
        turnId,
        level: 'warning',
        message: 'the model only reasoned (shown folded above) and gave no answer: ask again, or give it more output tokens',
      });
      return '(no answer: the model only reasoned)';
    }
    emit('chat.notice', { turnId, level: 'warning', message: 'the model sent an empty answer' });
    return '(no answer)';
  }
}

const CUT_TEXT =
  "the answer was cut off at the model's output token limit (finish_reason: length): ask it to continue, or raise the limit on the server";
const CUT_CALL =
  "the model's tool call was cut off at its output token limit (finish_reason: length), so nothing ran: ask for a smaller step, or raise the limit on the server";

function toolResult(call: RawToolCall, text: string): Record<string, unknown> {
  return { role: 'tool', tool_call_id: call.id, name: call.name, content: text };
}
