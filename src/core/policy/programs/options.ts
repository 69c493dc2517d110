import { optionTableFor, type OptionTable } from './option-table';
import type { Flag, ParsedArgs } from '../shell/types';
import type { Arg } from '../shell/words';

export type { Flag, ParsedArgs } from '../shell/types';

const EMPTY: OptionTable = {};

function canonicalShort(table: OptionTable, c: string): string {
  return table.short?.[c] ?? c;
}

/** GNU getopt accepts any unambiguous prefix of a long option. */
function canonicalLong(table: OptionTable, name: string): string {
  const long = table.long;
  if (!long) return `--${name}`;
  const exact = long[name];
  if (exact !== undefined) return exact;
  const matches = new Set<string>();
  for (const key of Object.keys(long)) if (key.startsWith(name)) matches.add(long[key] as string);
  return matches.size === 1 ? [...matches][0]! : `--${name}`;
}

function takesValue(table: OptionTable, canonical: string): boolean {
  return table.valued?.includes(canonical) ?? false;
}

function optionalValue(table: OptionTable, canonical: string): boolean {
  return table.optionalValue?.includes(canonical) ?? false;
}

/** The tail of a word from `offset` on (an attached option value). */
function tailArg(from: Arg, offset: number): Arg {
  return {
    ...from,
    text: from.text.slice(offset),
    prefix: from.prefix.slice(offset),
    glob: from.glob && /[*?[]/.test(from.text.slice(offset)),
  };
}

/** Could this run-time word turn out to be an option (or several words)? */
function mayBeOption(arg: Arg): boolean {
  return arg.splits || arg.prefix === '' || arg.prefix.startsWith('-');
}

/**
 * Could this glob expand to a word starting with `-`? Only when nothing
 * literal stands before its first pattern character, or what does starts
 * with `-` (`*`, `[-]x`, `-de*`): a file named `-delete` or `--config=x`,
 * which any redirection can create, then becomes an option.
 */
export function globMayBeOption(arg: Arg): boolean {
  if (!arg.glob || arg.dynamic) return false;
  const first = arg.text.search(/[*?[]/);
  const literal = first < 0 ? arg.text : arg.text.slice(0, first);
  // `--include=*.conf` can only become `--include=…`: the same option, whatever the value.
  if (/^--[^=]+=/.test(literal)) return false;
  return literal === '' || literal.startsWith('-');
}

function parseWith(table: OptionTable, args: readonly Arg[], out: ParsedArgs, stopAtFirstOperand: boolean): number {
  let endOfOptions = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as Arg;
    const text = arg.text;
    if (arg.dynamic) {
      const long = !endOfOptions && !table.noOptions ? /^--([^=]+)=/.exec(arg.prefix) : null;
      if (long) {
        out.flags.push({ name: canonicalLong(table, long[1] as string), value: tailArg(arg, long[0].length) });
        continue;
      }
      if (!endOfOptions && mayBeOption(arg)) out.uncertain = true;
      else if (arg.splits) out.uncertain = true;
      out.positionals.push(arg);
      if (stopAtFirstOperand) return i + 1;
      continue;
    }
    if (!endOfOptions && globMayBeOption(arg)) {
      // Which options (if any) it becomes is only known when bash expands it.
      out.uncertain = true;
      out.positionals.push(arg);
      if (stopAtFirstOperand) return i + 1;
      continue;
    }
    if (endOfOptions || table.noOptions) {
      out.positionals.push(arg);
      continue;
    }
    if (text === '--') {
      endOfOptions = true;
      continue;
    }
    const bundled = table.bundledFirst && i === 0 && /^[A-Za-z]+$/.test(text);
    if (text.startsWith('--') && text.length > 2) {
      const eq = text.indexOf('=');
      const rawName = eq >= 0 ? text.slice(2, eq) : text.slice(2);
      const name = canonicalLong(table, rawName);
      if (eq >= 0) out.flags.push({ name, value: tailArg(arg, eq + 1) });
      else if (takesValue(table, name) && i + 1 < args.length) out.flags.push({ name, value: args[++i] as Arg });
      else out.flags.push({ name });
      continue;
    }
    if ((text.startsWith('-') && text.length > 1) || bundled) {
      const cluster = bundled ? text : text.slice(1);
      if (table.knownShort !== undefined && [...cluster].some((c) => !table.knownShort!.includes(c))) {
        out.positionals.push(arg);
        if (stopAtFirstOperand) return i + 1;
        continue;
      }
      for (let k = 0; k < cluster.length; k++) {
        const name = canonicalShort(table, cluster[k] as string);
        const rest = cluster.slice(k + 1);
        if (takesValue(table, name)) {
          if (rest !== '') out.flags.push({ name, value: tailArg(arg, text.length - rest.length) });
          else if (i + 1 < args.length) out.flags.push({ name, value: args[++i] as Arg });
          else out.flags.push({ name });
          break;
        }
        if (optionalValue(table, name) && rest !== '') {
          out.flags.push({ name, value: tailArg(arg, text.length - rest.length) });
          break;
        }
        out.flags.push({ name });
      }
      continue;
    }
    out.positionals.push(arg);
    if (stopAtFirstOperand) return i + 1;
  }
  return args.length;
}

/**
 * Splits a program's arguments into options and operands. GNU programs take
 * options anywhere before `--` (`rm / -rf` is `rm -rf /`), so this does too.
 * A `program subcommand` table (`git push`) applies after the subcommand.
 */
export function parseArgs(program: string, args: readonly Arg[]): ParsedArgs {
  const out: ParsedArgs = { flags: [], positionals: [], uncertain: false };
  const base = optionTableFor(program, undefined) ?? EMPTY;
  const hasSubTables = program === 'git';
  if (!hasSubTables) {
    parseWith(base, args, out, false);
    return out;
  }
  // Global options up to the subcommand, then the subcommand's own table.
  const consumed = parseWith(base, args, out, true);
  const sub = out.positionals[0];
  const subTable = sub && !sub.dynamic ? optionTableFor(program, sub.text) : undefined;
  parseWith(subTable && subTable !== base ? subTable : base, args.slice(consumed), out, false);
  return out;
}

export function renderFlag(flag: Flag): string {
  const name = flag.name.length === 1 ? `-${flag.name}` : flag.name.startsWith('--') ? flag.name : `--${flag.name}`;
  if (!flag.value) return name;
  return flag.name.length === 1 ? `${name} ${flag.value.text}` : `${name}=${flag.value.text}`;
}
