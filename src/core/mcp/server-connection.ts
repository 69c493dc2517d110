import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { APP_VERSION } from '../../shared/version';
import type { Env } from '../config/paths';
import type { McpServerConfig } from './config';
import { findExecutable } from '../executable';
import { ProcessGroupStdioTransport } from './process-group-transport';

export type McpServerState = 'idle' | 'starting' | 'ready' | 'restarting' | 'failed' | 'disabled' | 'misconfigured' | 'closed';

export interface McpServerStatus {
  name: string;
  transport: 'stdio' | 'http' | 'builtin';
  state: McpServerState;
  /** What went wrong last, in words a person can act on. */
  lastError?: string;
  /** Standing remarks, e.g. that the built-in store stands in for aigpt. */
  note?: string;
  /** Namespaced `server__tool` names, once the server has been asked. */
  tools: string[];
  restarts: number;
  pid?: number;
  /** The last lines the server wrote to stderr. */
  stderrTail: string[];
  /** When the next start may be tried (after a failure), ISO time. */
  retryAt?: string;
}

export type McpErrorKind = 'unknown-tool' | 'unavailable' | 'timeout' | 'cancelled' | 'failed';

export class McpServerError extends Error {
  override readonly name = 'McpServerError';
  constructor(
    readonly kind: McpErrorKind,
    readonly server: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`MCP server '${server}': ${message}`, options);
  }
}

export interface Builtin {
  transport: Transport;
  close: () => void;
  /** e.g. the memory file it serves. */
  describe: string;
}

export interface ConnectionDeps {
  env: Env;
  log: (line: string) => void;
  timeouts: { connectMs: number; listMs: number; callMs: number };
  backoff: { initialMs: number; maxMs: number; maxAttempts: number };
  /** Stands in for aigpt when it is not installed. */
  builtinForAigpt?: () => Promise<Builtin>;
  /** Says a sentence once per manager (aigpt's absence is news once, not every turn). */
  sayOnce: (key: string, line: string) => void;
  /** A server's state changed (the status bar is told). */
  onChange?: () => void;
}

/** Variables passed to stdio servers (nothing else of aios's environment reaches them). */
const PASSED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'LANG',
  'LC_ALL',
  'TZ',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_RUNTIME_DIR',
  'AIOS_CONFIG_DIR',
  'AIOS_DATA_DIR',
];
const STDERR_LINES = 20;
/** A server that ran this long before crashing starts its backoff afresh. */
const STABLE_MS = 60_000;

export function childEnv(env: Env, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of PASSED_ENV) {
    const v = env[k];
    if (v !== undefined) out[k] = v;
  }
  return { ...out, ...extra };
}

export class ServerConnection {
  private current: McpServerState = 'idle';
  private get state(): McpServerState {
    return this.current;
  }
  /** Every change is reported, so the status the UIs show follows the server. */
  private set state(next: McpServerState) {
    if (next === this.current) return;
    this.current = next;
    this.deps.onChange?.();
  }
  private client: Client | undefined;
  private builtin: Builtin | undefined;
  private starting: Promise<Client> | undefined;
  private toolList: Tool[] | undefined;
  private lastError: string | undefined;
  private note: string | undefined;
  private attempts = 0;
  private restarts = 0;
  private retryAt = 0;
  private readyAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Set while a start was begun by the restart timer, so its failure keeps the backoff going. */
  private autoRestart = false;
  private pid: number | undefined;
  private readonly stderrTail: string[] = [];

  constructor(
    readonly config: McpServerConfig,
    private readonly deps: ConnectionDeps,
    problems: string[],
  ) {
    this.state = problems.length > 0 ? 'misconfigured' : config.disabled ? 'disabled' : 'idle';
    if (problems.length > 0) this.lastError = problems.join('; ');
  }

  get name(): string {
    return this.config.name;
  }

  status(): McpServerStatus {
    return {
      name: this.name,
      transport: this.builtin ? 'builtin' : this.config.transport,
      state: this.state,
      lastError: this.lastError,
      note: this.note,
      tools: (this.toolList ?? []).map((t) => `${this.name}__${t.name}`),
      restarts: this.restarts,
      ...(this.pid !== undefined && this.state === 'ready' ? { pid: this.pid } : {}),
      stderrTail: [...this.stderrTail],
      ...(this.retryAt > Date.now() ? { retryAt: new Date(this.retryAt).toISOString() } : {}),
    };
  }

  /** Starts the server if needed (once, however many callers wait) and returns its client. */
  ensure(): Promise<Client> {
    if (this.client && this.state === 'ready') return Promise.resolve(this.client);
    if (this.starting) return this.starting;
    if (this.state === 'closed' || this.state === 'disabled' || this.state === 'misconfigured') {
      return Promise.reject(
        new McpServerError('unavailable', this.name, this.state === 'closed' ? 'closed' : (this.lastError ?? 'disabled in mcp.json')),
      );
    }
    const wait = this.retryAt - Date.now();
    if (wait > 0) {
      return Promise.reject(
        new McpServerError('unavailable', this.name, `${this.lastError ?? 'failed'}; next try in ${Math.ceil(wait / 1000)} s`),
      );
    }
    this.starting = this.start().finally(() => {
      this.starting = undefined;
      this.autoRestart = false;
    });
    return this.starting;
  }

  async tools(): Promise<Tool[]> {
    const client = await this.ensure();
    if (!this.toolList) this.toolList = await this.fetchTools(client);
    return this.toolList;
  }

  async call(
    tool: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<CallToolResult> {
    const client = await this.ensure();
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        signal: options.signal,
        timeout: options.timeoutMs ?? this.deps.timeouts.callMs,
      });
      return result as CallToolResult;
    } catch (err) {
      if (options.signal?.aborted) throw new McpServerError('cancelled', this.name, `${tool} was cancelled`, { cause: err });
      const message = err instanceof Error ? err.message : String(err);
      const kind: McpErrorKind = /timed out|timeout/i.test(message) ? 'timeout' : 'failed';
      throw new McpServerError(kind, this.name, `${tool}: ${message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => undefined);
    this.builtin?.close();
    this.builtin = undefined;
  }

  private async fetchTools(client: Client): Promise<Tool[]> {
    const all: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.deps.timeouts.listMs });
      all.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  private async makeTransport(): Promise<Transport> {
    const c = this.config;
    if (c.transport === 'http') return new StreamableHTTPClientTransport(new URL(c.url), { requestInit: { headers: c.headers } });
    const resolved = findExecutable(c.command, this.deps.env.PATH, c.cwd);
    if (!resolved) {
      if (path.basename(c.command) === 'aigpt' && this.deps.builtinForAigpt) {
        this.builtin = await this.deps.builtinForAigpt();
        this.note = `aigpt is not installed; serving its tools from aios's built-in memory store (${this.builtin.describe})`;
        this.deps.sayOnce('aigpt-missing', this.note);
        return this.builtin.transport;
      }
      throw new McpServerError('unavailable', this.name, `command not found: ${c.command} (not on PATH)`);
    }
    const transport = new ProcessGroupStdioTransport({
      command: resolved,
      args: c.args,
      env: childEnv(this.deps.env, c.env),
      cwd: c.cwd,
    });
    this.captureStderr(transport);
    return transport;
  }

  private captureStderr(transport: ProcessGroupStdioTransport): void {
    let partial = '';
    transport.stderr.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift();
        this.deps.log(`mcp ${this.name}: ${line}`);
      }
    });
  }

  private async start(): Promise<Client> {
    clearTimeout(this.timer);
    this.state = 'starting';
    this.toolList = undefined;
    const client = new Client({ name: 'aios', version: APP_VERSION }, { capabilities: {} });
    let transport: Transport | undefined;
    try {
      transport = await this.makeTransport();
      client.onclose = () => this.onClosed(client);
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        this.toolList = undefined;
      });
      await client.connect(transport, { timeout: this.deps.timeouts.connectMs });
      this.client = client;
      this.pid = transport instanceof ProcessGroupStdioTransport ? transport.pid : undefined;
      this.toolList = await this.fetchTools(client);
      this.state = 'ready';
      this.readyAt = Date.now();
      this.retryAt = 0;
      if (this.lastError !== undefined) this.deps.log(`mcp ${this.name}: running again`);
      this.lastError = undefined;
      return client;
    } catch (err) {
      this.client = undefined;
      client.onclose = undefined;
      await client.close().catch(() => undefined);
      this.builtin?.close();
      this.builtin = undefined;
      const message =
        err instanceof McpServerError ? err.message.replace(/^MCP server '[^']*': /, '') : err instanceof Error ? err.message : String(err);
      this.fail(`could not start: ${message}${this.stderrHint()}`, this.autoRestart);
      throw err instanceof McpServerError ? err : new McpServerError('failed', this.name, `could not start: ${message}`, { cause: err });
    }
  }

  private stderrHint(): string {
    const last = this.stderrTail[this.stderrTail.length - 1];
    return last ? ` (stderr: ${last})` : '';
  }

  private onClosed(client: Client): void {
    if (client !== this.client || this.state === 'closed') return;
    this.client = undefined;
    this.pid = undefined;
    if (this.config.transport === 'http' && !this.builtin) {
      this.state = 'idle';
      return;
    }
    if (Date.now() - this.readyAt > STABLE_MS) this.attempts = 0;
    this.fail(`exited unexpectedly${this.stderrHint()}`, true);
  }

  /**
   * Records a failure and decides when to try again. A server that crashed
   * is restarted by itself with growing delays (up to maxAttempts); one that
   * would not start is tried again on the next use after the delay.
   */
  private fail(message: string, crashed: boolean): void {
    this.lastError = message;
    this.attempts++;
    const { initialMs, maxMs, maxAttempts } = this.deps.backoff;
    const delay = Math.min(maxMs, initialMs * 2 ** (this.attempts - 1));
    this.retryAt = Date.now() + delay;
    this.deps.log(`mcp ${this.name}: ${message}`);
    if (crashed && this.attempts <= maxAttempts) {
      this.state = 'restarting';
      this.timer = setTimeout(() => {
        this.retryAt = 0;
        this.restarts++;
        this.autoRestart = true;
        this.ensure().catch(() => undefined);
      }, delay);
      this.timer.unref();
    } else {
      this.state = 'failed';
    }
  }
}
