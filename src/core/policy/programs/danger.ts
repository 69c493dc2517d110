import type { Inspection } from './findings';
import type { Flag } from './options';
import type { Arg } from '../shell/words';
import { inspectRootPrograms } from './root-programs';
import { isSensitiveVariable } from '../shell/shell-names';

/**
 * Arguments that make an otherwise ordinary program dangerous, as data where
 * possible. These are floors: they apply whatever rule matched, so an
 * `auto_allow = ["find"]` still asks before `find -delete`.
 */

/** Interpreters and the options that hand them code on the command line. */
const INTERPRETERS: ReadonlyArray<{ test: RegExp; short: string; long: readonly string[] }> = [
  { test: /^(python|pypy)[0-9.]*$/, short: 'c', long: [] },
  { test: /^perl[0-9.]*$/, short: 'eE', long: [] },
  { test: /^ruby[0-9.]*$/, short: 'e', long: [] },
  { test: /^(node|nodejs|bun)$/, short: 'ep', long: ['--eval', '--print'] },
  { test: /^deno$/, short: '', long: [] },
  { test: /^php[0-9.]*$/, short: 'rRBE', long: [] },
  { test: /^(lua|luajit)[0-9.]*$/, short: 'e', long: [] },
  { test: /^Rscript$/, short: 'e', long: [] },
  { test: /^(R)$/, short: 'e', long: [] },
  { test: /^osascript$/, short: 'e', long: [] },
  { test: /^(pwsh|powershell)$/, short: 'c', long: ['-Command', '-EncodedCommand', '-command', '-encodedcommand'] },
  { test: /^(tclsh|wish|expect)[0-9.]*$/, short: 'c', long: [] },
  { test: /^(guile|racket|sbcl|clisp|gawk-eval)$/, short: 'ec', long: ['--eval'] },
];

export function isInterpreter(program: string): boolean {
  return INTERPRETERS.some((i) => i.test.test(program));
}

/** `python -c CODE`, `perl -e`, `node --eval`, code on stdin, an interactive prompt. */
export function inspectInterpreter(ins: Inspection): void {
  const { layer, found, ctx } = ins;
  const spec = INTERPRETERS.find((i) => i.test.test(layer.program));
  if (!spec) return;
  const name = layer.program;
  if (layer.open || layer.parsed.uncertain) {
    found.floor('require_approval', `${name} gets arguments only known at run time (they could be code)`);
  }
  if (name === 'deno' && layer.args[0]?.text === 'eval') {
    found.floor('require_approval', 'deno eval runs code given on the command line');
    return;
  }
  let scriptOrModule = false;
  for (const a of layer.args) {
    const t = a.text;
    if (spec.long.some((l) => t === l || t.startsWith(`${l}=`))) {
      found.floor('require_approval', `${name} ${t.split('=')[0]} runs code given on the command line`);
      return;
    }
    if (t.startsWith('-') && !t.startsWith('--') && t.length > 1) {
      const c = [...t.slice(1)].find((ch) => spec.short.includes(ch));
      if (c) {
        found.floor('require_approval', `${name} -${c} runs code given on the command line`);
        return;
      }
      if (/^-m/.test(t) && /^(python|pypy)/.test(name)) scriptOrModule = true;
      continue;
    }
    if (t === '-') break;
    scriptOrModule = true;
    break;
  }
  if (scriptOrModule) return;
  if (ctx.stdin) found.floor('require_approval', `${name} reads code from stdin, which cannot be judged before it runs`);
  else if (!layer.args.some((a) => ['--version', '-V', '--help', '-h', '-v'].includes(a.text))) {
    found.floor('require_approval', `${name} starts an interactive interpreter`);
  }
}

const AWK = new Set(['awk', 'gawk', 'mawk', 'nawk', 'busybox-awk']);

/** awk programs can run commands (`system()`, `| "cmd"`) and write files (`> "f"`). */
export function inspectAwk(ins: Inspection): boolean {
  const { layer, found } = ins;
  if (!AWK.has(layer.program)) return false;
  const args = layer.args;
  let program: Arg | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as Arg;
    const t = a.text;
    if (t === '-f' || t.startsWith('--file') || /^-f./.test(t)) {
      found.floor('require_approval', `${layer.program} -f runs an awk program from a file`);
      return true;
    }
    if (t === '-v' || t === '-F' || t === '--assign' || t === '--field-separator') {
      i++;
      continue;
    }
    if (t === '--') {
      program = args[i + 1];
      break;
    }
    if (t.startsWith('-') && t.length > 1 && !a.dynamic) continue;
    program = a;
    break;
  }
  if (!program) return true;
  if (program.dynamic) found.floor('require_approval', `${layer.program} runs a program only known at run time`);
  else if (/\bsystem\s*\(|\||>|\bgetline\b/.test(program.text)) {
    found.floor('require_approval', `the ${layer.program} program can run commands or write files (system, |, >, getline)`);
  }
  return true;
}

function flag(flags: readonly Flag[], ...names: string[]): Flag | undefined {
  return flags.find((f) => names.includes(f.name));
}

/** sed: `-i` rewrites its file operands; the `e` command and `w` write/execute. */
export function inspectSed(ins: Inspection): boolean {
  const { layer, found } = ins;
  if (layer.program !== 'sed' && layer.program !== 'gsed') return false;
  const { flags, positionals } = layer.parsed;
  if (flag(flags, 'f')) found.floor('require_approval', 'sed -f runs a script from a file');
  const scripts = flags.filter((f) => f.name === 'e' && f.value).map((f) => f.value as Arg);
  const files = [...positionals];
  if (scripts.length === 0 && !flag(flags, 'f') && files.length > 0) scripts.push(files.shift() as Arg);
  for (const s of scripts) {
    if (s.dynamic) found.floor('require_approval', 'sed runs a script only known at run time');
    // An `e` or `w`/`W` command, or an `e`/`w` flag after s///.
    else if (/(^|[;\n{}]|\/|[0-9$])\s*[eEwW](\s|$|;|})|s(.)(?:\\.|(?!\3).)*\3(?:\\.|(?!\3).)*\3[gpiImM0-9]*[ew]/.test(s.text)) {
      found.floor('require_approval', 'the sed script runs commands or writes files (e / w)');
    }
  }
  if (flag(flags, 'i')) for (const f of files) found.write(f, 'sed -i');
  return true;
}

/** Options of other programs that run arbitrary commands. */
const COMMAND_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  git: ['c', '--config-env', '--exec-path'],
  tar: ['I', 'F', '--to-command', '--checkpoint-action', '--rsh-command', '--use-compress-program'],
  rsync: ['e', '--rsh', '--rsync-path'],
  // man's pager and HTML browser are programs it runs on the page.
  man: ['P', '--pager', 'H', '--html'],
  'git clone': ['u', '--upload-pack'],
};

/**
 * Options that pull configuration or code from a path or another place, so
 * what runs is no longer what the line shows: a floor of require_approval
 * whatever rule matched. Options of these programs not listed here were
 * judged harmless (README, "Fail closed").
 */
const CONFIG_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  git: {
    C: 'runs git in another repository, whose configuration and hooks can run commands',
    '--git-dir': 'points git at another repository, whose configuration and hooks can run commands',
    '--work-tree': 'points git at another work tree (its .git configuration can run commands)',
  },
  'git clone': {
    '--template': 'copies hooks from a template directory, which then run',
    c: 'sets configuration for the clone (core.fsmonitor, core.sshCommand, … run commands)',
    '--separate-git-dir': 'puts the repository somewhere else',
  },
  apt: { o: 'sets an APT option (Pre-Invoke, Dir::…, hooks run commands)', c: 'reads an APT configuration file (hooks run commands)' },
  'apt-get': {
    o: 'sets an APT option (Pre-Invoke, Dir::…, hooks run commands)',
    c: 'reads an APT configuration file (hooks run commands)',
  },
  'apt-cache': {
    o: 'sets an APT option (Dir::Cache::… writes files)',
    c: 'reads an APT configuration file',
    p: 'writes the package cache to a file',
    s: 'writes the source cache to a file',
  },
  dpkg: {
    '--pre-invoke': 'runs a command before dpkg acts',
    '--post-invoke': 'runs a command after dpkg acts',
    '--status-logger': 'runs a command fed dpkg status updates',
    '--admindir': 'uses another package database',
    '--root': 'operates on another root directory',
    '--instdir': 'installs into another directory',
    '--log': 'writes a log to a file it names',
  },
  pacman: {
    '--config': 'reads another pacman configuration',
    '--hookdir': 'runs hooks from another directory',
    '--sysroot': 'operates on another system root',
    '--gpgdir': 'uses another GnuPG home (what signatures are trusted)',
    '--logfile': 'writes a log to a file it names',
    '--cachedir': 'downloads packages to a directory it names',
    r: 'operates on another installation root',
    b: 'uses another package database',
  },
  systemctl: {
    H: 'connects to another host over ssh (ssh configuration can run commands)',
    M: 'operates on a local container',
    '--root': 'edits unit files under another root',
    '--image': 'edits unit files in a disk image',
  },
  cargo: {
    '--config': 'sets cargo configuration (build.rustc-wrapper, … run commands)',
    C: 'runs cargo in another directory',
    Z: 'turns on unstable cargo features',
  },
};

function optionMatches(listed: string, flag: string): boolean {
  if (listed === flag) return true;
  // `--conf` is getopt_long's abbreviation of `--config` (when no table knew it).
  return listed.startsWith('--') && flag.startsWith('--') && flag.length > 3 && listed.startsWith(flag);
}

function inspectConfigOptions(ins: Inspection): void {
  const { layer, found } = ins;
  const sub = layer.parsed.positionals[0];
  const tables = [CONFIG_OPTIONS[layer.program], sub && !sub.dynamic ? CONFIG_OPTIONS[`${layer.program} ${sub.text}`] : undefined];
  for (const table of tables) {
    if (!table) continue;
    for (const f of layer.parsed.flags) {
      for (const [name, why] of Object.entries(table)) {
        if (optionMatches(name, f.name))
          found.floor('require_approval', `${layer.program} ${name.length === 1 ? `-${name}` : name} ${why}`);
      }
    }
  }
  // BSD-style `ps e` (`ps auxe`, `ps eww`) prints the environment of every process this user runs: aios's own secrets included.
  if (
    layer.program === 'ps' &&
    layer.parsed.positionals.some(
      (p) => !p.dynamic && /^[A-Za-z]+$/.test(p.text) && p.text.includes('e') && /^[aAcCefgGhHjlLmMnNrsStTuvVwxXZ]+$/.test(p.text),
    )
  ) {
    found.floor('require_approval', "ps e shows the environment of this user's processes, secrets included");
  }
  if (layer.program === 'git' && sub?.text === 'clone' && layer.parsed.positionals.some((p) => /^ext::|^fd::/.test(p.text) || p.dynamic)) {
    found.floor('require_approval', 'git clone from an ext:: (or run-time) address runs a command as the transport');
  }
}

export function inspectCommandOptions(ins: Inspection): void {
  const { layer, found } = ins;
  inspectConfigOptions(ins);
  inspectRootPrograms(ins);
  const sub = layer.parsed.positionals[0];
  const names = [
    ...(COMMAND_OPTIONS[layer.program] ?? []),
    ...(sub && !sub.dynamic ? (COMMAND_OPTIONS[`${layer.program} ${sub.text}`] ?? []) : []),
  ];
  if (names.length === 0) return;
  for (const f of layer.parsed.flags) {
    if (names.includes(f.name) || (f.name.startsWith('--') && names.some((n) => n.startsWith('--') && f.name.startsWith(n)))) {
      found.floor('require_approval', `${layer.program} ${f.name.length === 1 ? `-${f.name}` : f.name} can run arbitrary commands`);
    }
  }
  for (const a of layer.args) {
    if (
      !a.dynamic &&
      /^--(checkpoint-action|to-command|rsh-command|use-compress-program|rsync-path|rsh|config-env|upload-pack)(=|$)/.test(a.text)
    ) {
      found.floor('require_approval', `${layer.program} ${a.text.split('=')[0]} can run arbitrary commands`);
    }
  }
  if (layer.program === 'git' && layer.parsed.uncertain) found.floor('require_approval', 'git gets options only known at run time');
}

type WriteRule = (ins: Inspection) => void;

const allOperands: WriteRule = ({ layer, found }) => {
  for (const p of layer.parsed.positionals) found.write(p, layer.program);
};

const destination: WriteRule = ({ layer, found }) => {
  const t = flag(layer.parsed.flags, 't', '--target-directory');
  if (t?.value) found.write(t.value, `${layer.program} -t`);
  else if (layer.parsed.positionals.length >= 2)
    found.write(layer.parsed.positionals[layer.parsed.positionals.length - 1] as Arg, layer.program);
  else if (layer.parsed.positionals.length === 1 && layer.program === 'ln') return;
};

const afterFirst: WriteRule = ({ layer, found }) => {
  const skip = flag(layer.parsed.flags, '--reference') ? 0 : 1;
  for (const p of layer.parsed.positionals.slice(skip)) found.write(p, layer.program);
};

function optionValue(names: string[]): WriteRule {
  return ({ layer, found }) => {
    for (const f of layer.parsed.flags)
      if (names.includes(f.name) && f.value) found.write(f.value, `${layer.program} ${f.name.length === 1 ? `-${f.name}` : f.name}`);
  };
}

/** Programs and which of their words name files they write, create or remove. */
const WRITES: Readonly<Record<string, WriteRule>> = {
  tee: allOperands,
  touch: allOperands,
  mkdir: allOperands,
  rmdir: allOperands,
  rm: allOperands,
  shred: allOperands,
  truncate: allOperands,
  unlink: allOperands,
  cp: destination,
  mv: destination,
  install: destination,
  ln: destination,
  rsync: destination,
  chmod: afterFirst,
  chown: afterFirst,
  chgrp: afterFirst,
  sort: optionValue(['o']),
  curl: optionValue(['o']),
  wget: optionValue(['O']),
  // `git clone URL DIR` creates DIR; `cargo install --root DIR` installs into DIR/bin.
  git: ({ layer, found }) => {
    const [sub, , dir] = layer.parsed.positionals;
    if (sub?.text === 'clone' && dir) found.write(dir, 'git clone');
  },
  cargo: ({ layer, found }) => {
    const root = layer.parsed.flags.find((f) => f.name === '--root');
    if (root?.value) found.write(root.value, 'cargo --root');
  },
  // script writes its typescript (the operand, else ./typescript) and any log file it is given.
  script: ({ layer, found }) => {
    for (const f of layer.parsed.flags)
      if (['B', 'I', 'O', 'T', 't'].includes(f.name) && f.value) found.write(f.value, `script -${f.name}`);
    const file = layer.parsed.positionals[0];
    if (file) found.write(file, 'script');
  },
  dd: ({ layer, found }) => {
    for (const p of layer.parsed.positionals) {
      if (p.text.startsWith('of=')) found.write({ ...p, text: p.text.slice(3), prefix: p.prefix.slice(3) }, 'dd of=');
    }
  },
};

export function inspectWrites(ins: Inspection): void {
  WRITES[ins.layer.program]?.(ins);
}

/** `NAME=value` words: flags the ones that change what runs. */
export function inspectAssignments(words: readonly Arg[], ins: Pick<Inspection, 'found'>, where: string): void {
  for (const w of words) {
    const name = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/.exec(w.prefix)?.[1];
    if (name && isSensitiveVariable(name)) {
      ins.found.floor('require_approval', `${where} sets ${name}, which changes what commands run or load`);
    }
  }
}
