/**
 * `aios policy`: explains what the permission policy decides.
 *
 *   aios policy check [--config FILE] [--profile P] [--cwd DIR] [--json] [--preview] -- 'COMMAND'
 *   aios policy check --jsonl [--config FILE] [--profile P] [--cwd DIR]   (one JSON string per stdin line)
 *   aios policy describe [--config FILE] [--profile P]
 */
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import type { PolicyResult } from '../../shared/policy';
import { previewText, type Preview } from '../../shared/preview';
import { formatProblem, loadConfig } from '../core/config/load';
import { PolicyEngine } from '../core/policy';
import { previewCommand } from '../core/preview';
import { previewSettings } from '../core/preview/previewer';

const USAGE = `Usage:
  aios policy check [--config FILE] [--profile NAME] [--cwd DIR] [--json] [--preview] -- 'COMMAND'
  aios policy check --jsonl [--config FILE] [--profile NAME] [--cwd DIR]
  aios policy describe [--config FILE] [--profile NAME]

check     decide one command line and explain it: every segment with its argv,
          normalised form, decision and matched rule, then the reasons.
          The exit code is 0 whatever the decision; 2 means a usage error.
--jsonl   read one JSON string per stdin line, write one JSON object per line:
          {"command", "decision", "segments", "reasons"}
--cwd     the working directory to judge against (default: the current one)
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
  preview: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function usageError(message: string): number {
  process.stderr.write(`aios policy: ${message}\n\n${USAGE}\n`);
  return 2;
}

async function makeEngine(values: { config?: string; profile?: string }): Promise<PolicyEngine> {
  const loaded = loadConfig(values.config !== undefined ? { file: values.config } : {});
  const engine = await PolicyEngine.create({ config: loaded, ...(values.profile !== undefined ? { profile: values.profile } : {}) });
  if (engine.problems.length > 0) {
    for (const p of engine.problems) process.stderr.write(`aios: config: ${formatProblem(p)}\n`);
    process.stderr.write('aios: running on the safe fallback policy: everything needs approval and the shipped deny list applies\n');
  }
  return engine;
}

function formatHuman(command: string, r: PolicyResult): string {
  const out: string[] = [`${r.decision}  ${command}`];
  if (r.profile) out.push(`profile: ${r.profile}`);
  if (r.fallback) out.push('policy: safe fallback (the configuration has problems)');
  r.segments.forEach((s, i) => {
    out.push('', `  [${i + 1}] ${s.decision}  ${s.normalized || s.text}`);
    out.push(`      argv:       ${JSON.stringify(s.argv)}`);
    out.push(`      normalized: ${s.normalized || '(no program)'}`);
    if (s.wrappers.length > 0) out.push(`      wrappers:   ${s.wrappers.join(', ')}`);
    if (s.via.length > 0) out.push(`      via:        ${s.via.join(' › ')}`);
    out.push(`      rule:       ${s.rule ? `${s.rule.source === 'profile' ? `profile ${s.rule.profile} ` : s.rule.source === 'fallback' ? 'built-in ' : ''}${s.rule.list} ${JSON.stringify(s.rule.pattern)}` : '(none)'}`);
    for (const reason of s.reasons) out.push(`      - ${reason}`);
  });
  out.push('', 'reasons:', ...r.reasons.map((x) => `  - ${x}`));
  return `${out.join('\n')}\n`;
}

/** `--preview`: the person asked, so it runs whatever `[preview]` enabled/decisions say; never for a denied command. */
async function previewForCli(command: string, cwd: string, decision: string, configFile: string | undefined): Promise<Preview> {
  if (decision === 'deny') return { ran: false, lines: [], limits: ['no preview: the policy denies this command, so it is never run, not even in a preview'], changes: [], omitted: 0, exitCode: null, timedOut: false, durationMs: 0 };
  const { config } = loadConfig(configFile !== undefined ? { file: configFile } : {});
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
  if (values.json && values.jsonl) return usageError('--json and --jsonl cannot be combined');
  if (values.preview && values.jsonl) return usageError('--preview takes one COMMAND, not --jsonl');
  if (values.jsonl && positionals.length > 0) return usageError('--jsonl reads commands from stdin; give no COMMAND');
  if (!values.jsonl && positionals.length === 0) return usageError("no command given: aios policy check -- 'COMMAND'");
  const context = { cwd: values.cwd ?? process.cwd(), ...(process.env.HOME ? { home: process.env.HOME } : {}) };
  const engine = await makeEngine(values);

  if (!values.jsonl) {
    // Several words after `--` are joined with spaces, as a shell would have run them.
    const command = positionals.join(' ');
    const result = engine.decide(command, context);
    const preview = values.preview ? await previewForCli(command, context.cwd, result.decision, values.config) : undefined;
    if (values.json) process.stdout.write(`${JSON.stringify({ command, ...result, ...(preview ? { preview } : {}) })}\n`);
    else process.stdout.write(formatHuman(command, result) + (preview ? `\npreview:\n${previewText(preview, { full: true, maxList: 200 })}\n` : ''));
    return 0;
  }

  let bad = 0;
  let n = 0;
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
      process.stdout.write(`${JSON.stringify({ command: null, error: `line ${n}: ${err instanceof UsageError ? err.message : 'not valid JSON'}` })}\n`);
      continue;
    }
    const r = engine.decide(command, context);
    process.stdout.write(`${JSON.stringify({ command, decision: r.decision, segments: r.segments, reasons: r.reasons })}\n`);
  }
  if (bad > 0) process.stderr.write(`aios policy: ${bad} input line(s) were not JSON strings\n`);
  return bad > 0 ? 2 : 0;
}

async function describe(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { config: OPTIONS.config, profile: OPTIONS.profile, help: OPTIONS.help }, allowPositionals: false, strict: true });
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
