import type { OptionTable } from './option-table';

/**
 * Option tables of every program a shipped rule names, complete for the
 * options that consume the next word: without that a value is read as the
 * verb or operation (`systemctl -P status kill x` is `kill`, `pacman
 * --config -Q -U f` is `-U`). Taken from each program's own `--help`, man
 * page or getopt table in its source; test/policy/option-tables.test.ts
 * checks them against `--help` wherever the program is installed.
 */

export const PACMAN: OptionTable = {
  long: {
    // operations
    sync: 'S', query: 'Q', remove: 'R', database: 'D', deptest: 'T', upgrade: 'U', files: 'F', version: 'V', help: 'h',
    // modifiers (several long names share a letter, depending on the operation)
    refresh: 'y', sysupgrade: 'u', unneeded: 'u', upgrades: 'u', search: 's', recursive: 's', info: 'i', list: 'l',
    nosave: 'n', native: 'n', cascade: 'c', clean: 'c', changelog: 'c', groups: 'g', owns: 'o', quiet: 'q', verbose: 'v',
    downloadonly: 'w', print: 'p', explicit: 'e', deps: 'd', nodeps: 'd', foreign: 'm', unrequired: 't', check: 'k',
    file: 'p', regex: 'x', root: 'r', dbpath: 'b',
  },
  // pacman.c: optstring "DFQRSTUVb:cdefghiklmnopqr:stuvwxy" and the long options with required_argument.
  valued: [
    'r', 'b', '--config', '--cachedir', '--logfile', '--ignore', '--ignoregroup', '--arch', '--print-format', '--gpgdir',
    '--hookdir', '--assume-installed', '--overwrite', '--color', '--sysroot',
  ],
  optionalValue: ['--debug'],
};

export const SYSTEMCTL: OptionTable = {
  long: {
    type: 't', property: 'p', all: 'a', recursive: 'r', host: 'H', machine: 'M', lines: 'n', output: 'o', signal: 's',
    force: 'f', quiet: 'q', full: 'l', help: 'h', 'show-transaction': 'T',
  },
  valued: [
    't', 'p', 'P', 'H', 'M', 'n', 'o', 's', '--state', '--job-mode', '--check-inhibitors', '--kill-whom', '--kill-value', '--what',
    '--legend', '--preset-mode', '--root', '--image', '--image-policy', '--boot-loader-menu', '--boot-loader-entry', '--timestamp',
    '--reboot-argument', '--message', '--when', '--drop-in',
  ],
};

/** apt, apt-get and apt-cache share apt's CommandLine: options anywhere, `-o`/`-c` everywhere. */
const APT_COMMON_LONG = {
  option: 'o', 'config-file': 'c', 'target-release': 't', 'default-release': 't', 'host-architecture': 'a', 'build-profiles': 'P',
  quiet: 'q', help: 'h', version: 'v',
} as const;

export const APT_GET: OptionTable = {
  long: {
    ...APT_COMMON_LONG,
    'download-only': 'd', 'fix-broken': 'f', 'fix-missing': 'm', 'ignore-missing': 'm', 'no-download': '--no-download',
    simulate: 's', 'just-print': 's', 'dry-run': 's', recon: 's', 'no-act': 's', yes: 'y', 'assume-yes': 'y', 'assume-no': '--assume-no',
    'show-upgraded': 'u', 'compile': 'b', build: 'b', 'arch-only': '--arch-only', 'indep-only': '--indep-only', 'no-upgrade': '--no-upgrade',
    'only-upgrade': '--only-upgrade', 'allow-downgrades': '--allow-downgrades', reinstall: '--reinstall', purge: '--purge',
    'list-cleanup': '--list-cleanup', trivial: '--trivial-only', 'no-remove': '--no-remove', 'auto-remove': '--autoremove',
    'print-uris': '--print-uris', 'show-progress': '--show-progress', 'with-source': '--with-source',
  },
  valued: ['o', 'c', 't', 'a', 'P', '--solver', '--planner', '--with-source', '--snapshot'],
};

/** apt: like apt-get, but `-a` is `--all-versions` for `list` (apt's `-a ARCH` is only for build-dep: reading it as a flag is stricter). */
export const APT: OptionTable = {
  long: {
    ...APT_GET.long, installed: '--installed', upgradable: '--upgradable', 'all-versions': 'a', full: '--full', 'names-only': '--names-only',
    'host-architecture': '--host-architecture',
  },
  valued: ['o', 'c', 't', 'P', '--host-architecture', '--solver', '--planner', '--with-source', '--snapshot'],
};

export const APT_CACHE: OptionTable = {
  long: {
    ...APT_COMMON_LONG, 'pkg-cache': 'p', 'src-cache': 's', 'important': 'i', 'all-versions': '--all-versions', 'all-names': '--all-names',
    generate: '--generate', 'names-only': 'n', full: '--full', recurse: '--recurse', installed: '--installed', 'no-all-versions': '--no-all-versions',
  },
  valued: ['o', 'c', 't', 'a', 'P', 'p', 's'],
};

/** dpkg: actions are options too (`-i`, `-l`, `--configure`). From lib/dpkg/options and `dpkg --help`. */
export const DPKG: OptionTable = {
  long: {
    install: 'i', remove: 'r', purge: 'P', list: 'l', status: 's', listfiles: 'L', search: 'S', 'print-avail': 'p', audit: 'C',
    verify: 'V', 'record-avail': 'A', recursive: 'R', 'selected-only': 'O', 'skip-same-version': 'E', 'refuse-downgrade': 'G',
    'auto-deconfigure': 'B', debug: 'D', help: '?', build: 'b', contents: 'c', extract: 'x', vextract: 'X', control: 'e', info: 'I',
    field: 'f', 'pending': 'a',
  },
  valued: [
    'D', '--admindir', '--root', '--instdir', '--pre-invoke', '--post-invoke', '--path-exclude', '--path-include', '--verify-format',
    '--status-fd', '--status-logger', '--log', '--ignore-depends', '--abort-after', '--showformat',
  ],
};

export const DPKG_QUERY: OptionTable = {
  long: {
    status: 's', 'print-avail': 'p', listfiles: 'L', list: 'l', show: 'W', search: 'S', 'control-path': 'c', showformat: 'f', help: '?',
  },
  valued: ['f', '--admindir', '--root'],
};

export const GIT: OptionTable = {
  long: {
    'git-dir': '--git-dir', 'work-tree': '--work-tree', namespace: '--namespace', 'exec-path': '--exec-path', 'config-env': '--config-env',
    'super-prefix': '--super-prefix', 'list-cmds': '--list-cmds', 'attr-source': '--attr-source', paginate: 'p', 'no-pager': 'P',
    version: 'v', help: 'h',
  },
  valued: ['C', 'c', '--git-dir', '--work-tree', '--namespace', '--config-env', '--super-prefix', '--attr-source'],
  optionalValue: ['--exec-path', '--list-cmds'],
};

export const GIT_CLONE: OptionTable = {
  long: {
    branch: 'b', origin: 'o', depth: '--depth', recursive: '--recurse-submodules', 'recurse-submodules': '--recurse-submodules',
    'upload-pack': 'u', template: '--template', config: 'c', quiet: 'q', verbose: 'v', bare: '--bare', mirror: '--mirror',
    jobs: 'j', separate: '--separate-git-dir', 'separate-git-dir': '--separate-git-dir', reference: '--reference',
    'reference-if-able': '--reference-if-able', 'shallow-since': '--shallow-since', 'shallow-exclude': '--shallow-exclude',
    'server-option': '--server-option', filter: '--filter', 'bundle-uri': '--bundle-uri', 'no-checkout': 'n', local: 'l', shared: 's',
    'ref-format': '--ref-format', revision: '--revision',
  },
  valued: [
    'b', 'o', '--depth', 'u', '--template', 'c', 'j', '--separate-git-dir', '--reference', '--reference-if-able', '--shallow-since',
    '--shallow-exclude', '--server-option', '--filter', '--bundle-uri', '--ref-format', '--revision',
  ],
  optionalValue: ['--recurse-submodules'],
};

/** cargo's global options (clap: accepted before or after the subcommand) and `cargo install`'s. */
export const CARGO: OptionTable = {
  long: {
    verbose: 'v', quiet: 'q', version: 'V', help: 'h', list: '--list', jobs: 'j', features: 'F', package: 'p',
    vers: '--version', 'all-features': '--all-features',
  },
  valued: [
    'C', 'Z', 'j', 'F', 'p', '--config', '--color', '--explain', '--git', '--branch', '--tag', '--rev', '--path', '--root', '--index',
    '--registry', '--target', '--target-dir', '--profile', '--bin', '--example', '--message-format', '--timings', '--manifest-path',
    '--lockfile-path',
  ],
  optionalValue: ['--timings'],
};

export const LS: OptionTable = {
  long: {
    all: 'a', 'almost-all': 'A', escape: 'b', 'ignore-backups': 'B', directory: 'd', dired: 'D', classify: 'F', 'no-group': 'G',
    'human-readable': 'h', 'dereference-command-line': 'H', inode: 'i', ignore: 'I', kibibytes: 'k', dereference: 'L',
    'numeric-uid-gid': 'n', literal: 'N', 'hide-control-chars': 'q', 'quote-name': 'Q', reverse: 'r', recursive: 'R', size: 's',
    tabsize: 'T', width: 'w', context: 'Z',
  },
  valued: ['I', 'T', 'w', '--block-size', '--format', '--hide', '--indicator-style', '--quoting-style', '--sort', '--time', '--time-style'],
};

export const CAT: OptionTable = {
  long: { 'show-all': 'A', 'number-nonblank': 'b', 'show-ends': 'E', number: 'n', 'squeeze-blank': 's', 'show-tabs': 'T', 'show-nonprinting': 'v' },
};

export const GREP: OptionTable = {
  long: {
    regexp: 'e', file: 'f', 'max-count': 'm', 'after-context': 'A', 'before-context': 'B', context: 'C', recursive: 'r',
    'dereference-recursive': 'R', 'ignore-case': 'i', 'invert-match': 'v', 'line-number': 'n', 'files-with-matches': 'l',
    'files-without-match': 'L', count: 'c', 'word-regexp': 'w', 'line-regexp': 'x', 'extended-regexp': 'E', 'fixed-strings': 'F',
    'basic-regexp': 'G', 'perl-regexp': 'P', quiet: 'q', silent: 'q', 'only-matching': 'o', 'no-messages': 's', 'with-filename': 'H',
    'no-filename': 'h', directories: 'd', devices: 'D', text: 'a', 'byte-offset': 'b', 'initial-tab': 'T', null: 'Z', 'null-data': 'z',
    binary: 'U', version: 'V',
  },
  valued: ['e', 'f', 'm', 'A', 'B', 'C', 'd', 'D', '--label', '--binary-files', '--include', '--exclude', '--exclude-from', '--exclude-dir', '--group-separator'],
};

export const PS: OptionTable = {
  long: {
    deselect: 'N', Group: 'G', group: 'g', pid: 'p', 'quick-pid': 'q', sid: 's', tty: 't', user: 'u', User: 'U', format: 'o',
    cols: '--cols', columns: '--cols', width: '--cols', rows: '--rows', lines: '--rows', version: 'V',
  },
  valued: ['C', 'G', 'g', 'p', 'q', 's', 't', 'u', 'U', 'O', 'o', '--ppid', '--cols', '--rows', '--sort'],
  optionalValue: ['--help'],
};

/** top (procps-ng): `-d, --delay =SECS`, and `-w [COLS]` whose value may only be attached. */
export const TOP: OptionTable = {
  long: {
    'batch-mode': 'b', 'cmdline-toggle': 'c', delay: 'd', 'scale-summary-mem': 'E', 'scale-task-mem': 'e', 'threads-show': 'H',
    'idle-toggle': 'i', iterations: 'n', 'list-fields': 'O', 'sort-override': 'o', pid: 'p', 'accum-time-toggle': 'S',
    'secure-mode': 's', 'filter-any-user': 'U', 'filter-only-euser': 'u', width: 'w', 'single-cpu-toggle': '1', help: 'h', version: 'V',
  },
  valued: ['d', 'E', 'e', 'n', 'o', 'p', 'U', 'u'],
  optionalValue: ['w'],
};

/** htop: CommandLine.c, optstring "hVMCs:td:n:u::Up:F:H::". */
export const HTOP: OptionTable = {
  long: {
    help: 'h', version: 'V', 'no-mouse': 'M', 'no-color': 'C', 'no-colour': 'C', 'sort-key': 's', tree: 't', delay: 'd',
    'max-iterations': 'n', user: 'u', 'no-unicode': 'U', pid: 'p', filter: 'F', 'highlight-changes': 'H',
  },
  valued: ['s', 'd', 'n', 'p', 'F'],
  optionalValue: ['u', 'H'],
};

export const DF: OptionTable = {
  long: {
    all: 'a', 'block-size': 'B', 'human-readable': 'h', si: 'H', inodes: 'i', local: 'l', portability: 'P', type: 't',
    'print-type': 'T', 'exclude-type': 'x',
  },
  valued: ['B', 't', 'x'],
};

export const FREE: OptionTable = {
  long: {
    bytes: 'b', kibi: 'k', mebi: 'm', gibi: 'g', human: 'h', lohi: 'l', total: 't', committed: 'v', seconds: 's', count: 'c',
    wide: 'w', version: 'V',
  },
  valued: ['s', 'c'],
};

export const UNAME: OptionTable = {
  long: {
    all: 'a', 'kernel-name': 's', nodename: 'n', 'kernel-release': 'r', 'kernel-version': 'v', machine: 'm', processor: 'p',
    'hardware-platform': 'i', 'operating-system': 'o',
  },
};

/**
 * find's expression (find has no options in the usual sense: every word is
 * an operand the expression parser reads): how many words each primary
 * consumes. `-exec`-style actions run to their `;` or `{} +`.
 */
export const FIND_PRIMARY_ARGS: Readonly<Record<string, number>> = {
  '-D': 1, '-O': 0, '-files0-from': 1, '-maxdepth': 1, '-mindepth': 1, '-regextype': 1,
  '-amin': 1, '-anewer': 1, '-atime': 1, '-cmin': 1, '-cnewer': 1, '-context': 1, '-ctime': 1, '-fstype': 1, '-gid': 1, '-group': 1,
  '-ilname': 1, '-iname': 1, '-inum': 1, '-ipath': 1, '-iregex': 1, '-iwholename': 1, '-links': 1, '-lname': 1, '-mmin': 1, '-mtime': 1,
  '-name': 1, '-newer': 1, '-path': 1, '-perm': 1, '-regex': 1, '-samefile': 1, '-size': 1, '-type': 1, '-uid': 1, '-used': 1,
  '-user': 1, '-wholename': 1, '-xtype': 1, '-printf': 1, '-fprint': 1, '-fprint0': 1, '-fls': 1, '-fprintf': 2,
};
