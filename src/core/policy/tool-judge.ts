import path from 'node:path';
import { decisionRank, stricter, type Decision } from '../../shared/decision-order';
import type { RuleRef, ToolPolicyResult } from '../../shared/policy';
import { protectedReason, type ProtectedPathContext } from './programs/protected-paths';
import { ALL_LISTS, RESTRICTIVE, type CompiledPolicy } from './rules/rules';
import { BUILTIN_SERVER, TOOL_RULE_PREFIX, TOOL_SEPARATOR } from './rules/tool-rules';

/**
 * MCP tool calls through the same gate as command lines: the strictest
 * matching `mcp__server__tool` rule decides, nothing matching needs
 * approval, a profile only tightens, and a path argument naming a protected
 * place needs approval whatever the rules say.
 */

/** What the spec calls untrusted hints; used only for servers mcp.json trusts. */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** Servers aios knows the arguments of. */
export type KnownServer = 'filesystem';

export interface ToolCallFacts {
  server: string;
  tool: string;
  args: Record<string, unknown>;
  annotations?: ToolAnnotations;
  /** `"trust_annotations": true` in mcp.json: the annotations may set the default. */
  trustAnnotations?: boolean;
  known?: KnownServer;
}

/** `@modelcontextprotocol/server-filesystem`'s tools that only read. */
const FILESYSTEM_READS = new Set([
  'read_file',
  'read_text_file',
  'read_media_file',
  'read_multiple_files',
  'list_directory',
  'list_directory_with_sizes',
  'directory_tree',
  'search_files',
  'get_file_info',
  'list_allowed_directories',
]);

/** Argument names that hold a file or folder, for servers aios does not know. */
const PATH_KEY =
  /(^|_|-)(path|paths|file|files|filename|filepath|dir|dirs|directory|folder|source|sources|destination|dest|target|output|root)$/i;

/** Which server a stdio command line runs, when aios knows its arguments. */
export function knownServerFor(commandLine: readonly string[]): KnownServer | undefined {
  return commandLine.some((w) => /(^|[/@])(mcp-)?server-filesystem(@[^/]*)?($|\/)/.test(w)) ? 'filesystem' : undefined;
}

function describeToolRule(r: RuleRef): string {
  const where = r.source === 'profile' ? `profile ${r.profile} ${r.list}` : r.source === 'fallback' ? `built-in ${r.list}` : r.list;
  return `${where} rule ${JSON.stringify(r.pattern)}`;
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/** The path arguments that matter for protected paths: every one of a writing tool of a known server, path-named ones of others. */
function pathArguments(facts: ToolCallFacts): Array<{ key: string; value: string }> {
  if (facts.server === BUILTIN_SERVER) return [];
  if (facts.known === 'filesystem' && FILESYSTEM_READS.has(facts.tool)) return [];
  const out: Array<{ key: string; value: string }> = [];
  const wanted = (key: string) =>
    facts.known === 'filesystem' ? ['path', 'paths', 'source', 'destination'].includes(key) : PATH_KEY.test(key);
  // Nested objects count too (`{"files": [{"path": …}]}`), a few levels deep.
  const walk = (obj: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const [key, v] of Object.entries(obj)) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (wanted(key)) for (const value of strings(v)) out.push({ key: name, value });
      if (depth >= 4 || facts.known === 'filesystem') continue;
      for (const child of Array.isArray(v) ? v : [v]) {
        if (child && typeof child === 'object' && !Array.isArray(child)) walk(child as Record<string, unknown>, name, depth + 1);
      }
    }
  };
  walk(facts.args, '', 0);
  return out;
}

function resolveToolPath(value: string, cwd: string, home: string | undefined): string | undefined {
  if (value === '~' || value.startsWith('~/')) return home === undefined ? undefined : path.posix.join(home, value.slice(1));
  if (value.startsWith('~')) return undefined;
  return path.posix.resolve(cwd, value);
}

export function judgeTool(
  policy: CompiledPolicy,
  facts: ToolCallFacts,
  ctx: { cwd: string; home?: string; protect: Omit<ProtectedPathContext, 'home'> },
): ToolPolicyResult {
  const name = `${TOOL_RULE_PREFIX}${facts.server}${TOOL_SEPARATOR}${facts.tool}`;
  const reasons: string[] = [];
  let decision: Decision = 'auto_allow';
  let rule: RuleRef | undefined;
  const note = (r: RuleRef) => {
    if (!rule || decisionRank(r.list) > decisionRank(rule.list)) rule = r;
    decision = stricter(decision, r.list);
    reasons.push(`matches ${describeToolRule(r)}`);
  };

  const hit = ALL_LISTS.map((list) => policy.base.tools.first(list, facts.server, facts.tool)).find((r) => r !== undefined);
  if (hit) note(hit.ref);
  else if (facts.trustAnnotations && facts.annotations?.readOnlyHint === true && facts.annotations.destructiveHint !== true) {
    reasons.push(`no rule matches ${name}; the server is trusted (trust_annotations) and marks the tool read-only`);
  } else {
    decision = 'require_approval';
    reasons.push(
      `no rule matches ${name}${facts.annotations?.readOnlyHint && !facts.trustAnnotations ? ' (its read-only hint is not trusted: mcp.json does not set trust_annotations for this server)' : ''}`,
    );
  }
  if (policy.profile) {
    for (const list of RESTRICTIVE) {
      const p = policy.profile.tools.first(list, facts.server, facts.tool);
      if (p) note(p.ref);
    }
  }
  const protect: ProtectedPathContext = { ...ctx.protect, ...(ctx.home !== undefined ? { home: ctx.home } : {}) };
  for (const { key, value } of pathArguments(facts)) {
    const target = resolveToolPath(value, ctx.cwd, ctx.home);
    if (target === undefined) {
      decision = stricter(decision, 'require_approval');
      reasons.push(`argument ${key} names ${JSON.stringify(value)}, a path only known at run time`);
      continue;
    }
    const why = protectedReason(target, protect, { containing: true });
    if (why) {
      decision = stricter(decision, 'require_approval');
      reasons.push(`argument ${key} names ${target}, a protected path (${why})`);
    }
  }
  if (policy.fallback) {
    decision = stricter(decision, 'require_approval');
    reasons.push('the configuration has problems: running on the safe fallback, every tool call needs approval');
  }
  return {
    decision,
    server: facts.server,
    tool: facts.tool,
    ...(rule ? { rule } : {}),
    reasons,
    fallback: policy.fallback,
    profile: policy.profileName,
  };
}
