import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { RUN_COMMAND } from '../../shared/contract';
import { createAiMemory, recallHistory, searchMemories } from '../mcp/memory-tools';
import type { CommandLog } from '../memory/history';
import type { MemoryStore } from '../memory/store';
import type { KnownServer, ToolAnnotations, ToolCallFacts } from '../policy/tool-judge';
import { BUILTIN_SERVER, splitToolName } from '../policy/rules/tool-rules';
import type { ToolSpec } from './llm';

/** One external tool as listed: its spec and what the policy needs to judge a call. */
export interface ExternalToolInfo {
  /** Name already namespaced `server__tool`. */
  spec: ToolSpec;
  /** The name the server knows it by. */
  tool: string;
  server?: string;
  annotations?: ToolAnnotations;
  /** mcp.json's `trust_annotations` for this server. */
  trustAnnotations?: boolean;
  known?: KnownServer;
}

/** Tools the agent offers besides its own, e.g. every tool of every configured MCP server. */
export interface ExternalTools {
  list(): Promise<ExternalToolInfo[]>;
  call(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<string>;
}

/** A tool call ready for the gate: what the policy judges, and how to run it. */
export type ResolvedCall = { facts: ToolCallFacts; exec: () => Promise<ParsedArgs<string>> } | { error: string };

/** Tools that memory servers (aigpt, `aios memory-server`) offer; the built-in ones step aside for them. */
const MEMORY_TOOLS = new Set(['create_ai_memory', 'search_memories']);

export const RunCommandArgs = z.strictObject({
  command: z.string().min(1).describe('The shell command line to run (POSIX sh).'),
  reason: z.string().describe('Why this command, in one short sentence the person will see.'),
  unconfined: z
    .boolean()
    .optional()
    .describe(
      'Only to run again a command that ran confined and failed because of the jail (a write outside the working tree, the network): the person is asked first.',
    ),
});

const CreateAiMemoryArgs = z.strictObject({
  content: z.string().min(1).describe('What to remember, self-contained.'),
  ai_interpretation: z.string().optional().describe('Your reading of why it matters.'),
  priority_score: z.number().min(0).max(1).optional().describe('0..1, how important.'),
});
const SearchMemoriesArgs = z.strictObject({ query: z.string().min(1), limit: z.number().int().min(1).max(50).optional() });
const RecallHistoryArgs = z.strictObject({
  range: z
    .string()
    .optional()
    .describe('A natural time range: "today", "yesterday", "last week", "last 3 days", "2025-11-06", "2025-11-01..2025-11-06".'),
  since: z.string().optional().describe('ISO date-time lower bound.'),
  until: z.string().optional().describe('ISO date-time upper bound (exclusive).'),
  query: z.string().optional().describe('Words that must occur in the command or its output, e.g. "install".'),
  changed: z
    .string()
    .optional()
    .describe('Only commands that changed files in this folder (or this file), e.g. "/etc"; known for commands run as transactions.'),
  limit: z.number().int().min(1).max(200).optional(),
});

function spec(name: string, description: string, schema: z.ZodType): ToolSpec {
  const parameters = z.toJSONSchema(schema) as Record<string, unknown>;
  delete parameters.$schema;
  return { type: 'function', function: { name, description, parameters } };
}

function resultText(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
}

export type ParsedArgs<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseArgs<T>(schema: z.ZodType<T>, raw: string): ParsedArgs<T> {
  let json: unknown;
  try {
    json = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (err) {
    return { ok: false, message: `the arguments are not valid JSON (${(err as Error).message})` };
  }
  const r = schema.safeParse(json);
  if (!r.success)
    return {
      ok: false,
      message: `the arguments do not match the schema: ${r.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ')}`,
    };
  return { ok: true, value: r.data };
}

/**
 * run_command's arguments, as `parseArgs(RunCommandArgs, raw)` gives them.
 * Every tool round reads them: arguments as they nearly always come (an
 * object of exactly these keys and types) are taken without the schema;
 * anything else goes through it, for its errors.
 */
export function parseRunCommandArgs(raw: string): ParsedArgs<z.infer<typeof RunCommandArgs>> {
  let json: unknown;
  try {
    json = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch {
    return parseArgs(RunCommandArgs, raw);
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    const keys = Object.keys(o);
    const known = keys.every((k) => k === 'command' || k === 'reason' || k === 'unconfined');
    const { command, reason, unconfined } = o;
    const hasUnconfined = keys.includes('unconfined');
    if (
      known &&
      typeof command === 'string' &&
      command.length >= 1 &&
      typeof reason === 'string' &&
      (!hasUnconfined || typeof unconfined === 'boolean')
    )
      return { ok: true, value: { command, reason, ...(hasUnconfined ? { unconfined: unconfined as boolean } : {}) } };
  }
  return parseArgs(RunCommandArgs, raw);
}

/** A tool the agent handles in-process (everything but run_command, which has its own path). */
interface LocalTool {
  spec: ToolSpec;
  run(raw: string): ParsedArgs<string>;
}

export interface ToolSetOptions {
  memory?: MemoryStore;
  commandLog?: CommandLog;
  external?: ExternalTools;
  /** Cuts known secrets out of what a tool returns, before the model, the UI or the conversation see it. */
  redact?: (text: string) => string;
}

/** The model's tools: run_command, memory, recall_history, and external (MCP) ones. */
export class ToolSet {
  private readonly local = new Map<string, LocalTool>();
  private external: ToolSpec[] = [];
  private externalInfo = new Map<string, ExternalToolInfo>();
  private memoryViaMcp = false;
  readonly runCommandSpec = spec(
    RUN_COMMAND,
    "Run a shell command on this machine. The permission policy decides: some commands run at once, some need the person's approval, some are refused. You get the exit code and output.",
    RunCommandArgs,
  );

  constructor(private readonly options: ToolSetOptions) {
    const { memory, commandLog } = options;
    if (memory) {
      this.add(
        'create_ai_memory',
        'Save something worth remembering about the person or this machine to the shared memory.',
        CreateAiMemoryArgs,
        (a) => resultText(createAiMemory(memory, a)),
      );
      this.add('search_memories', 'Search the shared memory for saved facts.', SearchMemoriesArgs, (a) =>
        resultText(searchMemories(memory, a)),
      );
    }
    if (commandLog) {
      this.add(
        'recall_history',
        'List commands run (or refused) on this machine, by time range and words. Use it to answer questions like "what did I install yesterday?".',
        RecallHistoryArgs,
        (a) => resultText(recallHistory(commandLog, a)),
      );
    }
  }

  private add<T>(name: string, description: string, schema: z.ZodType<T>, fn: (a: T) => string): void {
    this.local.set(name, {
      spec: spec(name, description, schema),
      run: (raw) => {
        const a = parseArgs(schema, raw);
        if (!a.ok) return a;
        try {
          return { ok: true, value: fn(a.value) };
        } catch (err) {
          return { ok: true, value: JSON.stringify({ success: false, error: (err as Error).message }) };
        }
      },
    });
  }

  /**
   * Reads the external tools again (a server may have started or died).
   * Returns a problem to show, if listing failed; the built-in tools stay.
   */
  async refresh(): Promise<string | undefined> {
    if (!this.options.external) return undefined;
    try {
      const listed = await this.options.external.list();
      this.external = listed.map((t) => t.spec);
      this.externalInfo = new Map(listed.map((t) => [t.spec.function.name, t]));
      this.memoryViaMcp = listed.some((t) => MEMORY_TOOLS.has(t.tool));
      return undefined;
    } catch (err) {
      this.external = [];
      this.externalInfo = new Map();
      this.memoryViaMcp = false;
      return `MCP tools are unavailable: ${(err as Error).message}`;
    }
  }

  private visibleLocal(): LocalTool[] {
    return [...this.local.entries()].filter(([name]) => !(this.memoryViaMcp && MEMORY_TOOLS.has(name))).map(([, t]) => t);
  }

  specs(): ToolSpec[] {
    return [this.runCommandSpec, ...this.visibleLocal().map((t) => t.spec), ...this.external];
  }

  names(): string[] {
    return this.specs().map((s) => s.function.name);
  }

  isLocal(name: string): boolean {
    return this.local.has(name) && !(this.memoryViaMcp && MEMORY_TOOLS.has(name));
  }

  runLocal(name: string, raw: string): ParsedArgs<string> {
    const t = this.local.get(name);
    if (!t) return { ok: false, message: `unknown tool ${name}` };
    return this.redacted(t.run(raw));
  }

  private redacted(r: ParsedArgs<string>): ParsedArgs<string> {
    const redact = this.options.redact;
    return r.ok && redact ? { ok: true, value: redact(r.value) } : r;
  }

  isExternal(name: string): boolean {
    return this.external.some((s) => s.function.name === name);
  }

  /**
   * What the gate needs for a call of a built-in or external tool: the facts
   * the policy judges (built-ins are the server `aios`) and the runner.
   * Undefined for an unknown tool.
   */
  resolve(name: string, raw: string, signal: AbortSignal): ResolvedCall | undefined {
    const local = this.isLocal(name);
    if (!local && !this.isExternal(name)) return undefined;
    const a = parseArgs(z.record(z.string(), z.unknown()), raw);
    if (!a.ok) return { error: a.message };
    if (local)
      return { facts: { server: BUILTIN_SERVER, tool: name, args: a.value }, exec: () => Promise.resolve(this.runLocal(name, raw)) };
    const info = this.externalInfo.get(name);
    const split = splitToolName(name);
    const facts: ToolCallFacts = {
      server: info?.server ?? split?.server ?? name,
      tool: info?.tool ?? split?.tool ?? name,
      args: a.value,
      ...(info?.annotations ? { annotations: info.annotations } : {}),
      ...(info?.trustAnnotations ? { trustAnnotations: true } : {}),
      ...(info?.known ? { known: info.known } : {}),
    };
    return { facts, exec: () => this.runExternal(name, raw, signal) };
  }

  async runExternal(name: string, raw: string, signal: AbortSignal): Promise<ParsedArgs<string>> {
    const ext = this.options.external;
    if (!ext) return { ok: false, message: `unknown tool ${name}` };
    const a = parseArgs(z.record(z.string(), z.unknown()), raw);
    if (!a.ok) return a;
    try {
      return this.redacted({ ok: true, value: await ext.call(name, a.value, signal) });
    } catch (err) {
      return this.redacted({ ok: true, value: JSON.stringify({ success: false, error: (err as Error).message }) });
    }
  }
}
