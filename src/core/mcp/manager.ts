import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../config/load';
import type { Env } from '../config/paths';
import { openMemoryStore } from '../memory/store';
import { loadMcpConfig, problemsFor, type LoadedMcpConfig, type McpConfigProblem } from './config';
import { createMemoryMcpServer } from './memory-server';
import { knownServerFor, type KnownServer, type ToolAnnotations } from '../policy/tool-judge';
import { McpServerError, ServerConnection, type Builtin, type ConnectionDeps, type McpServerStatus } from './server-connection';

/**
 * The MCP servers aios uses as tools, from mcp.json. Servers start on first
 * use, not at launch; a crashed one restarts with growing delays; each one's
 * state, last error, stderr and tools are in `status()`. Tools are offered
 * to the model as `server__tool`.
 */

export interface NamespacedTool {
  /** `server__tool`, as the model sees it. */
  name: string;
  server: string;
  /** The name the server knows it by. */
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The server's hints (readOnlyHint, destructiveHint, …): untrusted unless mcp.json trusts the server. */
  annotations?: ToolAnnotations;
  /** `"trust_annotations": true` for this server in mcp.json. */
  trustAnnotations: boolean;
  /** A server whose arguments aios knows (the filesystem server's paths). */
  known?: KnownServer;
}

export interface McpManagerOptions {
  configFile: string;
  /** For `${VAR}` expansion and what stdio servers get (HOME, XDG_CONFIG_HOME, AIOS_CONFIG_DIR, PATH, …). */
  env?: Env;
  log?: (line: string) => void;
  /**
   * When an entry runs `aigpt` and aigpt is not installed, serve the same
   * tools in-process from this memory file instead. Default: config.toml's
   * `[paths] memory_db`. `false` turns the stand-in off.
   */
  builtinMemory?: { dbPath: string; enableLayer4?: boolean } | false;
  timeouts?: Partial<ConnectionDeps['timeouts']>;
  backoff?: Partial<ConnectionDeps['backoff']>;
  /** A server's state changed. */
  onChange?: () => void;
}

const SEPARATOR = '__';

export class McpManager {
  readonly config: LoadedMcpConfig;
  private readonly connections = new Map<string, ServerConnection>();
  private readonly said = new Set<string>();
  private readonly log: (line: string) => void;
  private closed = false;

  constructor(options: McpManagerOptions) {
    const env = options.env ?? process.env;
    this.log = options.log ?? (() => undefined);
    this.config = loadMcpConfig(options.configFile, env);
    for (const p of this.config.problems) this.log(`mcp.json: ${p.server ? `${p.server}: ` : ''}${p.message}`);
    const builtin = options.builtinMemory ?? { dbPath: loadConfig({ env }).paths.memoryDb };
    const deps: ConnectionDeps = {
      env,
      log: this.log,
      timeouts: { connectMs: 30_000, listMs: 15_000, callMs: 120_000, ...options.timeouts },
      backoff: { initialMs: 1_000, maxMs: 60_000, maxAttempts: 5, ...options.backoff },
      ...(options.onChange ? { onChange: options.onChange } : {}),
      sayOnce: (key, line) => {
        if (this.said.has(key)) return;
        this.said.add(key);
        this.log(line);
      },
      ...(builtin ? { builtinForAigpt: () => startBuiltinMemory(builtin.dbPath, builtin.enableLayer4 ?? true, this.log) } : {}),
    };
    for (const server of this.config.servers) {
      const problems = problemsFor(server.name, this.config.problems).map((p) => p.message);
      this.connections.set(server.name, new ServerConnection(server, deps, problems));
    }
  }

  /** Problems found in mcp.json (servers with a problem are listed as misconfigured and not started). */
  get problems(): McpConfigProblem[] {
    return this.config.problems;
  }

  status(): McpServerStatus[] {
    return [...this.connections.values()].map((c) => c.status());
  }

  /**
   * Every tool of every server that can be started, namespaced. A server
   * that fails is left out (its status says why); the others still answer.
   */
  async listTools(): Promise<NamespacedTool[]> {
    this.assertOpen();
    const perServer = await Promise.all(
      [...this.connections.values()]
        .filter((c) => c.status().state !== 'disabled' && c.status().state !== 'misconfigured')
        .map(async (c) => {
          const cfg = this.config.servers.find((s) => s.name === c.name);
          const known = cfg?.transport === 'stdio' ? knownServerFor([cfg.command, ...cfg.args]) : undefined;
          try {
            return (await c.tools()).map((t): NamespacedTool => ({
              name: `${c.name}${SEPARATOR}${t.name}`,
              server: c.name,
              tool: t.name,
              description: t.description ?? '',
              inputSchema: t.inputSchema as Record<string, unknown>,
              annotations: t.annotations,
              trustAnnotations: cfg?.trustAnnotations ?? false,
              known,
            }));
          } catch {
            return [];
          }
        }),
    );
    return perServer.flat();
  }

  /** Calls `server__tool`. Throws McpServerError (unknown-tool, unavailable, timeout, cancelled, failed). */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<CallToolResult> {
    this.assertOpen();
    const at = name.indexOf(SEPARATOR);
    const server = at > 0 ? name.slice(0, at) : '';
    const tool = at > 0 ? name.slice(at + SEPARATOR.length) : '';
    const conn = this.connections.get(server);
    if (!conn || tool === '') throw new McpServerError('unknown-tool', server || name, `no tool ${name} (tools are named server__tool)`);
    const known = await conn.tools();
    if (!known.some((t) => t.name === tool)) throw new McpServerError('unknown-tool', server, `has no tool ${tool}`);
    return conn.call(tool, args, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }

  private assertOpen(): void {
    if (this.closed) throw new McpServerError('unavailable', '*', 'the MCP manager was closed');
  }
}

async function startBuiltinMemory(dbPath: string, enableLayer4: boolean, log: (line: string) => void): Promise<Builtin> {
  const memory = createMemoryMcpServer({ openStore: () => openMemoryStore(dbPath), enableLayer4, log: (line) => log(`memory: ${line}`) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await memory.server.connect(serverSide);
  return {
    transport: clientSide,
    describe: dbPath,
    close: () => {
      void memory.server.close().catch(() => undefined);
      memory.close();
    },
  };
}
