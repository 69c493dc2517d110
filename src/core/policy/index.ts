import os from 'node:os';
import path from 'node:path';
import { stricter } from '../../shared/decision-order';
import type { PolicyResult, ToolPolicyResult } from '../../shared/policy';
import type { LoadedConfig } from '../config/load';
import { formatProblem, type ConfigProblem } from '../config/problems';
import { analyzeLine, MAX_LINE_LENGTH } from './analyze';
import { describePolicy } from './describe';
import { judgeLine, type JudgeContext, type LineFacts } from './judge';
import type { ProtectedPathContext } from './programs/protected-paths';
import { getBashParser, type BashParser } from './shell/parser';
import { compilePolicy, type CompiledPolicy } from './rules/rules';
import type { PatternCache } from './rules/pattern-cache';
import { judgeTool, type ToolCallFacts } from './tool-judge';

export { ParserLoadError } from './shell/parser';
export { PatternError } from './rules/pattern';
export { builtPolicyCodeId, PatternFileCache, type PatternCache } from './rules/pattern-cache';
export type { Decision, PolicyResult, Segment, RuleRef, ToolPolicyResult } from '../../shared/policy';
export { knownServerFor, type ToolAnnotations, type ToolCallFacts, type KnownServer } from './tool-judge';

export interface PolicyEngineOptions {
  config: LoadedConfig;
  /** `--profile NAME`: adds `[profiles.NAME.permissions]`; an unknown name puts the engine on the fallback. */
  profile?: string;
  /** Defaults to `os.hostname()`; `[profiles.<hostname>]` applies automatically. */
  hostname?: string;
  /** Patterns compiled by earlier processes (see pattern-cache.ts); new ones are added to it. */
  patternCache?: PatternCache;
}

export interface DecideContext {
  /** The working directory the command will run in: the working tree for write checks. */
  cwd: string;
  /** The home directory `~` expands to; without it `~` paths count as unknown. */
  home?: string;
}

/** aios's own files from the loaded config: its config dir, the memory folder, the files in use, and `protected_paths`. */
export function protectedContext(config: LoadedConfig): Omit<ProtectedPathContext, 'home'> {
  const p = config.paths;
  return {
    configDir: p.configDir,
    memoryDir: path.dirname(p.memoryDb),
    ownFiles: [config.file, p.mcpConfigFile],
    ownTrees: [p.dataDir, p.cacheDir],
    extra: config.protectedPaths ?? [],
  };
}

/**
 * Decides whether a shell command line may run: parses it with the bash
 * grammar, judges every simple command it contains, and returns the
 * strictest decision with the reasons. `decide` is synchronous and never
 * throws: anything unexpected fails closed.
 */
export class PolicyEngine {
  private constructor(
    private readonly parser: BashParser,
    private readonly policy: CompiledPolicy,
    private readonly protect: Omit<ProtectedPathContext, 'home'>,
    /** `[permissions] unknown`: what no rule names runs confined, or asks (a profile may only choose asking). */
    readonly unknown: 'confine' | 'ask',
  ) {}

  /**
   * Verdicts already reached by this engine, by line, folder and home. A
   * decision depends on nothing else (the compiled rules of one engine never
   * change: a changed config builds a new engine, with an empty cache), so a
   * model that runs the same command again is not parsed and judged again.
   * Only verdicts reached without an internal error are kept. Each hit is a
   * copy, so no caller can change what the next one gets.
   */
  private readonly decisions = new Map<string, PolicyResult>();
  private static readonly MAX_DECISIONS = 256;
  /** Longer lines (a heredoc with a file in it) are judged afresh each time: the cache stays a few MB at most. */
  private static readonly MAX_KEPT_LINE = 8 * 1024;
  private description: string | undefined;

  /** Loads the grammar (once per process) and compiles the configured patterns. */
  static async create(opts: PolicyEngineOptions): Promise<PolicyEngine> {
    const parser = await getBashParser();
    const policy = compilePolicy(
      parser,
      opts.config,
      { profile: opts.profile, hostname: opts.hostname ?? os.hostname() },
      opts.patternCache,
    );
    const unknown = policy.fallback ? 'ask' : (policy.unknown ?? 'confine');
    return new PolicyEngine(parser, policy, protectedContext(opts.config), unknown);
  }

  /** Non-empty when the engine runs on the safe fallback (everything needs approval, shipped deny list). */
  get problems(): ConfigProblem[] {
    return this.policy.problems;
  }

  /** The profile whose rules were added, if any. */
  get profile(): string | undefined {
    return this.policy.profileName;
  }

  get fallback(): boolean {
    return this.policy.fallback;
  }

  /** The verdict on a line in a folder. A kept verdict is shared between callers and frozen: copy it to change it. */
  decide(commandLine: string, context: DecideContext): PolicyResult {
    const cwd = path.posix.resolve('/', context.cwd || '/');
    const home = context.home ? path.posix.resolve('/', context.home) : undefined;
    const key = `${cwd}\0${home ?? ''}\0${home === undefined ? 0 : 1}\0${commandLine}`;
    const known = this.decisions.get(key);
    if (known) {
      // Most recently used last: the oldest is the one dropped when the cache is full.
      this.decisions.delete(key);
      this.decisions.set(key, known);
      return known;
    }
    const fresh = this.judgeFresh(commandLine, cwd, home);
    if (fresh.cacheable && commandLine.length <= PolicyEngine.MAX_KEPT_LINE) {
      if (this.decisions.size >= PolicyEngine.MAX_DECISIONS) this.decisions.delete(this.decisions.keys().next().value!);
      // Handed out shared, so frozen to the last array: a caller that tries to change one gets a TypeError, never the next caller's verdict.
      this.decisions.set(key, deepFreeze(fresh.result));
    }
    return fresh.result;
  }

  /** The verdict worked out from the line; `cacheable` is false when it came from an internal error (which may pass). */
  private judgeFresh(commandLine: string, cwd: string, home: string | undefined): { result: PolicyResult; cacheable: boolean } {
    const extra: Pick<PolicyResult, 'fallback' | 'profile'> = {
      fallback: this.policy.fallback,
      profile: this.policy.profileName,
    };
    const notes = this.policy.fallback
      ? [
          `the configuration has problems (${this.policy.problems.map(formatProblem).join('; ')}); running on the safe fallback: everything needs approval and the shipped deny list applies`,
        ]
      : [];
    if (commandLine.length > MAX_LINE_LENGTH) {
      return {
        result: {
          decision: 'require_approval',
          segments: [],
          reasons: [`the line is longer than ${MAX_LINE_LENGTH} characters: too long to judge`, ...notes],
          ...extra,
        },
        cacheable: false,
      };
    }
    const facts: LineFacts = { commands: [], functions: [], floors: [] };
    try {
      analyzeLine(this.parser, commandLine, home, facts);
      const { confinable, remember, ...judged } = judgeLine(facts, this.policy, { cwd, home, protect: this.protect });
      const result: PolicyResult = {
        ...judged,
        reasons: [...judged.reasons, ...notes],
        ...extra,
        ...(confinable && this.unknown === 'confine' ? { confinable: true } : {}),
        ...(remember ? { remember: { list: 'auto_allow' as const, pattern: remember } } : {}),
      };
      return { result, cacheable: true };
    } catch (err) {
      return { result: this.failClosed(facts, err, { cwd, home, protect: this.protect }, extra, notes), cacheable: false };
    }
  }

  /** After an internal error: approval, or deny when what was understood already hit a deny rule. */
  private failClosed(
    facts: LineFacts,
    err: unknown,
    ctx: JudgeContext,
    extra: Pick<PolicyResult, 'fallback' | 'profile'>,
    notes: string[],
  ): PolicyResult {
    const reason = `the policy engine could not judge this line (${err instanceof Error ? err.message : String(err)}), so it fails closed`;
    try {
      const partial = judgeLine(facts, this.policy, ctx);
      return {
        decision: stricter(partial.decision, 'require_approval'),
        segments: partial.segments,
        reasons: [reason, ...partial.reasons, ...notes],
        ...extra,
      };
    } catch {
      return { decision: 'require_approval', segments: [], reasons: [reason, ...notes], ...extra };
    }
  }

  /** Decides an MCP (or built-in) tool call. Never throws: anything unexpected needs approval. */
  decideTool(call: ToolCallFacts, context: DecideContext): ToolPolicyResult {
    const cwd = path.posix.resolve('/', context.cwd || '/');
    const home = context.home ? path.posix.resolve('/', context.home) : undefined;
    try {
      return judgeTool(this.policy, call, { cwd, ...(home !== undefined ? { home } : {}), protect: this.protect });
    } catch (err) {
      return {
        decision: 'require_approval',
        server: call.server,
        tool: call.tool,
        reasons: [
          `the policy engine could not judge this tool call (${err instanceof Error ? err.message : String(err)}), so it fails closed`,
        ],
        fallback: this.policy.fallback,
      };
    }
  }

  /** `replace_shipped = true`: the shipped floor is not in force. */
  get replaceShipped(): boolean {
    return this.policy.replaceShipped;
  }

  /** The policy in one paragraph, for the AI's system prompt. */
  describe(): string {
    // The compiled rules never change: said once, sent with every request.
    this.description ??= describePolicy(this.policy);
    return this.description;
  }
}

/** `value` with every object and array in it frozen (a verdict is plain data: objects, arrays, text, numbers). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
