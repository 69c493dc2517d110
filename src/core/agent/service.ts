import { ulid } from 'ulid';
import { DeltaBatcher } from './delta-batch';
import { BridgeError, type AppStatus, type CallResponse, type PersonRules, type UndoResult } from '../../shared/contract';
import type { LoadedConfig } from '../config/load';
import type { AiosConfig } from '../config/schema';
import type { Env } from '../config/paths';
import type { CommandEnvironment } from '../environment';
import type { Executor } from '../executor/executor';
import type { Sandbox } from '../executor/sandbox';
import { commandRecordsFor, PendingApprovals, SHUTDOWN, type ApprovalRequest, type Approver, type CommandPolicy, type Emit } from '../gate';
import type { SavingState } from '../memory/deferred-writer';
import { editRulesFile, readPersonRules, withRuleAdded } from '../policy/rules/rules-file';
import { protectedContext } from '../policy';
import { factsOf, historyEffects, Transactions } from '../transaction/hook';
import { assembleChat, secretFileContext, type ChatParts } from './chat-parts';
import { chatHandlers, type ChatHandlers } from './chat-handlers';
import { recoverInterrupted } from './crash-recovery';
import type { LlmClient } from './llm';
import { resolveProvider, type ProviderState } from './provider';
import type { ExternalTools } from './tools';

export type { ChatParts } from './chat-parts';

export interface ChatServiceOptions {
  config: LoadedConfig;
  env: Env;
  emit: Emit;
  /** Builds the permission policy (the PolicyEngine) once, on first use. */
  /** Builds the policy; `reread`: the rules in config.toml changed, read the file again. */
  policy: (reread?: boolean) => Promise<CommandPolicy>;
  /** MCP tools, when mcp.json configures servers. */
  external?: () => ExternalTools | undefined;
  cwd?: string;
  /** Where a local Ollama is probed; tests point it at a closed port. */
  ollamaUrl?: string;
  executor?: Executor;
  llmFactory?: (p: Extract<ProviderState, { kind: 'ready' }>) => LlmClient;
  log?: (line: string) => void;
  /**
   * Who answers approvals. Default: the bridge (`chat.approvalRequest` →
   * `chat.approve`). Electron may pass a native-dialog approver so the
   * decision never depends on the renderer.
   */
  approver?: Approver;
  /** The scrubbed environment and known secrets of commands (the core builds them once). */
  commandEnv?: CommandEnvironment;
  /** Auto-allowed commands run in it; without one they run unconfined (tests that bring their own executor). */
  sandbox?: Sandbox;
}

/** chat.error kinds that say the provider itself is unwell (not the person's input or a cancel). */
const PROVIDER_FAILURES = new Set([
  'connection',
  'auth',
  'timeout',
  'not_found',
  'server',
  'rate_limit',
  'stream_cut',
  'stream_error',
  'setup',
]);

/**
 * The chat as the bridge sees it: assembles the agent from config, policy,
 * executor, memory and history on first use (so hosts that never chat never
 * open the memory file), and answers the chat.* calls.
 */
export class ChatService {
  readonly approvals: PendingApprovals;
  private parts: ChatParts | undefined;
  private providerState: Promise<ProviderState> | undefined;
  private policyPromise: Promise<CommandPolicy> | undefined;
  /** The person's rules changed in config.toml since start: the policy is built from the file again. */
  private rulesEdited = false;
  private direct: AbortController | undefined;
  private readonly cwd: string;
  private readonly sessionId = ulid();
  private ai: AiosConfig['ai'];
  private providerFailure: string | null = null;
  private memoryTrouble: string | null = null;
  private interruptedAtStart: string | null = null;
  private memoryOpenError: string | null = null;
  private interruptedCalls: Array<{ command: string; ran: boolean }> = [];
  /** Every event of the chat passes here, so the status can say what really happened last. */
  private readonly emit: Emit = (name, payload) => {
    this.observe(name, payload);
    this.deltas.emit(name, payload);
  };
  /** Streamed text is joined for a few milliseconds before it goes to the hosts. */
  private readonly deltas = new DeltaBatcher((name, payload) => this.o.emit(name, payload));

  constructor(private readonly o: ChatServiceOptions) {
    this.approvals = new PendingApprovals(this.emit);
    this.cwd = o.cwd ?? process.cwd();
    this.ai = o.config.config.ai;
  }

  /** The memory file refused a write during this session (the chat went on in memory), and why. */
  get memoryProblem(): string | null {
    return this.memoryTrouble;
  }

  /** Why the memory file could not be opened at all (damaged, unreadable, not aigpt's), or null. */
  get memoryUnusable(): string | null {
    return this.memoryOpenError;
  }

  /** The last request to the model failed, and why; cleared by the next answer or a new provider. */
  get lastProviderFailure(): string | null {
    return this.providerFailure;
  }

  private observe(name: Parameters<Emit>[0], payload: unknown): void {
    if (name === 'chat.error') {
      const p = payload as { kind: string; message: string };
      if (PROVIDER_FAILURES.has(p.kind)) this.providerFailure = p.message;
    } else if (name === 'chat.turnDone' && (payload as { status: string }).status === 'done') {
      this.providerFailure = null;
    }
  }

  /** New [ai] settings (the setup form saved them): the next turn talks to the new provider. */
  async updateAi(ai: AiosConfig['ai']): Promise<{ provider: string | null; problem: string | null }> {
    this.ai = ai;
    this.providerState = undefined;
    this.providerFailure = null;
    this.parts?.agent.updateAi(ai);
    const p = await this.provider();
    return p.kind === 'ready' ? { provider: `${p.model} @ ${p.label}`, problem: null } : { provider: null, problem: p.message };
  }

  provider(): Promise<ProviderState> {
    this.providerState ??= resolveProvider(this.ai, { env: this.o.env, ...(this.o.ollamaUrl ? { ollamaUrl: this.o.ollamaUrl } : {}) });
    return this.providerState;
  }

  private policy(): Promise<CommandPolicy> {
    this.policyPromise ??= this.o.policy(this.rulesEdited);
    return this.policyPromise;
  }

  /** Where the rules come from, for the status bar; builds the policy if no turn has yet. */
  async policyStatus(): Promise<NonNullable<AppStatus['policy']>> {
    const p = await this.policy();
    return { shipped: p.replaceShipped ? 'replaced' : 'floor', fallback: p.fallback ?? false, profile: p.profile ?? null };
  }

  personRules(): PersonRules {
    const file = this.o.config.file;
    try {
      return { file, rules: readPersonRules(file) };
    } catch (err) {
      throw new BridgeError('invalid_request', err instanceof Error ? err.message : String(err));
    }
  }

  /** Edits the person's rules in config.toml and builds the policy again, so the next command sees the change. */
  editRules(edit: (text: string, file: string) => string): void {
    const file = this.o.config.file;
    try {
      editRulesFile(file, (text) => edit(text, file));
    } catch (err) {
      throw new BridgeError('invalid_request', err instanceof Error ? err.message : String(err));
    }
    this.rulesEdited = true;
    this.policyPromise = undefined;
  }

  private rememberRule(rule: NonNullable<ApprovalRequest['remember']>): void {
    this.editRules((text, file) => withRuleAdded(text, { list: rule.list, pattern: rule.pattern }, file));
    this.emit('chat.notice', {
      turnId: null,
      level: 'info',
      message: `remembered: ${rule.list} ${JSON.stringify(rule.pattern)} in ${this.o.config.file} (/permissions lists and removes it)`,
    });
  }

  private transactionStore: Transactions | undefined;

  /** `[transactions]`: the commands' scrubbed environment, the policy's protected places, records in the data folder. */
  transactions(): Transactions {
    const secrets = this.o.commandEnv?.secrets;
    this.transactionStore ??= new Transactions(this.o.config.config.transactions, {
      env: this.o.commandEnv?.env ?? this.o.env,
      ...(secrets ? { secrets } : {}),
      secretFiles: secretFileContext(this.o.config, this.o.env),
      protect: { ...(this.o.env.HOME ? { home: this.o.env.HOME } : {}), ...protectedContext(this.o.config) },
    });
    return this.transactionStore;
  }

  /** An undo (or redo) asked for by the person: done, and kept in the command history like a command. */
  undo(req: { recordId?: string | undefined; redo?: boolean | undefined }): UndoResult {
    const out = this.transactions().undo(req);
    const log = this.open().commandLog;
    if (out.record && log) {
      const r = out.record;
      const at = new Date();
      const rowId = log.record({
        command: r.command,
        decision: r.kind,
        approver: 'user',
        exitCode: 0,
        startedAt: at,
        endedAt: at,
        cwd: r.cwd,
        outputExcerpt: out.message,
        sessionId: this.sessionId,
      });
      log.setEffects(rowId, historyEffects(factsOf(r, r)));
    }
    return { ok: out.ok, message: out.message, recordId: out.record?.id ?? null, undoFirst: out.undoFirst };
  }

  /**
   * Opens the memory file and assembles the agent, once; later calls return
   * the same parts. Nothing opens the file before this is called (hosts call
   * it on the first chat call; the status asks `opened` instead).
   */
  open(): ChatParts {
    if (this.parts) return this.parts;
    const parts = assembleChat({
      config: this.o.config,
      env: this.o.env,
      ai: this.ai,
      cwd: this.cwd,
      sessionId: this.sessionId,
      emit: this.emit,
      policy: () => this.policy(),
      provider: () => this.provider(),
      approver: this.o.approver ?? this.approvals,
      // A native approver's Edit asks the page for the text only.
      ...(this.o.approver ? { editor: this.approvals } : {}),
      remember: (rule) => this.rememberRule(rule),
      onSaving: (st) => this.savingChanged(st),
      external: this.o.external?.(),
      executor: this.o.executor,
      commandEnv: this.o.commandEnv,
      sandbox: this.o.sandbox,
      llmFactory: this.o.llmFactory,
      log: this.o.log,
      transactions: this.transactions(),
    });
    if (parts.memoryOpenError !== undefined) this.memoryOpenError = parts.memoryOpenError;
    if (parts.memory?.readOnlyBecause) this.memoryTrouble = parts.memory.readOnlyBecause.message;
    this.parts = parts;
    recoverInterrupted(
      parts.writer,
      parts.commandLog,
      parts.conversations,
      parts.agent.currentConversation,
      (found) => {
        this.interruptedCalls = found.calls;
        if (!found.notice) return;
        this.interruptedAtStart = found.notice;
        this.emit('chat.notice', { turnId: null, level: 'warning', message: found.notice });
      },
      this.o.log,
    );
    return parts;
  }

  /** Saving stopped (the file refuses writes), resumed, or had to drop waiting writes: the status and the chat say so. */
  private savingChanged(st: SavingState): void {
    const file = this.o.config.paths.memoryDb;
    if (st.dropped > 0) {
      this.emit('chat.notice', {
        turnId: null,
        level: 'warning',
        message: `not saving: ${st.dropped} waiting writes to ${file} were dropped (too many waiting); newer ones are kept`,
      });
    }
    if (!st.saving) {
      this.memoryTrouble = `not saving: ${st.reason ?? 'the file refuses writes'}; ${st.waiting} waiting, retried until it takes them`;
      if (st.dropped === 0) {
        this.emit('chat.notice', {
          turnId: null,
          level: 'warning',
          message: `not saving: ${st.reason ?? file}. What is said and run is kept, in order, and saved when the file takes writes again`,
        });
      }
    } else {
      this.memoryTrouble = this.parts?.memory?.readOnlyBecause?.message ?? null;
      this.emit('chat.notice', {
        turnId: null,
        level: 'info',
        message: `saving again: ${file} takes writes; everything that waited is saved`,
      });
    }
  }

  /** What a crash of the previous aios left interrupted, in words (once per start), or null. */
  get interruptedNotice(): string | null {
    return this.interruptedAtStart;
  }

  /** The parts if the chat has been opened; never opens the memory file. */
  get opened(): ChatParts | undefined {
    return this.parts;
  }

  /** A turn or a direct command is running. */
  get busy(): boolean {
    return (this.parts?.agent.busy ?? false) || this.direct !== undefined;
  }

  async state(): Promise<CallResponse<'chat.state'>> {
    const { agent, commandLog } = this.open();
    const p = await this.provider();
    const messages = agent.conversation();
    return {
      conversationId: agent.currentConversation,
      messages,
      commands: commandRecordsFor(messages, commandLog, (err) =>
        this.emit('chat.notice', { turnId: null, level: 'warning', message: `could not read command records: ${err.message}` }),
      ),
      provider: p.kind === 'ready' ? `${p.model} @ ${p.label}` : null,
      problem: p.kind === 'ready' ? null : p.message,
      busy: this.busy,
      approvals: this.approvals.list(),
      ...(this.interruptedCalls.length > 0 ? { interrupted: this.interruptedCalls } : {}),
    };
  }

  async runDirect(command: string, how: { unconfined?: boolean } = {}): Promise<CallResponse<'chat.run'>> {
    if (this.direct) throw new BridgeError('unavailable', 'a direct command is already running');
    const { gate } = this.open();
    const controller = (this.direct = new AbortController());
    try {
      const o = await gate.pass({
        kind: 'command',
        command,
        cwd: this.cwd,
        callId: `direct-${ulid()}`,
        turnId: null,
        signal: controller.signal,
        ...(how.unconfined ? { unconfined: true } : {}),
      });
      return {
        command,
        decision: o.decision,
        rule: o.rule,
        ran: o.ran,
        exitCode: o.result?.exitCode ?? null,
        signal: o.result?.signal ?? null,
        output: o.result?.output ?? o.refusal ?? '',
      };
    } finally {
      this.direct = undefined;
    }
  }

  /** `reason`: SHUTDOWN when aios itself stops (a running command's card then says it was interrupted). */
  cancel(reason?: unknown): boolean {
    const a = this.parts?.agent.cancel(reason) ?? false;
    const d = this.direct !== undefined;
    this.direct?.abort(reason);
    return a || d;
  }

  handlers(): ChatHandlers {
    return chatHandlers(this, this.o.config.paths.dataDir);
  }

  async dispose(): Promise<void> {
    this.cancel(SHUTDOWN);
    await this.parts?.agent.idle();
    // A last try for writes still waiting (a lock gone by now); what the file still refuses is said in the log.
    const writer = this.parts?.writer;
    if (writer && !writer.flush())
      this.o.log?.(`memory: ${writer.state.waiting} writes could not be saved before exit: ${writer.state.reason ?? ''}`);
    writer?.close();
    this.parts?.memory?.close();
    this.parts?.conversationDb?.close();
    this.parts = undefined;
  }
}
