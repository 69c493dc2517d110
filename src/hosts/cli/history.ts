/**
 * `aios history`: the commands aios ran or refused, newest first, with what
 * the ones run as transactions did: "what did I install yesterday?", "what
 * changed in /etc last week?".
 *
 *   aios history [WORDS...] [--since WHEN] [--until WHEN] [--changed DIR] [--package NAME] [--limit N] [--json]
 */
import { loadConfig } from '../../core/config/load';
import { CommandLog } from '../../core/memory/history';
import { commandArgs } from './args';

const USAGE = `Usage: aios history [WORDS...] [--since WHEN] [--until WHEN] [--changed DIR] [--package NAME] [--limit N] [--json] [--config FILE]

WORDS       words the command or its output contains
--since     "yesterday", "last week", "last 3 days" or an ISO date
--changed   only commands whose recorded effects touched DIR (or the file)
--package   only commands that installed or removed this package
--limit     how many (default 50)`;

export async function run(args: string[]): Promise<number> {
  const parsed = commandArgs('history', USAGE, {
    args,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      changed: { type: 'string' },
      package: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  const limit = v.limit === undefined ? 50 : Number(v.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    process.stderr.write(`aios history: --limit must be a whole number above 0\n`);
    return 2;
  }
  const loaded = loadConfig(v.config !== undefined ? { file: v.config } : {});
  const history = new CommandLog(loaded.paths.memoryDb);
  try {
    const rows = history.query({
      ...(positionals.length ? { text: positionals.join(' ') } : {}),
      ...(v.since ? { since: v.since } : {}),
      ...(v.until ? { until: v.until } : {}),
      ...(v.changed ? { changed: v.changed } : {}),
      ...(v.package ? { packageName: v.package } : {}),
      limit,
    });
    if (v.json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    for (const r of rows) {
      process.stdout.write(`${r.startedAt}  ${r.decision.padEnd(16)} ${r.exitCode ?? '-'}  ${r.command}\n`);
      const e = r.effects;
      if (!e) continue;
      process.stdout.write(`    ${e.summary}${e.recordId ? `  (undo: aios undo ${e.recordId})` : ''}\n`);
      for (const p of e.packages?.added ?? []) process.stdout.write(`    + package ${p}\n`);
      for (const p of e.packages?.removed ?? []) process.stdout.write(`    - package ${p}\n`);
      for (const p of e.paths.slice(0, 20)) process.stdout.write(`    ${p}\n`);
      if (e.paths.length > 20) process.stdout.write(`    … ${e.paths.length - 20} more\n`);
    }
    if (rows.length === 0) process.stdout.write('no commands found\n');
    return 0;
  } catch (err) {
    process.stderr.write(`aios history: ${(err as Error).message}\n`);
    return 1;
  } finally {
    history.close();
  }
}
