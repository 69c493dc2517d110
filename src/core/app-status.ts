import path from 'node:path';
import type { AppStatus } from '../shared/contract';
import type { ChatService } from './agent/service';
import type { LoadedConfig } from './config/load';
import type { Env } from './config/paths';
import { configState } from './setup/setup-service';
import { findExecutable } from './executable';
import type { McpManager } from './mcp/manager';
import type { McpServerStatus } from './mcp/server-connection';
import type { Sandbox } from './executor/sandbox';

export interface StatusSources {
  machine: string;
  memoryDb: string;
  config: LoadedConfig;
  chat: ChatService;
  /** Undefined when MCP is off for this core. */
  mcp: McpManager | undefined;
  env: Env;
  sandbox?: Sandbox;
}

/**
 * The status bar's view of the core. Asking never starts an MCP server;
 * memory rows come from the chat's own connection to the memory file.
 */
export async function appStatus(s: StatusSources): Promise<AppStatus> {
  const provider = await s.chat.provider();
  const policy = await s.chat.policyStatus().catch((): AppStatus['policy'] => ({ shipped: 'floor', fallback: true, profile: null }));
  const servers = s.mcp?.status() ?? [];
  let memory: AppStatus['memory'];
  // Asking for the status never opens the memory file: before the first chat call there are no rows to count.
  const opened = s.chat.opened;
  try {
    if (!opened) memory = { kind: servesAigpt(s) ? 'aigpt' : 'builtin', path: s.memoryDb, rows: null, problem: null };
    else if (!opened.memory)
      throw new Error(s.chat.memoryUnusable ?? 'the memory file cannot be opened (see the notice in the conversation)');
    else
      memory = { kind: servesAigpt(s) ? 'aigpt' : 'builtin', path: s.memoryDb, rows: opened.memory.count(), problem: s.chat.memoryProblem };
  } catch (err) {
    memory = { kind: 'off', path: s.memoryDb, rows: null, problem: err instanceof Error ? err.message : String(err) };
  }
  return {
    machine: s.machine,
    provider: provider.kind === 'ready' ? `${provider.model} @ ${provider.label}` : null,
    problem: provider.kind === 'ready' ? null : provider.message,
    providerError: provider.kind === 'ready' ? s.chat.lastProviderFailure : null,
    busy: s.chat.busy,
    config: configState(s.config),
    ...(policy ? { policy } : {}),
    memory,
    sandbox: sandboxStatus(s.sandbox),
    mcp: [
      ...servers.map((m) => ({ name: m.name, state: m.state, detail: m.lastError ?? m.note ?? null })),
      ...unusableEntries(s.mcp, servers),
    ],
  };
}

/** Entries too broken to become a server, and problems with the file itself: they still show, once each. */
function unusableEntries(mcp: McpManager | undefined, servers: McpServerStatus[]): AppStatus['mcp'] {
  const byName = new Map<string, string[]>();
  for (const p of mcp?.problems ?? []) {
    const name = p.server ?? 'mcp.json';
    if (servers.some((m) => m.name === name)) continue;
    byName.set(name, [...(byName.get(name) ?? []), p.message]);
  }
  return [...byName].map(([name, messages]) => ({ name, state: 'misconfigured', detail: messages.join('; ') }));
}

/** aigpt itself answers memory tools: mcp.json runs it and it is installed (else the built-in store stands in). */
function servesAigpt(s: StatusSources): boolean {
  const entry = s.mcp?.config.servers.find((c) => c.transport === 'stdio' && !c.disabled && path.basename(c.command) === 'aigpt');
  return entry?.transport === 'stdio' && findExecutable(entry.command, s.env.PATH) !== undefined;
}

/** Wall 1 as the status bar words it. */
export function sandboxStatus(sandbox: Sandbox | undefined): AppStatus['sandbox'] {
  if (!sandbox) return { available: false, detail: 'no sandbox in this host: auto-allowed commands run unconfined' };
  const st = sandbox.status();
  return st.available
    ? { available: true, detail: `bubblewrap ${st.version}: auto-allowed commands run confined` }
    : { available: false, detail: `bubblewrap unavailable (${st.reason}): auto-allowed commands run as notify` };
}
