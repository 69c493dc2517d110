import * as Rule from './rule-program-options';

/**
 * Per-program knowledge of options, as data: which long options are the same
 * as which short ones, which short spellings are synonyms, and which options
 * take a value. Keys are a program or `program subcommand` (looked up first).
 *
 * A program not listed gets the generic rule: `-abc` is `-a -b -c`, `--name`
 * and `--name=value` are the long option `name`, nothing takes a separate
 * value, and a long option only equals itself.
 */
export interface OptionTable {
  /** Long name → canonical name (a short letter, or another long name). */
  long?: Readonly<Record<string, string>>;
  /** Short letter → canonical letter (`R` → `r` for rm). */
  short?: Readonly<Record<string, string>>;
  /** Canonical names that take a value: the rest of the cluster or the next word. */
  valued?: readonly string[];
  /** Canonical names whose value may only be attached (`-i.bak`, `--in-place=.bak`). */
  optionalValue?: readonly string[];
  /** When set, a cluster is options only if all its letters are here (chmod's `-x` is a mode). */
  knownShort?: string;
  /** No options at all: every word is an operand (find's `-name`, dd's `if=`). */
  noOptions?: boolean;
  /** tar-style: a first word without a dash is still a cluster (`tar xzf a.tgz`). */
  bundledFirst?: boolean;
}

const RM: OptionTable = {
  short: { R: 'r' },
  long: { recursive: 'r', force: 'f', dir: 'd', verbose: 'v', interactive: 'i' },
  optionalValue: ['i'],
};

const CP: OptionTable = {
  short: { R: 'r' },
  long: {
    recursive: 'r',
    force: 'f',
    archive: 'a',
    verbose: 'v',
    interactive: 'i',
    'no-clobber': 'n',
    'target-directory': 't',
    'no-target-directory': 'T',
    update: 'u',
    link: 'l',
    'symbolic-link': 's',
    dereference: 'L',
    'no-dereference': 'P',
    backup: 'b',
    suffix: 'S',
  },
  valued: ['t', 'S'],
};

const MV: OptionTable = {
  long: {
    force: 'f',
    interactive: 'i',
    'no-clobber': 'n',
    verbose: 'v',
    'target-directory': 't',
    'no-target-directory': 'T',
    update: 'u',
    backup: 'b',
    suffix: 'S',
  },
  valued: ['t', 'S'],
};

const CHMOD: OptionTable = {
  long: { recursive: 'R', verbose: 'v', changes: 'c', silent: 'f', quiet: 'f', reference: '--reference' },
  knownShort: 'Rcfv',
};

const CHOWN: OptionTable = {
  long: { recursive: 'R', verbose: 'v', changes: 'c', silent: 'f', quiet: 'f', dereference: '--dereference', 'no-dereference': 'h' },
  knownShort: 'RcfvhHLP',
};

const GIT_PUSH: OptionTable = {
  long: {
    force: 'f',
    'force-with-lease': '--force-with-lease',
    all: '--all',
    mirror: '--mirror',
    delete: 'd',
    tags: '--tags',
    'set-upstream': 'u',
    verbose: 'v',
    quiet: 'q',
    'dry-run': 'n',
    repo: '--repo',
    'push-option': 'o',
    'receive-pack': '--receive-pack',
  },
  valued: ['o', '--repo', '--receive-pack'],
  optionalValue: ['--force-with-lease'],
};

const GIT_CLEAN: OptionTable = {
  long: { force: 'f', 'dry-run': 'n', quiet: 'q', interactive: 'i', exclude: 'e' },
  valued: ['e'],
};

const GIT_RESET: OptionTable = { long: { quiet: 'q', patch: 'p' } };

const TAR: OptionTable = {
  long: {
    extract: 'x',
    get: 'x',
    create: 'c',
    list: 't',
    append: 'r',
    update: 'u',
    file: 'f',
    directory: 'C',
    gzip: 'z',
    bzip2: 'j',
    xz: 'J',
    verbose: 'v',
    'use-compress-program': 'I',
    'files-from': 'T',
    'exclude-from': 'X',
    'info-script': 'F',
    'new-volume-script': 'F',
    'to-stdout': 'O',
    'keep-old-files': 'k',
    'preserve-permissions': 'p',
  },
  valued: ['f', 'C', 'I', 'T', 'X', 'F', 'b', 'H', 'K', 'L', 'N', 'V', 'g'],
  bundledFirst: true,
};

const SED: OptionTable = {
  long: {
    expression: 'e',
    file: 'f',
    'in-place': 'i',
    quiet: 'n',
    silent: 'n',
    'regexp-extended': 'E',
    separate: 's',
    'null-data': 'z',
    'line-length': 'l',
  },
  valued: ['e', 'f', 'l'],
  optionalValue: ['i'],
};

const SORT: OptionTable = {
  long: {
    output: 'o',
    key: 'k',
    'field-separator': 't',
    'buffer-size': 'S',
    'temporary-directory': 'T',
    reverse: 'r',
    unique: 'u',
    numeric: 'n',
  },
  valued: ['o', 'k', 't', 'S', 'T'],
};

const CURL: OptionTable = {
  long: {
    output: 'o',
    'remote-name': 'O',
    data: 'd',
    header: 'H',
    request: 'X',
    user: 'u',
    'user-agent': 'A',
    referer: 'e',
    'upload-file': 'T',
    config: 'K',
    form: 'F',
    location: 'L',
    silent: 's',
    insecure: 'k',
    'output-dir': '--output-dir',
  },
  valued: ['o', 'd', 'H', 'X', 'u', 'A', 'e', 'T', 'K', 'F', '--output-dir'],
};

const WGET: OptionTable = {
  long: { 'output-document': 'O', 'output-file': 'o', 'directory-prefix': 'P', quiet: 'q', 'append-output': 'a', input: 'i' },
  valued: ['O', 'o', 'P', 'a', 'i'],
};

const TEE: OptionTable = {
  long: { append: 'a', 'ignore-interrupts': 'i', 'output-error': '--output-error' },
  optionalValue: ['--output-error'],
};

const MKFS: OptionTable = { valued: ['t', 'L', 'b', 'c', 'E', 'O', 'T', 'n'] };

const SYSTEMD_SIMPLE: OptionTable = { long: { force: 'f' } };

const NO_OPTIONS: OptionTable = { noOptions: true };

/** util-linux script: the typescript file (its operand) and the log files it writes. */
const SCRIPT: OptionTable = {
  long: {
    append: 'a',
    command: 'c',
    echo: 'E',
    return: 'e',
    flush: 'f',
    'log-io': 'B',
    'log-in': 'I',
    'log-out': 'O',
    'log-timing': 'T',
    'logging-format': 'm',
    'output-limit': 'o',
    quiet: 'q',
    timing: 't',
  },
  valued: ['c', 'E', 'B', 'I', 'O', 'T', 'm', 'o'],
  optionalValue: ['t'],
};

/**
 * Long options that have no short twin are their own canonical name; listing
 * them in `long` lets an abbreviation (`--conf` for `--config`, which
 * getopt_long accepts) be read as the option it stands for, value and all.
 */
function withLongNames(table: OptionTable): OptionTable {
  const extra: Record<string, string> = {};
  for (const name of [...(table.valued ?? []), ...(table.optionalValue ?? [])]) {
    if (name.startsWith('--') && table.long?.[name.slice(2)] === undefined) extra[name.slice(2)] = name;
  }
  return Object.keys(extra).length === 0 ? table : { ...table, long: { ...table.long, ...extra } };
}

const TABLES: Readonly<Record<string, OptionTable>> = {
  rm: RM,
  cp: CP,
  mv: MV,
  ln: { long: { symbolic: 's', force: 'f', 'target-directory': 't', verbose: 'v' }, valued: ['t'] },
  install: { long: { 'target-directory': 't', mode: 'm', owner: 'o', group: 'g', directory: 'd' }, valued: ['t', 'm', 'o', 'g', 'S'] },
  rmdir: { long: { parents: 'p', verbose: 'v' } },
  mkdir: { long: { parents: 'p', mode: 'm', verbose: 'v' }, valued: ['m'] },
  touch: { valued: ['d', 'r', 't'], long: { date: 'd', reference: 'r', 'no-create': 'c' } },
  shred: { long: { force: 'f', iterations: 'n', remove: 'u', zero: 'z', verbose: 'v' }, valued: ['n', 's'], optionalValue: ['u'] },
  truncate: { long: { size: 's', reference: 'r', 'no-create': 'c' }, valued: ['s', 'r'] },
  chmod: CHMOD,
  chown: CHOWN,
  chgrp: CHOWN,
  pacman: Rule.PACMAN,
  git: Rule.GIT,
  'git push': GIT_PUSH,
  'git clean': GIT_CLEAN,
  'git reset': GIT_RESET,
  'git clone': Rule.GIT_CLONE,
  grep: Rule.GREP,
  egrep: Rule.GREP,
  fgrep: Rule.GREP,
  ls: Rule.LS,
  dir: Rule.LS,
  vdir: Rule.LS,
  cat: Rule.CAT,
  systemctl: Rule.SYSTEMCTL,
  apt: Rule.APT,
  'apt-get': Rule.APT_GET,
  'apt-cache': Rule.APT_CACHE,
  dpkg: Rule.DPKG,
  'dpkg-query': Rule.DPKG_QUERY,
  cargo: Rule.CARGO,
  ps: Rule.PS,
  top: Rule.TOP,
  htop: Rule.HTOP,
  df: Rule.DF,
  free: Rule.FREE,
  uname: Rule.UNAME,
  reboot: SYSTEMD_SIMPLE,
  poweroff: SYSTEMD_SIMPLE,
  shutdown: { long: { reboot: 'r', poweroff: 'P', halt: 'H' } },
  tar: TAR,
  sed: SED,
  sort: SORT,
  curl: CURL,
  wget: WGET,
  tee: TEE,
  mkfs: MKFS,
  find: NO_OPTIONS,
  dd: NO_OPTIONS,
  script: SCRIPT,
};

export const OPTION_TABLES: Readonly<Record<string, OptionTable>> = Object.fromEntries(
  Object.entries(TABLES).map(([k, t]) => [k, withLongNames(t)]),
);

const MKFS_TABLE = withLongNames(MKFS);

export function optionTableFor(program: string, firstOperand: string | undefined): OptionTable | undefined {
  if (firstOperand !== undefined) {
    const sub = OPTION_TABLES[`${program} ${firstOperand}`];
    if (sub) return sub;
  }
  return OPTION_TABLES[program] ?? (program.startsWith('mkfs.') ? MKFS_TABLE : undefined);
}
