/**
 * `aios policy`: explains what the permission policy decides.
 *
 *   aios policy check [--config FILE] [--profile P] [--cwd DIR] [--json] [--preview] -- 'COMMAND'
 *   aios policy check --jsonl [--config FILE] [--profile P] [--cwd DIR]   (one JSON string per stdin line)
 *   aios policy check --tool SERVER__TOOL [--args JSON] [--annotations JSON] [--config FILE] [--profile P] [--cwd DIR] [--json]
 *   aios policy describe [--config FILE] [--profile P]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PolicyResult, ToolPolicyResult } from '../../shared/policy';
import type { Preview } from '../../shared/preview';
import type { LoadedConfig } from '../../core/config/loaded';
import { formatProblem } from '../../core/config/problems';
import { builtConfigCodeId, loadConfigCached, ValidatedConfigCache } from '../../core/config/validated-cache';
import { resolveCacheDir } from '../../core/config/paths';
import { builtPolicyCodeId, knownServerFor, PatternFileCache, PolicyEngine, type ToolCallFacts } from '../../core/policy';
import { BUILTIN_SERVER, splitToolName } from '../../core/policy/rules/tool-rules';
import { cannotUndo } from '../../core/policy/programs/outside-world';
import { EFFECT_RULES } from '../../core/transaction/rules';
import { workingDirectory } from '../../core/work-dir';

const USAGE = `Usage:
  aios policy check [--config FILE] [--profile NAME] [--cwd DIR] [--json] [--preview] -- 'COMMAND'
  aios policy check --jsonl [--config FILE] [--profile NAME] [--cwd DIR]
  aios policy check --tool SERVER__TOOL [--args JSON] [--annotations JSON] [--config FILE] [--profile NAME] [--cwd DIR] [--json]
  aios policy describe [--config FILE] [--profile NAME]

check     decide one command line and explain it: every segment with its argv,
          normalised form, decision and matched rule, then the reasons.
          The exit code is 0 whatever the decision; 2 means a usage error.
--jsonl   read one JSON string per stdin line, write one JSON object per line:
          {"command", "decision", "segments", "reasons"}
--cwd     the working directory to judge against (default: where aios was
          started from, as for the chat; the home from aios's own checkout)
--tool    decide an MCP tool call instead: SERVER__TOOL as the model calls it
          (or mcp__SERVER__TOOL as rules name it; aios's own tools are aios__NAME)
--args    the call's arguments as a JSON object (default {}); path arguments
          naming protected places need approval
--annotations  the tool's annotations as JSON ({"readOnlyHint": true}); they
          count only for servers mcp.json marks "trust_annotations": true
--preview also run the command in a throwaway overlay (no network, [preview]
          time limit) and print what it would change; the real system is
          never changed. Denied commands are not previewed.
describe  print the policy in one paragraph (as given to the AI)`;

const OPTIONS = {
  config: { type: 'string' },
  profile: { type: 'string' },
  cwd: { type: 'string' },
  json: { type: 'boolean' },
  jsonl: { type: 'boolean' },
  tool: { type: 'string' },
  args: { type: 'string' },
  annotations: { type: 'string' },
  preview: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function usageError(message: string): number {
  process.stderr.write(`aios policy: ${message}\n\n${USAGE}\n`);
  return 2;
}

/**
 * config.toml as `loadConfig` reads it; in a built aios the validation is
 * taken from the cache folder when the file's text is what was validated last
 * time (a short command then never loads the schema library).
 */
function readConfig(configFile: string | undefined): Promise<LoadedConfig> {
  const codeId = builtConfigCodeId();
  const cache = codeId !== undefined ? ValidatedConfigCache.open(resolveCacheDir(), codeId) : undefined;
  return loadConfigCached(configFile !== undefined ? { file: configFile } : {}, cache);
}

async function makeEngine(values: { config?: string; profile?: string }, loaded?: LoadedConfig): Promise<PolicyEngine> {
  loaded ??= await readConfig(values.config);
  // A short-lived process: the patterns compiled by the previous check are read back instead of compiled again.
  const codeId = builtPolicyCodeId();
  const patternCache = codeId !== undefined ? PatternFileCache.open(loaded.paths.cacheDir, codeId) : undefined;
  const engine = await PolicyEngine.create({ config: loaded, profile: values.profile, ...(patternCache ? { patternCache } : {}) });
  patternCache?.save();
  if (engine.problems.length > 0) {
    for (const p of engine.problems) process.stderr.write(`aios: config: ${formatProblem(p)}\n`);
    process.stderr.write('aios: running on the safe fallback policy: everything needs approval and the shipped deny list applies\n');
  }
  if (engine.replaceShipped)
    process.stderr.write('aios: [permissions] replace_shipped = true: the shipped rules, deny list included, are not in force\n');
  return engine;
}

const DROPPED = 'policy: shipped rules dropped ([permissions] replace_shipped = true): no shipped deny list';

function formatHuman(command: string, r: PolicyResult, replaceShipped: boolean): string {
  const out: string[] = [`${r.decision}  ${command}`];
  if (r.profile) out.push(`profile: ${r.profile}`);
  if (replaceShipped) out.push(DROPPED);
  if (r.fallback) out.push('policy: safe fallback (the configuration has problems)');
  r.segments.forEach((s, i) => {
    out.push('', `  [${i + 1}] ${s.decision}  ${s.normalized || s.text}`);
    out.push(`      argv:       ${JSON.stringify(s.argv)}`);
    out.push(`      normalized: ${s.normalized || '(no program)'}`);
    if (s.wrappers.length > 0) out.push(`      wrappers:   ${s.wrappers.join(', ')}`);
    if (s.via.length > 0) out.push(`      via:        ${s.via.join(' › ')}`);
    out.push(
      `      rule:       ${s.rule ? `${s.rule.source === 'profile' ? `profile ${s.rule.profile} ` : s.rule.source === 'fallback' ? 'built-in ' : ''}${s.rule.list} ${JSON.stringify(s.rule.pattern)}` : '(none)'}`,
    );
    for (const reason of s.reasons) out.push(`      - ${reason}`);
  });
  out.push('', 'reasons:', ...r.reasons.map((x) => `  - ${x}`));
  return `${out.join('\n')}\n`;
}

/** Whether the line can be undone (a transaction holds its files) or acts outside the filesystem, and the effect rules. */
function undoFacts(r: PolicyResult, enabled: boolean | 'auto'): { possible: boolean; reasons: string[]; transactions: boolean | 'auto' } {
  const reasons = cannotUndo(r.segments);
  return { possible: reasons.length === 0 && r.decision !== 'deny', reasons, transactions: enabled };
}

function undoText(u: ReturnType<typeof undoFacts>): string {
  const out = ['', 'undo:'];
  if (u.reasons.length > 0) out.push(...u.reasons.map((x) => `  - cannot be undone: ${x} (runs outside transactions)`));
  else if (!u.possible) out.push('  - never runs');
  else {
    out.push(
      u.transactions === 'auto'
        ? '  - runs as a transaction where one can be made (as root, or through passwordless sudo): what it did can be undone'
        : u.transactions
          ? '  - runs as a transaction: what it did can be undone'
          : '  - would run as a transaction, but [transactions] enabled = false',
    );
    out.push(
      '  effect rules (judged on what it did, before it lands; a finding asks you):',
      ...EFFECT_RULES.map(([rule, text]) => `  - ${rule}: ${text}`),
    );
  }
  return `${out.join('\n')}\n`;
}

/** `--preview`: the person asked, so it runs whatever `[preview]` enabled/decisions say; never for a denied command. */
async function previewForCli(command: string, cwd: string, decision: string, configFile: string | undefined): Promise<Preview> {
  if (decision === 'deny')
    return {
      ran: false,
      lines: [],
      limits: ['no preview: the policy denies this command, so it is never run, not even in a preview'],
      changes: [],
      omitted: 0,
      exitCode: null,
      timedOut: false,
      durationMs: 0,
    };
  const { config } = await readConfig(configFile);
  // Loaded only for --preview: a policy decision alone never pays for the previewer (the jail, diff).
  const [{ previewCommand }, { previewSettings }] = await Promise.all([
    import('../../core/preview'),
    import('../../core/preview/previewer'),
  ]);
  return previewCommand({ command, cwd: path.resolve(cwd), env: process.env }, previewSettings(config.preview));
}

async function check(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return usageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.tool !== undefined) return checkTool(values, positionals);
  if (values.args !== undefined || values.annotations !== undefined) return usageError('--args and --annotations go with --tool');
  if (values.json && values.jsonl) return usageError('--json and --jsonl cannot be combined');
  if (values.preview && values.jsonl) return usageError('--preview takes one COMMAND, not --jsonl');
  if (values.jsonl && positionals.length > 0) return usageError('--jsonl reads commands from stdin; give no COMMAND');
  if (!values.jsonl && positionals.length === 0) return usageError("no command given: aios policy check -- 'COMMAND'");
  const context = {
    cwd: values.cwd ? path.resolve(values.cwd) : workingDirectory(process.env),
    ...(process.env.HOME ? { home: process.env.HOME } : {}),
  };
  const loaded = await readConfig(values.config);
  const engine = await makeEngine(values, loaded);

  if (!values.jsonl) {
    // Several words after `--` are joined with spaces, as a shell would have run them.
    const command = positionals.join(' ');
    const result = engine.decide(command, context);
    const preview = values.preview ? await previewForCli(command, context.cwd, result.decision, values.config) : undefined;
    const undo = undoFacts(result, loaded.config.transactions.enabled);
    // Only with --preview: the preview's schemas (zod) are no part of a decision.
    const previewText = preview ? (await import('../../shared/preview')).previewText : undefined;
    if (values.json) process.stdout.write(`${JSON.stringify({ command, ...result, undo, ...(preview ? { preview } : {}) })}\n`);
    else
      process.stdout.write(
        formatHuman(command, result, engine.replaceShipped) +
          undoText(undo) +
          (preview && previewText ? `\npreview:\n${previewText(preview, { full: true, maxList: 200 })}\n` : ''),
      );
    return 0;
  }

  let bad = 0;
  let n = 0;
  // Only for --jsonl: one decision never reads stdin.
  const readline = await import('node:readline');
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    let command: unknown;
    try {
      command = JSON.parse(line);
      if (typeof command !== 'string') throw new UsageError('not a JSON string');
    } catch (err) {
      bad++;
      process.stdout.write(
        `${JSON.stringify({ command: null, error: `line ${n}: ${err instanceof UsageError ? err.message : 'not valid JSON'}` })}\n`,
      );
      continue;
    }
    const r = engine.decide(command, context);
    process.stdout.write(`${JSON.stringify({ command, decision: r.decision, segments: r.segments, reasons: r.reasons })}\n`);
  }
  if (bad > 0) process.stderr.write(`aios policy: ${bad} input line(s) were not JSON strings\n`);
  return bad > 0 ? 2 : 0;
}

function jsonObject(text: string | undefined, what: string): Record<string, unknown> {
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function formatTool(name: string, r: ToolPolicyResult, facts: ToolCallFacts, serverNote: string, replaceShipped: boolean): string {
  const out: string[] = [`${r.decision}  ${name}`];
  if (r.profile) out.push(`profile: ${r.profile}`);
  if (replaceShipped) out.push(DROPPED);
  if (r.fallback) out.push('policy: safe fallback (the configuration has problems)');
  out.push(`server:      ${r.server} (${serverNote})`);
  out.push(`tool:        ${r.tool}`);
  out.push(`arguments:   ${JSON.stringify(facts.args)}`);
  if (facts.annotations) out.push(`annotations: ${JSON.stringify(facts.annotations)}${facts.trustAnnotations ? '' : ' (not trusted)'}`);
  out.push(
    `rule:        ${r.rule ? `${r.rule.source === 'profile' ? `profile ${r.rule.profile} ` : ''}${r.rule.list} ${JSON.stringify(r.rule.pattern)}` : '(none)'}`,
  );
  out.push('', 'reasons:', ...r.reasons.map((x) => `  - ${x}`));
  return `${out.join('\n')}\n`;
}

/** `--tool`: an MCP (or built-in) tool call, judged as the agent would with what mcp.json says of its server. */
async function checkTool(
  values: {
    tool?: string;
    args?: string;
    annotations?: string;
    config?: string;
    profile?: string;
    cwd?: string;
    json?: boolean;
    jsonl?: boolean;
  },
  positionals: string[],
): Promise<number> {
  if (values.jsonl || positionals.length > 0) return usageError('--tool takes no COMMAND and no --jsonl');
  const raw = (values.tool ?? '').replace(/^mcp__/, '');
  const split = splitToolName(raw);
  if (!split)
    return usageError(`--tool ${JSON.stringify(values.tool)}: expected SERVER__TOOL, e.g. fs__write_file or aios__search_memories`);
  let args: Record<string, unknown>;
  let annotations: Record<string, unknown>;
  try {
    args = jsonObject(values.args, '--args');
    annotations = jsonObject(values.annotations, '--annotations');
  } catch (err) {
    return usageError((err as Error).message);
  }
  const loaded = await readConfig(values.config);
  const engine = await makeEngine(values, loaded);
  let serverNote = split.server === BUILTIN_SERVER ? "aios's built-in tools" : 'not in mcp.json';
  const facts: ToolCallFacts = { ...split, args, ...(values.annotations !== undefined ? { annotations } : {}) };
  if (split.server !== BUILTIN_SERVER) {
    // Loaded only for another server's tool: mcp.json's schema is no part of a command's decision.
    const { loadMcpConfig } = await import('../../core/mcp/config');
    const mcp = loadMcpConfig(loaded.paths.mcpConfigFile);
    const server = mcp.servers.find((s) => s.name === split.server);
    if (server) {
      const known = server.transport === 'stdio' ? knownServerFor([server.command, ...server.args]) : undefined;
      if (known) facts.known = known;
      if (server.trustAnnotations) facts.trustAnnotations = true;
      serverNote = `in ${mcp.file}${known ? `, known: ${known}` : ''}${server.trustAnnotations ? ', annotations trusted' : ''}`;
    }
  }
  const context = {
    cwd: values.cwd ? path.resolve(values.cwd) : workingDirectory(process.env),
    ...(process.env.HOME ? { home: process.env.HOME } : {}),
  };
  const result = engine.decideTool(facts, context);
  const name = `mcp__${split.server}__${split.tool}`;
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ name, arguments: args, ...result })}\n`
      : formatTool(name, result, facts, serverNote, engine.replaceShipped),
  );
  return 0;
}

async function describe(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { config: OPTIONS.config, profile: OPTIONS.profile, help: OPTIONS.help },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const engine = await makeEngine(parsed.values);
  process.stdout.write(`${engine.describe()}\n`);
  return 0;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'check') return check(rest);
  if (sub === 'describe') return describe(rest);
  return usageError(`unknown subcommand '${sub}'`);
}
