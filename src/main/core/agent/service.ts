import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { DeltaBatcher } from './delta-batch';
import { BridgeError, type AppStatus, type CallResponse, type PersonRules, type UndoResult } from '../../../shared/contract';
import type { Handler } from '../bridge/dispatch';
import type { LoadedConfig } from '../config/load';
import type { AiosConfig } from '../config/schema';
import type { Env } from '../config/paths';
import { ConversationStore } from '../conversation/store';
import { answerInterruptedCalls, INTERRUPTED_BY_CRASH } from '../conversation/interrupted';
import type { CommandEnvironment } from '../environment';
import { Executor } from '../executor/executor';
import { confinementFor, type Sandbox } from '../executor/sandbox';
import { aiosOwnSecrets, type SecretFileContext } from '../environment/secret-files';
import { previewerFor } from '../preview/previewer';
import { runUndo } from '../transaction/actions';
import { factsOf, historyEffects, Transactions } from '../transaction/hook';
import { HistoryStore } from '../memory/history';
import { openMemoryStore, type MemoryStore } from '../memory/store';
import { CORE_BUSY_WAIT_MS } from '../memory/connection';
import { DeferredWriter, isTransientStorageError, type SavingState } from '../memory/deferred-writer';
import { Agent, AgentBusyError } from './agent';
import { CommandRunner, SHUTDOWN, type CommandRunnerOptions } from './command-runner';
import type { LlmClient } from './llm';
import { resolveProvider, type ProviderState } from './provider';
import { PendingApprovals } from './pending-approvals';
import { saveAttachment } from './attachments';
import { ToolGate } from './tool-gate';
import { protectedContext } from '../policy';
import { editRulesFile, readPersonRules, withRuleAdded, withRuleRemoved } from '../policy/rules-file';
import { ToolSet, type ExternalTools } from './tools';
import { commandRecordsFor } from './command-records';
import type { ApprovalRequest, Approver, CommandPolicy, Emit } from './types';

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
const PROVIDER_FAILURES = new Set(['connection', 'auth', 'timeout', 'not_found', 'server', 'rate_limit', 'stream_cut', 'stream_error', 'setup']);

type ChatHandlers = {
  'chat.send': Handler<'chat.send'>;
  'chat.cancel': Handler<'chat.cancel'>;
  'chat.history': Handler<'chat.history'>;
  'chat.message': Handler<'chat.message'>;
  'chat.approve': Handler<'chat.approve'>;
  'permissions.list': Handler<'permissions.list'>;
  'permissions.remove': Handler<'permissions.remove'>;
  'chat.run': Handler<'chat.run'>;
  'chat.clear': Handler<'chat.clear'>;
  'chat.attach': Handler<'chat.attach'>;
  'memory.list': Handler<'memory.list'>;
  'history.list': Handler<'history.list'>;
  'undo.run': Handler<'undo.run'>;
};

/** What opening the chat assembles: the agent and, when the memory file can be used, its stores. */
export interface ChatParts {
  agent: Agent;
  runner: CommandRunner;
  memory?: MemoryStore;
  /** The command history (the `aios_command_history` table), not the conversation. */
  commands?: HistoryStore;
  conversationDb?: Database.Database;
}

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
  private writer: DeferredWriter | undefined;
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

  private personRules(): PersonRules {
    const file = this.o.config.file;
    try {
      return { file, rules: readPersonRules(file) };
    } catch (err) {
      throw new BridgeError('invalid_request', err instanceof Error ? err.message : String(err));
    }
  }

  /** Edits the person's rules in config.toml and builds the policy again, so the next command sees the change. */
  private editRules(edit: (text: string) => string): void {
    try {
      editRulesFile(this.o.config.file, edit);
    } catch (err) {
      throw new BridgeError('invalid_request', err instanceof Error ? err.message : String(err));
    }
    this.rulesEdited = true;
    this.policyPromise = undefined;
  }

  private rememberRule(rule: NonNullable<ApprovalRequest['remember']>): void {
    this.editRules((text) => withRuleAdded(text, { list: rule.list, pattern: rule.pattern }, this.o.config.file));
    this.emit('chat.notice', { turnId: null, level: 'info', message: `remembered: ${rule.list} ${JSON.stringify(rule.pattern)} in ${this.o.config.file} (/permissions lists and removes it)` });
  }

  private confine(cwd: string): ReturnType<NonNullable<CommandRunnerOptions['confine']>> {
    const status = this.o.sandbox?.status();
    if (!status?.available) return { unavailable: status ? `bubblewrap unavailable: ${status.reason}` : 'no sandbox' };
    return confinementFor(cwd, { ...(this.o.env.HOME ? { home: this.o.env.HOME } : {}), ...protectedContext(this.o.config) }, this.secretFileContext());
  }

  /** The well-known secret files and aios's own (the web host's secret, credentials), masked in every jail. */
  /** `[transactions]`: the commands' scrubbed environment, the policy's protected places, records in the data folder. */
  transactions(): Transactions {
    const env = this.o.commandEnv?.env ?? this.o.env;
    const secrets = this.o.commandEnv?.secrets;
    this.transactions_ ??= new Transactions(this.o.config.config.transactions, {
      dataDir: this.o.config.paths.dataDir,
      env,
      ...(secrets ? { secrets } : {}),
      secretFiles: this.secretFileContext(),
      protect: { ...(this.o.env.HOME ? { home: this.o.env.HOME } : {}), ...protectedContext(this.o.config) },
    });
    return this.transactions_;
  }

  private transactions_: Transactions | undefined;

  private secretFileContext(): SecretFileContext {
    return { ...(this.o.env.HOME ? { home: this.o.env.HOME } : {}), ownSecrets: aiosOwnSecrets(this.o.config.paths, this.o.env) };
  }

  /**
   * Opens the memory file and assembles the agent, once; later calls return
   * the same parts. Nothing opens the file before this is called (hosts call
   * it on the first chat call; the status asks `opened` instead).
   */
  open(): ChatParts {
    if (this.parts) return this.parts;
    const { config, paths } = this.o.config;
    const ai = this.ai;
    let memory: MemoryStore | undefined;
    let history: HistoryStore | undefined;
    let conversationDb: Database.Database | undefined;
    try {
      memory = openMemoryStore(paths.memoryDb);
      const historySecrets = this.o.commandEnv?.secrets;
      history = new HistoryStore(memory, historySecrets ? (text) => historySecrets.redact(text) : undefined);
    } catch (err) {
      this.o.log?.(`memory: ${(err as Error).message}`);
      this.memoryOpenError = (err as Error).message;
      this.emit('chat.notice', {
        turnId: null,
        level: 'warning',
        message: `the memory file cannot be used: ${(err as Error).message}. Memory and history are off, and this conversation will not survive a restart`,
      });
    }
    if (memory?.readOnlyBecause) {
      this.memoryTrouble = memory.readOnlyBecause.message;
      this.emit('chat.notice', { turnId: null, level: 'warning', message: `${memory.readOnlyBecause.message}. This conversation will not survive a restart` });
    }
    const db = memory ? memory.connection : (conversationDb = new Database(':memory:'));
    // Short busy waits on this thread: a lock held elsewhere slows only the write (retried later), never the event loop.
    if (memory && !memory.readonly) db.pragma(`busy_timeout = ${CORE_BUSY_WAIT_MS}`);
    const writer = (this.writer = new DeferredWriter({ path: paths.memoryDb, onState: (st) => this.savingChanged(st) }));
    history?.useWriter(writer);
    const storeSecrets = this.o.commandEnv?.secrets;
    const conversations = new ConversationStore(db, undefined, { writer, ...(storeSecrets ? { redact: (text: string) => storeSecrets.redact(text) } : {}) });
    const machine = config.general.name;
    const runner = new CommandRunner({
      policy: () => this.policy(),
      executor: this.o.executor ?? new Executor({ ...(this.o.commandEnv ? { env: this.o.commandEnv.env, secrets: this.o.commandEnv.secrets } : {}), ...(this.o.sandbox ? { sandbox: this.o.sandbox } : {}) }),
      ...(this.o.sandbox ? { confine: (cwd: string) => this.confine(cwd) } : {}),
      approver: this.o.approver ?? this.approvals,
      ...(history ? { history } : {}),
      emit: this.emit,
      approvalTimeoutMs: ai.approval_timeout_s * 1000,
      commandTimeoutMs: ai.command_timeout_s * 1000,
      ...(this.o.env.HOME ? { home: this.o.env.HOME } : {}),
      sessionId: this.sessionId,
      rulesFile: this.o.config.file,
      remember: (rule) => this.rememberRule(rule),
      // The preview runs the command with the same scrubbed environment as the real run (never the provider key); aios's own secret files are masked in it.
      // The undo records (copies of what commands changed) stay out of the preview's sight too.
      preview: previewerFor(config.preview, this.o.commandEnv?.env ?? this.o.env, this.o.commandEnv?.secrets, this.secretFileContext(), [this.transactions().store.root]),
      ...(config.transactions.enabled ? { transactions: this.transactions() } : {}),
      onHistoryError: (err) => this.emit('chat.notice', { turnId: null, level: 'warning', message: `could not write command history: ${err.message}` }),
    });
    const gate = new ToolGate({
      policy: () => this.policy(),
      approver: this.o.approver ?? this.approvals,
      ...(history ? { history } : {}),
      emit: this.emit,
      approvalTimeoutMs: ai.approval_timeout_s * 1000,
      cwd: this.cwd,
      ...(this.o.env.HOME ? { home: this.o.env.HOME } : {}),
      sessionId: this.sessionId,
      onHistoryError: (err) => this.emit('chat.notice', { turnId: null, level: 'warning', message: `could not write command history: ${err.message}` }),
    });
    const external = this.o.external?.();
    const secrets = this.o.commandEnv?.secrets;
    const tools = new ToolSet({
      ...(memory ? { memory } : {}),
      ...(history ? { history } : {}),
      ...(external ? { external } : {}),
      ...(secrets ? { redact: (text: string) => secrets.redact(text) } : {}),
    });
    const agent = new Agent({
      ai,
      machineName: machine,
      user: this.o.env.USER ?? this.o.env.LOGNAME ?? os.userInfo().username,
      cwd: this.cwd,
      provider: () => this.provider(),
      policy: () => this.policy(),
      runner,
      gate,
      tools,
      conversations,
      ...(memory ? { memory } : {}),
      emit: this.emit,
      ...(this.o.llmFactory ? { llmFactory: this.o.llmFactory } : {}),
    });
    this.recoverInterrupted(writer, history, conversations, agent.currentConversation);
    this.parts = { agent, runner, ...(memory ? { memory } : {}), ...(history ? { commands: history } : {}), ...(conversationDb ? { conversationDb } : {}) };
    return this.parts;
  }

  /** Saving stopped (the file refuses writes), resumed, or had to drop waiting writes: the status and the chat say so. */
  private savingChanged(st: SavingState): void {
    const file = this.o.config.paths.memoryDb;
    if (st.dropped > 0) {
      this.emit('chat.notice', { turnId: null, level: 'warning', message: `not saving: ${st.dropped} waiting writes to ${file} were dropped (too many waiting); newer ones are kept` });
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
      this.emit('chat.notice', { turnId: null, level: 'info', message: `saving again: ${file} takes writes; everything that waited is saved` });
    }
  }

  /**
   * After a crash: history rows a dead aios left running become
   * `interrupted`, and the calls of the conversation that never got a result
   * get one saying so (the model learns it on the next request).
   */
  private recoverInterrupted(writer: DeferredWriter, history: HistoryStore | undefined, conversations: ConversationStore, conversationId: string): void {
    // Through the writer: a file locked at start is swept (in order with everything after) once it takes writes.
    writer.write('crash recovery', () => {
      let marked: ReturnType<HistoryStore['sweepInterrupted']>;
      try {
        marked = history?.sweepInterrupted(INTERRUPTED_BY_CRASH) ?? [];
      } catch (err) {
        if (isTransientStorageError(err)) throw err;
        this.o.log?.(`could not mark interrupted calls: ${(err as Error).message}`);
        return;
      }
      this.interruptedCalls = marked.map((m) => ({ command: m.command, ran: m.ran }));
      const answered = answerInterruptedCalls(conversations, conversationId, history?.runningCallIds() ?? new Set());
      const names = [...new Set([...marked.map((m) => m.command), ...answered.map((a) => a.name)])];
      if (marked.length + answered.length === 0) return;
      this.o.log?.(`recovered after a crash: ${marked.length} history rows marked interrupted, ${answered.length} calls answered`);
      this.interruptedAtStart = `aios stopped (killed or crashed) while ${names.length === 1 ? 'this was' : 'these were'} running: ${names.slice(0, 5).join('; ')}${names.length > 5 ? ' …' : ''}. Marked interrupted in /history; check before running again.`;
      this.emit('chat.notice', { turnId: null, level: 'warning', message: this.interruptedAtStart });
    });
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

  async state(): Promise<CallResponse<'chat.history'>> {
    const { agent, commands: history } = this.open();
    const p = await this.provider();
    const messages = agent.history();
    return {
      conversationId: agent.currentConversation,
      messages,
      commands: commandRecordsFor(messages, history, (err) =>
        this.emit('chat.notice', { turnId: null, level: 'warning', message: `could not read command records: ${err.message}` }),
      ),
      provider: p.kind === 'ready' ? `${p.model} @ ${p.label}` : null,
      problem: p.kind === 'ready' ? null : p.message,
      busy: this.busy,
      approvals: this.approvals.list(),
      ...(this.interruptedCalls.length > 0 ? { interrupted: this.interruptedCalls } : {}),
    };
  }

  async runDirect(command: string): Promise<CallResponse<'chat.run'>> {
    if (this.direct) throw new BridgeError('unavailable', 'a direct command is already running');
    const { runner } = this.open();
    const controller = (this.direct = new AbortController());
    try {
      const o = await runner.run({ command, cwd: this.cwd, callId: `direct-${ulid()}`, turnId: null, signal: controller.signal });
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
    return {
      'chat.send': (req) => {
        try {
          return { turnId: this.open().agent.send(req.text).turnId };
        } catch (err) {
          if (err instanceof AgentBusyError) throw new BridgeError('unavailable', err.message);
          throw err;
        }
      },
      'chat.cancel': () => ({ cancelled: this.cancel() }),
      'chat.history': () => this.state(),
      'chat.message': (req) => {
        const text = this.open().agent.messageText(req.conversationId, req.seq);
        if (text === undefined) throw new BridgeError('not_found', `no message ${req.seq} in the current conversation (it was cleared or replaced): reload the page`);
        return { text };
      },
      'chat.approve': (req) => {
        if (!this.approvals.answer(req.requestId, req.approved, { remember: req.remember === true, ...(req.command !== undefined ? { edited: req.command } : {}) })) {
          throw new BridgeError('not_found', `no approval is waiting with id ${req.requestId} (already answered, expired or never asked)`);
        }
        return null;
      },
      'chat.run': (req) => this.runDirect(req.command),
      'permissions.list': () => this.personRules(),
      'permissions.remove': (req) => {
        this.editRules((text) => withRuleRemoved(text, req, this.o.config.file));
        return this.personRules();
      },
      'chat.clear': () => (this.open().agent.clear(), null),
      'chat.attach': (req) => saveAttachment(path.join(this.o.config.paths.dataDir, 'attachments'), req.text),
      'memory.list': (req) => {
        const m = this.open().memory;
        if (!m) return { problem: 'memory is off: the memory file cannot be used', items: [] };
        const limit = req.limit ?? 20;
        const found = req.query ? m.search(req.query, { limit }).map((h) => h.memory) : m.list({ limit });
        return { problem: null, items: found.map((x) => ({ id: x.id, content: x.content, createdAt: x.createdAt })) };
      },
      'history.list': (req) => {
        const h = this.open().commands;
        if (!h) return { problem: 'history is off: the memory file cannot be used', items: [] };
        const rows = h.query({ ...(req.query ? { text: req.query } : {}), limit: req.limit ?? 30 });
        return {
          problem: null,
          items: rows.map((r) => ({
            command: r.command,
            decision: r.decision,
            exitCode: r.exitCode,
            durationMs: r.durationMs,
            startedAt: r.startedAt,
            cwd: r.cwd,
            approver: r.approver,
            rule: r.matchedRule,
            signal: r.signal,
            callId: r.callId,
            conversationId: r.conversationId,
            state: r.state,
          })),
        };
      },
      'undo.run': (req) => this.undo(req),
    };
  }

  /** An undo (or redo) asked for by the person: done, and kept in the command history like a command. */
  private undo(req: { recordId?: string; redo?: boolean }): UndoResult {
    const out = runUndo(this.transactions().store, req);
    const history = this.open().commands;
    if (out.record && history) {
      const r = out.record;
      const at = new Date();
      const rowId = history.record({ command: r.command, decision: r.kind, approver: 'user', exitCode: 0, startedAt: at, endedAt: at, cwd: r.cwd, outputExcerpt: out.message, sessionId: this.sessionId });
      const facts = factsOf(r, r);
      history.setEffects(rowId, historyEffects(facts));
    }
    return { ok: out.ok, message: out.message, recordId: out.record?.id ?? null, undoFirst: out.undoFirst };
  }

  async dispose(): Promise<void> {
    this.cancel(SHUTDOWN);
    await this.parts?.agent.idle();
    // A last try for writes still waiting (a lock gone by now); what the file still refuses is said in the log.
    if (this.writer && !this.writer.flush()) this.o.log?.(`memory: ${this.writer.state.waiting} writes could not be saved before exit: ${this.writer.state.reason ?? ''}`);
    this.writer?.close();
    this.parts?.memory?.close();
    this.parts?.conversationDb?.close();
    this.parts = undefined;
  }
}
