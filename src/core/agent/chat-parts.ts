import os from 'node:os';
import Database from 'better-sqlite3';
import type { LoadedConfig } from '../config/load';
import type { AiosConfig } from '../config/schema';
import type { Env } from '../config/paths';
import { ConversationStore } from '../conversation/store';
import type { CommandEnvironment } from '../environment';
import { aiosOwnSecrets, type SecretFileContext } from '../environment/secret-files';
import { Executor } from '../executor/executor';
import type { Sandbox } from '../executor/sandbox';
import { Gate, quietJail, type ApprovalRequest, type Approver, type CommandPolicy, type Emit } from '../gate';
import { CORE_BUSY_WAIT_MS } from '../memory/connection';
import { DeferredWriter, type SavingState } from '../memory/deferred-writer';
import { CommandLog } from '../memory/history';
import { openMemoryStore, type MemoryStore } from '../memory/store';
import { protectedContext } from '../policy';
import type { Transactions } from '../transaction/hook';
import { previewerFor } from '../preview/previewer';
import { Agent } from './agent';
import type { LlmClient } from './llm';
import type { ProviderState } from './provider';
import { ToolSet, type ExternalTools } from './tools';

/** What opening the chat assembles: the agent, the gate and, when the memory file can be used, its stores. */
export interface ChatParts {
  agent: Agent;
  gate: Gate;
  conversations: ConversationStore;
  writer: DeferredWriter;
  memory?: MemoryStore;
  /** The command history (the `aios_command_history` table), not the conversation. */
  commandLog?: CommandLog;
  /** The conversation's own in-memory database when the memory file cannot be used. */
  conversationDb?: Database.Database;
  /** Why the memory file could not be opened, when it could not. */
  memoryOpenError?: string;
}

export interface ChatPartsOptions {
  config: LoadedConfig;
  env: Env;
  ai: AiosConfig['ai'];
  cwd: string;
  sessionId: string;
  emit: Emit;
  policy: () => Promise<CommandPolicy>;
  provider: () => Promise<ProviderState>;
  approver: Approver;
  /** Asks the page for an edited command when `approver` (a native box) cannot take text. */
  editor?: Approver;
  /** Writes an "always allow" rule into the person's config.toml. */
  remember: (rule: NonNullable<ApprovalRequest['remember']>) => void;
  onSaving: (state: SavingState) => void;
  external?: ExternalTools;
  executor?: Executor;
  commandEnv?: CommandEnvironment;
  sandbox?: Sandbox;
  llmFactory?: (p: Extract<ProviderState, { kind: 'ready' }>) => LlmClient;
  log?: (line: string) => void;
  /** The undo store, always (its records are hidden from previews); commands run as transactions only when `[transactions] enabled`. */
  transactions?: Transactions;
}

/** The well-known secret files and aios's own (the web host's secret, credentials), masked in every jail. */
export function secretFileContext(config: LoadedConfig, env: Env): SecretFileContext {
  return { ...(env.HOME ? { home: env.HOME } : {}), ownSecrets: aiosOwnSecrets(config.paths, env) };
}

/**
 * Opens the memory file (or, when it cannot be used, keeps the conversation
 * in memory and says so) and assembles the stores, the gate, the tools and
 * the agent.
 */
export function assembleChat(o: ChatPartsOptions): ChatParts {
  const { config, paths } = o.config;
  const secrets = o.commandEnv?.secrets;
  const redact = secrets ? (text: string) => secrets.redact(text) : undefined;
  let memory: MemoryStore | undefined;
  let commandLog: CommandLog | undefined;
  let memoryOpenError: string | undefined;
  try {
    memory = openMemoryStore(paths.memoryDb);
    commandLog = new CommandLog(memory, redact);
  } catch (err) {
    memoryOpenError = (err as Error).message;
    o.log?.(`memory: ${memoryOpenError}`);
    o.emit('chat.notice', {
      turnId: null,
      level: 'warning',
      message: `the memory file cannot be used: ${memoryOpenError}. Memory and history are off, and this conversation will not survive a restart`,
    });
  }
  if (memory?.readOnlyBecause) {
    o.emit('chat.notice', {
      turnId: null,
      level: 'warning',
      message: `${memory.readOnlyBecause.message}. This conversation will not survive a restart`,
    });
  }
  const conversationDb = memory ? undefined : new Database(':memory:');
  const db = memory ? memory.connection : conversationDb!;
  // Short busy waits on this thread: a lock held elsewhere slows only the write (retried later), never the event loop.
  if (memory && !memory.readonly) db.pragma(`busy_timeout = ${CORE_BUSY_WAIT_MS}`);
  // One writer for the conversation and the command history, on one connection: writes it holds commit with the next.
  // One transaction function for every batch (better-sqlite3 builds one per `db.transaction` call).
  const inTransaction = db.transaction((fn: () => void) => fn());
  const writer = new DeferredWriter({ path: paths.memoryDb, onState: o.onSaving, transaction: (fn) => inTransaction.immediate(fn) });
  commandLog?.useWriter(writer);
  const conversations = new ConversationStore(db, undefined, { writer, redact });
  const home = o.env.HOME;
  const secretFiles = secretFileContext(o.config, o.env);
  const commandEnv = o.commandEnv;
  const gate = new Gate({
    policy: o.policy,
    executor:
      o.executor ??
      new Executor({
        ...(commandEnv ? { env: commandEnv.env, secrets: commandEnv.secrets } : {}),
        ...(o.sandbox ? { sandbox: o.sandbox } : {}),
      }),
    jail: o.sandbox ? quietJail(o.sandbox, { home, ...protectedContext(o.config) }, secretFiles) : undefined,
    approver: o.approver,
    ...(o.editor ? { editor: o.editor } : {}),
    commandLog,
    emit: o.emit,
    approvalTimeoutMs: o.ai.approval_timeout_s * 1000,
    commandTimeoutMs: o.ai.command_timeout_s * 1000,
    cwd: o.cwd,
    home,
    sessionId: o.sessionId,
    rulesFile: o.config.file,
    remember: o.remember,
    ...(o.transactions && config.transactions.enabled ? { transactions: o.transactions } : {}),
    // The preview runs the command with the same scrubbed environment as the real run (never the provider key); aios's own secret files are masked in it.
    // The undo records (copies of what commands changed) stay out of the preview's sight too.
    preview: previewerFor(
      config.preview,
      commandEnv?.env ?? o.env,
      secrets,
      secretFiles,
      o.transactions ? [o.transactions.store.root] : undefined,
    ),
    onLogError: (err) =>
      o.emit('chat.notice', { turnId: null, level: 'warning', message: `could not write command history: ${err.message}` }),
  });
  const tools = new ToolSet({ memory, commandLog, external: o.external, redact });
  const agent = new Agent({
    ai: o.ai,
    machineName: config.general.name,
    user: o.env.USER ?? o.env.LOGNAME ?? os.userInfo().username,
    cwd: o.cwd,
    provider: o.provider,
    policy: o.policy,
    gate,
    tools,
    conversations,
    memory,
    emit: o.emit,
    llmFactory: o.llmFactory,
  });
  return { agent, gate, conversations, writer, memory, commandLog, conversationDb, memoryOpenError };
}
