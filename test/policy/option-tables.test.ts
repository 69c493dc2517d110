import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/core/executable';
import { optionTableFor, type OptionTable } from '../../src/core/policy/programs/option-table';
import { FIND_PRIMARY_ARGS } from '../../src/core/policy/programs/rule-program-options';

/**
 * The option table of every program a shipped rule names, checked against
 * the program's own `--help` where it is installed here: every option the
 * help shows taking a required value must be one the table lets consume the
 * next word, and every option the table says takes a value must be shown
 * taking one (so a value is never read as the verb, and an ordinary flag
 * never swallows the verb). Where a program's help is not installed the
 * test says so and is skipped, never passed quietly.
 */

interface HelpOption {
  names: string[];
  value: 'none' | 'required' | 'optional';
}

/** Reads option lines in the shapes GNU, procps, util-linux, apt, dpkg and git print. */
function parseHelp(text: string): HelpOption[] {
  const out: HelpOption[] = [];
  // git prints its options as a usage line: `[-C <path>] [--exec-path[=<path>]] [--git-dir=<path>]`.
  for (const m of text.matchAll(/\[(--?[A-Za-z][\w-]*)(\[=|=|\s+<)?/g)) {
    if (!/^usage:/m.test(text)) break;
    const sep = m[2] ?? '';
    out.push({ names: [m[1]!], value: sep === '' ? 'none' : sep === '[=' ? 'optional' : 'required' });
  }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s*\[?/, '');
    // Option lines are indented, except htop's, which start at the margin with `-X --long`.
    if (!line.startsWith('-') || !(/^\s+/.test(raw) || /^-[A-Za-z] --[a-z]/.test(raw))) continue;
    // The spec ends where the description starts (two spaces), except that `-d, --delay =SECS` keeps one.
    const spec = line.split(/\s{2,}/)[0]!.replace(/ =/g, '=');
    const names: string[] = [];
    let value: HelpOption['value'] = 'none';
    for (const part of spec.split(/,\s*|\|(?=-)|\s+(?=--?[A-Za-z])/)) {
      const m = /^(--?[A-Za-z0-9?][\w-]*)(\[=?|=|\s+)?(.*)$/.exec(part.trim());
      if (!m) continue;
      names.push(m[1]!);
      const sep = m[2] ?? '';
      const rest = (m[3] ?? '').trim();
      if (sep.startsWith('[')) value = 'optional';
      else if (sep === '=' || (sep.trim() === '' && sep !== '' && /^(<[^>]+>|[A-Z][A-Z_]*|N|\[=?[A-Za-z<])/.test(rest))) {
        value = rest.startsWith('[') && rest.endsWith(']') ? 'optional' : 'required';
      }
    }
    if (names.length > 0) out.push({ names, value });
  }
  return out;
}

function canonical(table: OptionTable, name: string): string {
  if (name.startsWith('--')) return table.long?.[name.slice(2)] ?? name;
  const c = name.slice(1);
  return table.short?.[c] ?? c;
}

function tableSays(table: OptionTable, name: string): 'none' | 'required' | 'optional' {
  const c = canonical(table, name);
  if (table.valued?.includes(c)) return 'required';
  if (table.optionalValue?.includes(c)) return 'optional';
  return 'none';
}

interface Program {
  name: string;
  help: string[];
  /** Options whose help line shows an operand, not a value the option consumes (from the program's source). */
  operandNotValue?: readonly string[];
  /** Options the help shows without a value that do take one (from the program's source). */
  valueNotShown?: readonly string[];
}

const PROGRAMS: Program[] = [
  // `-p, --indicator-style=slash` shows the value -p stands for.
  { name: 'ls', help: ['--help'], operandNotValue: ['-p'] },
  { name: 'cat', help: ['--help'] },
  { name: 'grep', help: ['--help'], operandNotValue: ['-NUM'] },
  { name: 'df', help: ['--help'] },
  { name: 'free', help: ['--help'] },
  { name: 'uname', help: ['--help'] },
  { name: 'top', help: ['-h'] },
  // `-n, --max-iterations=NUMBER` came with htop 3.3.
  { name: 'htop', help: ['--help'], valueNotShown: ['n'] },
  // ps: `--help <simple|list|…>` shows the section, which is optional.
  { name: 'ps', help: ['--help', 'all'], operandNotValue: ['--help'], valueNotShown: ['--sort'] },
  {
    name: 'systemctl',
    help: ['--help'],
    // `--preset-mode=` is printed with an empty value; `-P NAME` shows its value with one space.
    operandNotValue: ['--with-dependencies'],
    valueNotShown: ['--kill-value', '--image-policy', '--reboot-argument', '--message', '--when', '--drop-in'],
  },
  {
    name: 'pacman',
    help: ['-Qh', '-Sh', '-Rh', '-Uh', '-Dh', '-Fh', '-Th'],
    // `-s <regex>`, `-o <file>`, `-l <repo>`, `-p <package>` show the operands; pacman.c reads them as flags.
    operandNotValue: ['-s', '--search', '-o', '--owns', '-l', '--list', '-p', '--file'],
    valueNotShown: ['--sysroot'],
  },
  {
    name: 'dpkg',
    help: ['--help'],
    // Actions show their operands (`-i <.deb>`, `--compare-versions <a> <op> <b>`).
    operandNotValue: [
      '-i',
      '--install',
      '--unpack',
      '-A',
      '--record-avail',
      '--configure',
      '--triggers-only',
      '-r',
      '--remove',
      '-P',
      '--purge',
      '-V',
      '--verify',
      '--get-selections',
      '--update-avail',
      '--merge-avail',
      '-s',
      '--status',
      '-p',
      '--print-avail',
      '-L',
      '--listfiles',
      '-l',
      '--list',
      '-S',
      '--search',
      '-C',
      '--audit',
      '--add-architecture',
      '--remove-architecture',
      '--validate-',
      '--compare-versions',
      '-Dh',
    ],
    valueNotShown: ['--showformat'],
  },
  {
    name: 'dpkg-query',
    help: ['--help'],
    operandNotValue: [
      '-s',
      '--status',
      '-p',
      '--print-avail',
      '-L',
      '--listfiles',
      '-l',
      '--list',
      '-W',
      '--show',
      '-S',
      '--search',
      '--control-list',
      '--control-show',
      '-c',
      '--control-path',
    ],
  },
  // --attr-source (git 2.43+) is newer than some installed gits.
  { name: 'git', help: ['-h'], valueNotShown: ['--attr-source'] },
  {
    name: 'cargo',
    help: ['--help'],
    valueNotShown: [
      'j',
      'F',
      'p',
      '--git',
      '--branch',
      '--tag',
      '--rev',
      '--path',
      '--root',
      '--index',
      '--registry',
      '--target',
      '--target-dir',
      '--profile',
      '--bin',
      '--example',
      '--message-format',
      '--timings',
      '--manifest-path',
      '--lockfile-path',
    ],
  },
];

function helpText(p: Program): string | undefined {
  const exe =
    findExecutable(p.name, process.env.PATH) ??
    (p.name === 'cargo' ? findExecutable('cargo', `${process.env.HOME}/.cargo/bin`) : undefined);
  if (!exe) return undefined;
  const runs = p.name === 'pacman' ? p.help.map((h) => [h]) : [p.help];
  return runs
    .map((args) => {
      const r = spawnSync(exe, args, {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C', COLUMNS: '200' },
        timeout: 10_000,
      });
      return `${r.stdout}\n${r.stderr}`;
    })
    .join('\n');
}

describe('option tables of the programs the shipped rules name', () => {
  for (const p of PROGRAMS) {
    const text = helpText(p);
    it.skipIf(text === undefined)(
      `${p.name}: every option that consumes the next word is known (from ${p.name} ${p.help.join(' ')})`,
      () => {
        const table = optionTableFor(p.name, undefined);
        expect(table, `${p.name} has an option table`).toBeDefined();
        const options = parseHelp(text as string);
        expect(options.length, `parsed options from ${p.name}'s help`).toBeGreaterThan(3);
        const operand = new Set(p.operandNotValue ?? []);
        const problems: string[] = [];
        const shownValued = new Set<string>();
        for (const o of options) {
          if (o.names.some((n) => operand.has(n) || [...operand].some((x) => x.endsWith('-') && n.startsWith(x)))) continue;
          for (const n of o.names) {
            if (/^--(no-)?\[?/.test(n) && n.includes('[')) continue;
            const says = tableSays(table!, n);
            if (o.value === 'required') {
              shownValued.add(canonical(table!, n));
              if (says !== 'required') problems.push(`${n} takes a value (help) but the table says ${says}`);
            } else if (o.value === 'none' && says === 'required' && !(p.valueNotShown ?? []).includes(n))
              problems.push(`${n} takes no value (help) but the table says it does`);
          }
        }
        // The other way: nothing in the table consumes a word unless the help (or the source, noted above) says so.
        const notShown = new Set((p.valueNotShown ?? []).map((n) => (n.startsWith('-') ? canonical(table!, n) : n)));
        for (const v of table!.valued ?? []) {
          if (!shownValued.has(v) && !notShown.has(v))
            problems.push(`the table says ${v} takes a value; ${p.name}'s help does not show it`);
        }
        expect([...new Set(problems)]).toEqual([]);
      },
    );
  }

  /**
   * apt's `--help` lists no options, so apt itself is the oracle: an option
   * given last with nothing after it makes apt say it "requires an argument"
   * exactly when it consumes the next word. Each run is a read-only command
   * (`apt-get -s clean`, `apt show`, `apt-cache policy`) that stops at the
   * option error; options apt does not understand for that command are
   * skipped (apt refuses them, so nothing runs).
   */
  const APT_RUNS: Array<{ name: string; command: string[] }> = [
    { name: 'apt-get', command: ['-s', 'clean'] },
    { name: 'apt', command: ['show'] },
    { name: 'apt-cache', command: ['policy'] },
  ];
  for (const run of APT_RUNS) {
    const exe = findExecutable(run.name, process.env.PATH);
    it.skipIf(!exe)(
      `${run.name}: the table agrees with apt's own option parser`,
      () => {
        const table = optionTableFor(run.name, undefined)!;
        // Every option the table says takes a value, each long name that maps to one, and flags that share their letters elsewhere.
        const valued = new Set(table.valued ?? []);
        const names = new Set<string>([
          ...[...valued].map((v) => (v.length === 1 ? `-${v}` : v)),
          ...Object.entries(table.long ?? {})
            .filter(([, c]) => valued.has(c))
            .map(([l]) => `--${l}`),
          '-a',
          '-s',
          '-p',
          '-q',
          '-y',
          '-d',
          '-f',
          '--all-versions',
          '--installed',
        ]);
        const problems: string[] = [];
        let understood = 0;
        for (const n of names) {
          const r = spawnSync(exe as string, [...run.command, n], {
            encoding: 'utf8',
            env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C' },
            timeout: 20_000,
          });
          const out = `${r.stdout}${r.stderr}`;
          if (/not understood|Invalid operation/.test(out)) continue;
          understood++;
          const consumes = /requires an argument/.test(out);
          if (consumes !== (tableSays(table, n) === 'required'))
            problems.push(`${n}: apt says ${consumes ? 'it takes a value' : 'no value'}, the table says ${tableSays(table, n)}`);
        }
        expect(understood).toBeGreaterThan(3);
        expect(problems).toEqual([]);
      },
      120_000,
    );
  }

  const find = findExecutable('find', process.env.PATH);
  it.skipIf(!find)('find: every primary the help shows with an argument is in the table with its count', () => {
    const help = spawnSync(find as string, ['--help'], { encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C' } }).stdout;
    const words = help.split(/\s+/);
    const missing: string[] = [];
    let checked = 0;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      // Operators take expressions, actions run to `;`; the help lists -regextype without its argument (find.1: `-regextype type`).
      if (
        !/^-[a-z][a-z0-9_]+$/.test(w) ||
        w.startsWith('-exec') ||
        w.startsWith('-ok') ||
        ['-not', '-and', '-or', '-regextype'].includes(w)
      )
        continue;
      let n = 0;
      while (/^([A-Z]+|N(\[bcwkMG\])?|\[[^\]]+\]?\S*)$/.test(words[i + 1 + n] ?? '')) n++;
      if ((FIND_PRIMARY_ARGS[w] ?? 0) !== n) missing.push(`${w} takes ${n}, table says ${FIND_PRIMARY_ARGS[w] ?? 0}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });
});
