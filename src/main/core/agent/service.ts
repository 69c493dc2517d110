import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { BridgeError, type AppStatus, type CallResponse } from '../../../shared/contract';
import type { Handler } from '../bridge/dispatch';
import type { LoadedConfig } from '../config/load';
import type { AiosConfig } from '../config/schema';
import type { Env } from '../config/paths';
import { ConversationStore } from '../conversation/store';
import type { CommandEnvironment } from '../environment';
import { Executor } from '../executor/executor';
import { confinementFor, type Sandbox } from '../executor/sandbox';
import { previewerFor } from '../preview/previewer';
import { HistoryStore } from '../memory/history';
import { openMemoryStore, type MemoryStore } from '../memory/store';
import { Agent, AgentBusyError } from './agent';
import { CommandRunner, SHUTDOWN, type CommandRunnerOptions } from './command-runner';
import type { LlmClient } from './llm';
import { resolveProvider, type ProviderState } from './provider';
import { PendingApprovals } from './pending-approvals';
import { saveAttachment } from './attachments';
import { ToolGate } from './tool-gate';
import { protectedContext } from '../policy';
import { ToolSet, type ExternalTools } from './tools';
import { commandRecordsFor } from './command-records';
import type { Approver, CommandPolicy, Emit } from './types';

export interface ChatServiceOptions {
  config: LoadedConfig;
  env: Env;
  emit: Emit;
  /** Builds the permission policy (the PolicyEngine) once, on first use. */
  policy: () => Promise<CommandPolicy>;
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
const PROVIDER_FAILURES = new Set(['connection', 'auth', 'timeout', 'not_found', 'server', 'rate_limit', 'stream_cut']);

type ChatHandlers = {
  'chat.send': Handler<'chat.send'>;
  'chat.cancel': Handler<'chat.cancel'>;
  'chat.history': Handler<'chat.history'>;
  'chat.approve': Handler<'chat.approve'>;
  'chat.run': Handler<'chat.run'>;
  'chat.clear': Handler<'chat.clear'>;
  'chat.attach': Handler<'chat.attach'>;
  'memory.list': Handler<'memory.list'>;
  'history.list': Handler<'history.list'>;
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
  private direct: AbortController | undefined;
  private readonly cwd: string;
  private readonly sessionId = ulid();
  private ai: AiosConfig['ai'];
  private providerFailure: string | null = null;
  private memoryTrouble: string | null = null;
  /** Every event of the chat passes here, so the status can say what really happened last. */
  private readonly emit: Emit = (name, payload) => {
    this.observe(name, payload);
    this.o.emit(name, payload);
  };

  constructor(private readonly o: ChatServiceOptions) {
    this.approvals = new PendingApprovals(this.emit);
    this.cwd = o.cwd ?? process.cwd();
    this.ai = o.config.config.ai;
  }

  /** The memory file refused a write during this session (the chat went on in memory), and why. */
  get memoryProblem(): string | null {
    return this.memoryTrouble;
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
    this.policyPromise ??= this.o.policy();
    return this.policyPromise;
  }

  /** Where the rules come from, for the status bar; builds the policy if no turn has yet. */
  async policyStatus(): Promise<NonNullable<AppStatus['policy']>> {
    const p = await this.policy();
    return { shipped: p.replaceShipped ? 'replaced' : 'floor', fallback: p.fallback ?? false, profile: p.profile ?? null };
  }

  private confine(cwd: string): ReturnType<NonNullable<CommandRunnerOptions['confine']>> {
    const status = this.o.sandbox?.status();
    if (!status?.available) return { unavailable: status ? `bubblewrap unavailable: ${status.reason}` : 'no sandbox' };
    return confinementFor(cwd, { ...(this.o.env.HOME ? { home: this.o.env.HOME } : {}), ...protectedContext(this.o.config) });
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
      history = new HistoryStore(memory);
    } catch (err) {
      this.o.log?.(`memory: ${(err as Error).message}`);
      this.emit('chat.notice', {
        turnId: null,
        level: 'warning',
        message: `the memory file ${paths.memoryDb} cannot be used (${(err as Error).message}); memory and history are off, and this conversation will not survive a restart`,
      });
    }
    const db = memory ? memory.connection : (conversationDb = new Database(':memory:'));
    const conversations = new ConversationStore(db, undefined, {
      onDegraded: (reason) => {
        this.memoryTrouble = `${paths.memoryDb} cannot be written (${reason})`;
        this.emit('chat.notice', {
          turnId: null,
          level: 'warning',
          message: `the memory file ${paths.memoryDb} cannot be written (${reason}); the chat goes on without saving: this conversation will not survive a restart`,
        });
      },
    });
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
      preview: previewerFor(config.preview, this.o.commandEnv?.env ?? this.o.env, this.o.commandEnv?.secrets),
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
    this.parts = { agent, runner, ...(memory ? { memory } : {}), ...(history ? { commands: history } : {}), ...(conversationDb ? { conversationDb } : {}) };
    return this.parts;
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
      'chat.approve': (req) => {
        if (!this.approvals.answer(req.requestId, req.approved)) {
          throw new BridgeError('not_found', `no approval is waiting with id ${req.requestId} (already answered, expired or never asked)`);
        }
        return null;
      },
      'chat.run': (req) => this.runDirect(req.command),
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
          })),
        };
      },
    };
  }

  async dispose(): Promise<void> {
    this.cancel(SHUTDOWN);
    await this.parts?.agent.idle();
    this.parts?.memory?.close();
    this.parts?.conversationDb?.close();
    this.parts = undefined;
  }
}
