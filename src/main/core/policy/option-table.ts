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
    recursive: 'r', force: 'f', archive: 'a', verbose: 'v', interactive: 'i', 'no-clobber': 'n',
    'target-directory': 't', 'no-target-directory': 'T', update: 'u', link: 'l', 'symbolic-link': 's',
    dereference: 'L', 'no-dereference': 'P', backup: 'b', suffix: 'S',
  },
  valued: ['t', 'S'],
};

const MV: OptionTable = {
  long: {
    force: 'f', interactive: 'i', 'no-clobber': 'n', verbose: 'v', 'target-directory': 't',
    'no-target-directory': 'T', update: 'u', backup: 'b', suffix: 'S',
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

const PACMAN: OptionTable = {
  long: {
    // operations
    sync: 'S', query: 'Q', remove: 'R', database: 'D', deptest: 'T', upgrade: 'U', files: 'F', version: 'V', help: 'h',
    // modifiers (several long names share a letter, depending on the operation)
    refresh: 'y', sysupgrade: 'u', unneeded: 'u', upgrades: 'u', search: 's', recursive: 's', info: 'i', list: 'l',
    nosave: 'n', native: 'n', cascade: 'c', clean: 'c', changelog: 'c', groups: 'g', owns: 'o', quiet: 'q', verbose: 'v',
    downloadonly: 'w', print: 'p', explicit: 'e', deps: 'd', nodeps: 'd', foreign: 'm', unrequired: 't', check: 'k',
    file: 'p', root: 'r', dbpath: 'b',
  },
  valued: ['r', 'b'],
};

const GIT: OptionTable = {
  long: { 'git-dir': '--git-dir', 'work-tree': '--work-tree', namespace: '--namespace', 'exec-path': '--exec-path', 'config-env': '--config-env' },
  valued: ['C', 'c', '--git-dir', '--work-tree', '--namespace', '--config-env'],
  optionalValue: ['--exec-path'],
};

const GIT_PUSH: OptionTable = {
  long: {
    force: 'f', 'force-with-lease': '--force-with-lease', all: '--all', mirror: '--mirror', delete: 'd', tags: '--tags',
    'set-upstream': 'u', verbose: 'v', quiet: 'q', 'dry-run': 'n', repo: '--repo', 'push-option': 'o', 'receive-pack': '--receive-pack',
  },
  valued: ['o', '--repo', '--receive-pack'],
  optionalValue: ['--force-with-lease'],
};

const GIT_CLEAN: OptionTable = {
  long: { force: 'f', 'dry-run': 'n', quiet: 'q', interactive: 'i', exclude: 'e' },
  valued: ['e'],
};

const GIT_RESET: OptionTable = { long: { quiet: 'q', patch: 'p' } };

const GIT_CLONE: OptionTable = {
  long: {
    branch: 'b', origin: 'o', depth: '--depth', recursive: '--recurse-submodules', 'recurse-submodules': '--recurse-submodules',
    'upload-pack': 'u', template: '--template', config: 'c', quiet: 'q', verbose: 'v', bare: '--bare', mirror: '--mirror',
    jobs: 'j', separate: '--separate-git-dir', 'separate-git-dir': '--separate-git-dir', reference: '--reference',
  },
  valued: ['b', 'o', '--depth', 'u', '--template', 'c', 'j', '--separate-git-dir', '--reference'],
  optionalValue: ['--recurse-submodules'],
};

const GREP: OptionTable = {
  short: {},
  long: {
    regexp: 'e', file: 'f', 'max-count': 'm', 'after-context': 'A', 'before-context': 'B', context: 'C', recursive: 'r',
    'dereference-recursive': 'R', 'ignore-case': 'i', 'invert-match': 'v', 'line-number': 'n', 'files-with-matches': 'l',
    'files-without-match': 'L', count: 'c', 'word-regexp': 'w', 'line-regexp': 'x', 'extended-regexp': 'E', 'fixed-strings': 'F',
    'perl-regexp': 'P', quiet: 'q', silent: 'q', 'only-matching': 'o', 'no-messages': 's', 'with-filename': 'H', 'no-filename': 'h',
  },
  valued: ['e', 'f', 'm', 'A', 'B', 'C'],
};

const LS: OptionTable = {
  long: {
    all: 'a', 'almost-all': 'A', recursive: 'R', 'human-readable': 'h', reverse: 'r', directory: 'd', classify: 'F',
    inode: 'i', size: 's', 'numeric-uid-gid': 'n', 'dereference': 'L', 'ignore-backups': 'B', context: 'Z',
  },
  valued: ['I', 'T', 'w'],
};

const SYSTEMCTL: OptionTable = {
  long: {
    type: 't', property: 'p', all: 'a', recursive: 'r', host: 'H', machine: 'M', lines: 'n', output: 'o', signal: 's',
    force: 'f', quiet: 'q', 'no-block': '--no-block', now: '--now', user: '--user', system: '--system', 'no-pager': '--no-pager',
  },
  valued: ['t', 'p', 'H', 'M', 'n', 'o', 's'],
};

const TAR: OptionTable = {
  long: {
    extract: 'x', get: 'x', create: 'c', list: 't', append: 'r', update: 'u', file: 'f', directory: 'C', gzip: 'z',
    bzip2: 'j', xz: 'J', verbose: 'v', 'use-compress-program': 'I', 'files-from': 'T', 'exclude-from': 'X',
    'info-script': 'F', 'new-volume-script': 'F', 'to-stdout': 'O', 'keep-old-files': 'k', 'preserve-permissions': 'p',
  },
  valued: ['f', 'C', 'I', 'T', 'X', 'F', 'b', 'H', 'K', 'L', 'N', 'V', 'g'],
  bundledFirst: true,
};

const SED: OptionTable = {
  long: { expression: 'e', file: 'f', 'in-place': 'i', quiet: 'n', silent: 'n', 'regexp-extended': 'E', separate: 's', 'null-data': 'z', 'line-length': 'l' },
  valued: ['e', 'f', 'l'],
  optionalValue: ['i'],
};

const SORT: OptionTable = {
  long: { output: 'o', key: 'k', 'field-separator': 't', 'buffer-size': 'S', 'temporary-directory': 'T', reverse: 'r', unique: 'u', numeric: 'n' },
  valued: ['o', 'k', 't', 'S', 'T'],
};

const CURL: OptionTable = {
  long: {
    output: 'o', 'remote-name': 'O', data: 'd', header: 'H', request: 'X', user: 'u', 'user-agent': 'A', referer: 'e',
    'upload-file': 'T', config: 'K', form: 'F', location: 'L', silent: 's', insecure: 'k', 'output-dir': '--output-dir',
  },
  valued: ['o', 'd', 'H', 'X', 'u', 'A', 'e', 'T', 'K', 'F', '--output-dir'],
};

const WGET: OptionTable = {
  long: { 'output-document': 'O', 'output-file': 'o', 'directory-prefix': 'P', quiet: 'q', 'append-output': 'a', input: 'i' },
  valued: ['O', 'o', 'P', 'a', 'i'],
};

const TEE: OptionTable = { long: { append: 'a', 'ignore-interrupts': 'i', 'output-error': '--output-error' }, optionalValue: ['--output-error'] };

const MKFS: OptionTable = { valued: ['t', 'L', 'b', 'c', 'E', 'O', 'T', 'n'] };

const SYSTEMD_SIMPLE: OptionTable = { long: { force: 'f' } };

const NO_OPTIONS: OptionTable = { noOptions: true };

export const OPTION_TABLES: Readonly<Record<string, OptionTable>> = {
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
  pacman: PACMAN,
  git: GIT,
  'git push': GIT_PUSH,
  'git clean': GIT_CLEAN,
  'git reset': GIT_RESET,
  'git clone': GIT_CLONE,
  grep: GREP,
  egrep: GREP,
  fgrep: GREP,
  ls: LS,
  systemctl: SYSTEMCTL,
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
};

export function optionTableFor(program: string, firstOperand: string | undefined): OptionTable | undefined {
  if (firstOperand !== undefined) {
    const sub = OPTION_TABLES[`${program} ${firstOperand}`];
    if (sub) return sub;
  }
  return OPTION_TABLES[program] ?? (program.startsWith('mkfs.') ? MKFS : undefined);
}
