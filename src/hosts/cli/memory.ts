import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatProblem, loadConfig } from '../../core/config/load';
import { recoverMemoryFile } from './memory-recover';
import { memoryJson, MemoryStoreError, openMemoryStore, searchHitJson, sortedJson, type MemoryStore } from '../../core/memory';
import { noMemoryMatches } from '../../shared/memory-text';

const HELP = `Usage: aios memory <command> [--db FILE] [--json]

The shared memory database (aigpt's memory.db), from the shell:

  add TEXT...        store one memory (one write); prints its id
  search QUERY...    ranked full-text search [--limit N] (default 20)
  list               newest first [--limit N] (default 50) [--offset N]
  count              how many memories there are
  recover            copy what can be read from a damaged file into a new
                     file beside it (sqlite3 .recover); the file is only read

  --db FILE      the memory database (default: [paths] memory_db, i.e.
                 <config dir>/gpt/memory.db)
  --config FILE  read this config.toml instead of <config dir>/config.toml
  --json         print aigpt's JSON shapes instead of text`;

interface Flags {
  db?: string;
  config?: string;
  json?: boolean;
  limit?: string;
  offset?: string;
  help?: boolean;
}

function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, not '${value}'`);
  return n;
}

class UsageError extends Error {}

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const oneLine = (s: string, max = 100): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function runCommand(store: MemoryStore, command: string, rest: string[], flags: Flags): number {
  switch (command) {
    case 'add': {
      if (rest.length === 0) throw new UsageError('add needs the text to remember');
      const m = store.create(rest.join(' '));
      out(flags.json ? sortedJson({ memory: memoryJson(m), success: true }) : m.id);
      return 0;
    }
    case 'search': {
      if (rest.length === 0) throw new UsageError('search needs a query');
      const hits = store.search(rest.join(' '), { limit: intFlag('limit', flags.limit, 20) });
      if (flags.json) out(sortedJson({ memories: hits.map(searchHitJson), success: true }));
      // Said on stderr, so a script reading the ids on stdout still gets none.
      else if (hits.length === 0) process.stderr.write(`${noMemoryMatches(rest.join(' '))}\n`);
      else for (const h of hits) out(`${h.memory.id}  ${oneLine(h.snippet, 120)}`);
      return 0;
    }
    case 'list': {
      const list = store.list({ limit: intFlag('limit', flags.limit, 50), offset: intFlag('offset', flags.offset, 0) });
      if (flags.json) out(sortedJson({ memories: list.map(memoryJson), success: true }));
      else for (const m of list) out(`${m.id}  ${m.createdAt.slice(0, 19).replace('T', ' ')}  ${oneLine(m.content)}`);
      return 0;
    }
    case 'count': {
      const n = store.count();
      out(flags.json ? sortedJson({ count: n, success: true }) : String(n));
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

export async function run(args: string[]): Promise<number> {
  let values: Flags;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean' },
        limit: { type: 'string' },
        offset: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`aios memory: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return values.help || command === 'help' ? 0 : 2;
  }
  if (!['add', 'search', 'list', 'count', 'recover'].includes(command)) {
    process.stderr.write(`aios memory: unknown command '${command}'\n\n${HELP}\n`);
    return 2;
  }
  const loaded = loadConfig(values.config ? { file: values.config } : {});
  for (const p of loaded.problems) process.stderr.write(`aios: config: ${formatProblem(p)}\n`);
  const dbPath = values.db ? path.resolve(values.db) : loaded.paths.memoryDb;
  if (command === 'recover') return recoverMemoryFile(dbPath, (line) => process.stdout.write(`${line}\n`));
  let store: MemoryStore | undefined;
  try {
    store = openMemoryStore(dbPath);
    return runCommand(store, command, rest, values);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`aios memory: ${err.message}\n\n${HELP}\n`);
      return 2;
    }
    if (err instanceof MemoryStoreError || err instanceof TypeError || err instanceof RangeError) {
      process.stderr.write(`aios memory: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    store?.close();
  }
}
