import picomatch from 'picomatch';
import type { Decision, RuleRef } from '../../../shared/policy';

/**
 * Rules for MCP tool calls, written in the same four lists as command
 * patterns: `mcp__<server>__<tool>`, each part a glob (`*`, `?`, `[…]`,
 * `{a,b}`). `mcp__fs__*` is every tool of the server `fs`;
 * `mcp__*__read_*` every `read_…` tool of every server. aios's own tools
 * (memory, history) are the server `aios`.
 */

export const TOOL_RULE_PREFIX = 'mcp__';
/** Between server and tool in the names the model sees (`fs__write_file`) and in rules. */
export const TOOL_SEPARATOR = '__';
/** The server name of aios's built-in tools in rules. */
export const BUILTIN_SERVER = 'aios';

export class ToolPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolPatternError';
  }
}

export interface ToolPattern {
  server: (name: string) => boolean;
  tool: (name: string) => boolean;
}

export function isToolPattern(text: string): boolean {
  return text.startsWith(TOOL_RULE_PREFIX);
}

/** A server name never holds `__` (mcp.json refuses it), so the first `__` after the prefix ends it. */
export function compileToolPattern(text: string): ToolPattern {
  const rest = text.slice(TOOL_RULE_PREFIX.length);
  const cut = rest.indexOf(TOOL_SEPARATOR);
  if (cut <= 0 || cut + TOOL_SEPARATOR.length >= rest.length) {
    throw new ToolPatternError('an MCP tool rule is mcp__<server>__<tool> (globs allowed in both parts, e.g. "mcp__fs__read_*")');
  }
  const server = rest.slice(0, cut);
  const tool = rest.slice(cut + TOOL_SEPARATOR.length);
  if (/\s/.test(text)) throw new ToolPatternError('an MCP tool rule names a tool, not arguments: no spaces');
  return { server: lazyGlob(server), tool: lazyGlob(tool) };
}

/**
 * A glob matcher compiled on its first use: most rules are never consulted
 * in a short-lived process (`aios policy check` of a command line), and
 * picomatch's compile is the costly part. Both parts are non-empty here, the
 * one input picomatch refuses.
 */
function lazyGlob(glob: string): (name: string) => boolean {
  let match: ((name: string) => boolean) | undefined;
  return (name) => (match ??= picomatch(glob, { dot: true, nobrace: false, noextglob: true }))(name);
}

export interface ToolRule {
  ref: RuleRef;
  pattern: ToolPattern;
}

export class ToolRuleBook {
  readonly rules: ToolRule[] = [];

  add(rule: ToolRule): void {
    this.rules.push(rule);
  }

  /** The first rule of `list` naming this tool. */
  first(list: Decision, server: string, tool: string): ToolRule | undefined {
    return this.rules.find((r) => r.ref.list === list && r.pattern.server(server) && r.pattern.tool(tool));
  }
}

/** `fs__write_file` → `{server: 'fs', tool: 'write_file'}`; undefined when it is not namespaced. */
export function splitToolName(name: string): { server: string; tool: string } | undefined {
  const at = name.indexOf(TOOL_SEPARATOR);
  if (at <= 0 || at + TOOL_SEPARATOR.length >= name.length) return undefined;
  return { server: name.slice(0, at), tool: name.slice(at + TOOL_SEPARATOR.length) };
}
