import { connectClient, type ClientEventListener, type ConnectedClient } from './bridge/client';
import os from 'node:os';
import type { HostKind } from '../shared/contract';
import { APP_NAME, APP_VERSION } from '../shared/version';
import type { Handlers } from './bridge/dispatch';
import { EventBus } from './bridge/event-bus';
import { loadConfig, type LoadedConfig } from './config/load';
import type { Env } from './config/paths';
import { TerminalService } from './terminal/terminal-service';
import { ChatService, type ChatServiceOptions } from './agent/service';
import { loadPolicy } from './agent/policy-loader';
import { mcpExternalTools } from './agent/mcp-tools';
import { McpManager } from './mcp/manager';
import { appStatus } from './app-status';
import { StatusPublisher } from './status-publisher';
import type { EventName } from '../shared/contract';
import { SetupService } from './setup/setup-service';
import type { CommandPolicy } from './gate';
import { commandEnvironment, type CommandEnvironment } from './environment';
import { ownSecretValues, withProviderCredential } from './environment/held-secrets';
import { ownSecretsDir } from './environment/secret-files';
import { Sandbox } from './executor/sandbox';
import { workingDirectory } from './work-dir';

export interface CoreOptions {
  host: HostKind;
  env?: Env;
  /** An already loaded config (the CLI may have read `--config`). */
  config?: LoadedConfig;
  /** The permission policy for the chat; default: the PolicyEngine from config.toml. */
  policy?: () => Promise<CommandPolicy>;
  /** Where chat commands run and shells open; default: `workingDirectory(env)`. */
  cwd?: string;
  /** Chat test seams and tuning (Ollama probe address, executor, …). */
  chat?: Pick<ChatServiceOptions, 'ollamaUrl' | 'executor' | 'llmFactory' | 'log' | 'approver'>;
  /** Offer the tools of the servers in mcp.json to the model (default true). */
  mcp?: boolean;
}

/** Events after which the status may say something new: busy, provider health, memory rows and problems. */
const STATUS_EVENTS = new Set<EventName>(['chat.turnDone', 'chat.error', 'chat.notice', 'chat.commandStart', 'chat.commandDone']);

/** Calls that change busy, the provider or the conversation: the status is re-checked when they start and when they end. */
const STATUS_CALLS = new Set<string>(['chat.send', 'chat.run', 'chat.cancel', 'chat.clear', 'chat.approve', 'setup.saveProvider']);

function withStatusChange<T extends Record<string, (...args: never[]) => unknown>>(handlers: T, changed: () => void): T {
  const wrapped: Record<string, unknown> = { ...handlers };
  for (const [name, handler] of Object.entries(handlers)) {
    if (!STATUS_CALLS.has(name)) continue;
    wrapped[name] = async (...args: never[]) => {
      changed();
      try {
        return await handler(...args);
      } finally {
        changed();
      }
    };
  }
  return wrapped as T;
}

/**
 * The host-agnostic heart of aios: every service, and the handler table that
 * answers the bridge contract. A host (Electron, web, TTY) creates one Core,
 * forwards its events, and routes calls through `dispatchCall`.
 */
export class Core {
  readonly events = new EventBus();
  readonly config: LoadedConfig;
  readonly terminals: TerminalService;
  readonly handlers: Handlers;
  readonly chat: ChatService;
  readonly setup: SetupService;
  /** The one scrubbed environment of commands and shells, and the secrets redacted from their output. */
  readonly commandEnv: CommandEnvironment;
  /** Wall 1: bubblewrap for auto-allowed commands. */
  readonly sandbox: Sandbox;
  /** Pushes `app.statusChanged` when the status bar's facts change. */
  readonly status: StatusPublisher;
  /** Where the AI's commands run, shells open and relative paths are judged. */
  readonly workDir: string;
  private mcp: McpManager | undefined;

  constructor(readonly options: CoreOptions) {
    const given = options.env ?? process.env;
    this.config = options.config ?? loadConfig({ env: given });
    const config = this.config;
    // The provider key from the environment the host handed over, else from a systemd credential.
    const env = withProviderCredential(given, config.config.ai.api_key_env);
    this.workDir = options.cwd ?? workingDirectory(env);
    this.commandEnv = commandEnvironment(config.config, env);
    // aios's own secret files (the web host's signing secret) are redacted by every host.
    this.commandEnv.secrets.add(...ownSecretValues(ownSecretsDir(config.paths)));
    this.sandbox = new Sandbox({ bwrap: config.config.commands.bwrap, env, disabled: !config.config.commands.confine_auto_allowed });
    this.terminals = new TerminalService({
      events: this.events,
      cwd: this.workDir,
      env: this.commandEnv.env,
      secrets: this.commandEnv.secrets,
    });
    this.chat = new ChatService({
      config,
      env,
      commandEnv: this.commandEnv,
      sandbox: this.sandbox,
      emit: (name, payload) => this.events.emit(name, payload),
      // Built again after "always allow" or /permissions edits the rules: then config.toml is read afresh.
      policy: options.policy ?? ((reread?: boolean) => loadPolicy(reread ? loadConfig({ file: config.file, env }) : config)),
      external: () => {
        const mcp = this.mcpManager();
        return mcp && mcp.config.servers.length > 0 ? mcpExternalTools(mcp) : undefined;
      },
      cwd: this.workDir,
      ...options.chat,
    });
    this.setup = new SetupService({
      config,
      env,
      ...(options.chat?.ollamaUrl ? { ollamaUrl: options.chat.ollamaUrl } : {}),
      applyAi: (ai) => this.chat.updateAi(ai),
    });
    const computeStatus = () =>
      appStatus({
        machine: os.hostname(),
        memoryDb: config.paths.memoryDb,
        config,
        chat: this.chat,
        mcp: this.mcpManager(),
        env,
        sandbox: this.sandbox,
      });
    this.status = new StatusPublisher({
      compute: computeStatus,
      publish: (status) => this.events.emit('app.statusChanged', status),
      onError: (err) => options.chat?.log?.(`status: ${err instanceof Error ? err.message : String(err)}`),
    });
    this.events.onAny((name) => {
      if (STATUS_EVENTS.has(name)) this.status.changed();
    });
    this.handlers = {
      ...withStatusChange(this.chat.handlers(), () => this.status.changed()),
      ...withStatusChange(this.setup.handlers(), () => this.status.changed()),
      'app.info': () => ({
        name: APP_NAME,
        version: APP_VERSION,
        host: options.host,
        platform: `${os.type()} ${os.release()}`,
        machine: os.hostname(),
        configDir: this.config.paths.configDir,
        configFile: this.config.file,
        dataDir: this.config.paths.dataDir,
        memoryDb: this.config.paths.memoryDb,
        fontSize: this.config.config.ui.font_size,
        theme: this.config.config.ui.theme,
      }),
      'app.status': computeStatus,
      'terminal.open': (req, ctx) => this.terminals.open(req, ctx.clientId),
      'terminal.write': async (req) => (await this.terminals.write(req.id, req.data), null),
      'terminal.resize': (req) => (this.terminals.resize(req.id, req.cols, req.rows), null),
      'terminal.ack': (req, ctx) => (this.terminals.ack(req.id, req.chars, ctx.clientId), null),
      'terminal.close': (req) => (this.terminals.close(req.id), null),
    };
  }

  /** The servers of mcp.json; created on first need, and never started just by asking. */
  private mcpManager(): McpManager | undefined {
    if (this.options.mcp === false) return undefined;
    const { config } = this;
    this.mcp ??= new McpManager({
      configFile: config.paths.mcpConfigFile,
      env: this.options.env ?? process.env,
      // aigpt's stand-in must use the same memory file as the chat, also under --config.
      builtinMemory: { dbPath: config.paths.memoryDb },
      ...(this.options.chat?.log ? { log: this.options.chat.log } : {}),
      onChange: () => this.status.changed(),
    });
    return this.mcp;
  }

  /**
   * A UI connects: its calls go through the contract as `clientId`, its
   * events (if it wants them pushed) to `onEvent`, and `close()` releases
   * what the core holds for it (terminal flow control, event subscription).
   */
  connect(clientId: string, onEvent?: ClientEventListener): ConnectedClient {
    return connectClient(this, clientId, onEvent);
  }

  dispose(): void {
    this.status.stop();
    this.terminals.dispose();
    void this.chat.dispose();
    void this.mcp?.close();
  }

  /** As dispose, and waits until the chat has stopped and the memory file is closed. */
  async close(): Promise<void> {
    this.status.stop();
    this.terminals.dispose();
    await this.chat.dispose();
    await this.mcp?.close();
  }
}
