import { inspectAssignments } from './danger';
import type { Findings } from './findings';
import type { WrapperParse } from './wrappers';
import type { Arg } from '../shell/words';

/**
 * What every option of every wrapper does besides running the rest of the
 * line: a wrapper is looked through to the program it runs, so what its own
 * options do must be judged here or it is missed (`strace -o '|cmd'`,
 * `systemd-run -p ExecStartPre=…`, `su -s`, `flock FILE`, `chroot DIR`).
 *
 * Each option has one meaning. `special` ones are handled by
 * wrapper-semantics.ts (where they change how the line is read); the test
 * suite checks that every option in wrappers.ts has a meaning here.
 */
export type OptionMeaning =
  | 'harmless'
  /** Runs a program or code it names. */
  | 'runs'
  /** Creates or writes the path it names. */
  | 'writes'
  /** Reads the path it names (the secret-file check sees every word). */
  | 'reads'
  /** Loads code, a library or a configuration that can name programs. */
  | 'loads'
  /** Takes programs from a root directory it names: the inner program's name then means nothing. */
  | 'root'
  /** Reads another process's memory or environment. */
  | 'attach'
  /** `NAME=value`: sets a variable in the command's environment. */
  | 'env'
  /** A variable name it sets (`xargs --process-slot-var`). */
  | 'envname'
  /** Changes the directory the command runs in. */
  | 'cd'
  /** Runs the command on another machine or container. */
  | 'remote'
  /** systemd unit properties (`-p Name=value`). */
  | 'props'
  | 'special';

type Table = Partial<Record<OptionMeaning, string>>;

/** Per wrapper: meaning → the option keys (short letters or long names, as wrappers.ts stores them), space-separated. */
export const OPTION_MEANINGS: Readonly<Record<string, Table>> = {
  sudo: {
    harmless:
      'b E H i K k l n P S s V v C g p r t T U u h background set-home non-interactive preserve-groups stdin close-from group host prompt role type command-timeout other-user',
    runs: 'A askpass',
    special: 'e D',
    root: 'R chroot',
    envname: 'preserve-env',
  },
  doas: { harmless: 'n s L u', special: 'C' },
  pkexec: { harmless: 'disable-internal-agent keep-cwd help version user' },
  run0: {
    harmless: 'u g no-ask-password background pty pipe group nice description slice unit shell-prompt-prefix',
    cd: 'D',
    env: 'setenv',
    props: 'property',
    remote: 'machine',
  },
  env: { harmless: 'i 0 v u null debug list-signal-handling help version ignore-signal default-signal block-signal', special: 'C S' },
  nice: { harmless: 'n adjustment' },
  nohup: {},
  timeout: { harmless: 'v s k preserve-status foreground verbose signal kill-after' },
  time: { harmless: 'p v a q f portability verbose append quiet format', special: 'o' },
  command: { harmless: 'p', special: 'v V' },
  exec: { harmless: 'c l a' },
  builtin: {},
  xargs: {
    harmless:
      '0 o r t p x E d I L n P s e i l null open-tty no-run-if-empty verbose interactive exit show-limits delimiter max-lines max-args max-procs max-chars eof',
    reads: 'a',
    envname: 'process-slot-var',
  },
  setsid: { harmless: 'c f w ctty fork wait' },
  stdbuf: { harmless: 'i o e input output error' },
  ionice: { harmless: 't c n class classdata ignore', special: 'p P u' },
  chroot: { harmless: 'skip-chdir userspec groups' },
  busybox: {},
  unshare: {
    harmless:
      'i m n p u U C T r f c S ipc mount net pid uts user cgroup time fork map-root-user map-current-user kill-child mount-proc setuid setgid propagation setgroups',
    root: 'R',
    cd: 'w',
  },
  'systemd-run': {
    harmless:
      'q P G t r u user system scope quiet pipe pty wait collect no-block same-dir send-sighup remain-after-exit no-ask-password unit description slice uid gid nice service-type on-calendar on-active',
    props: 'p',
    env: 'E',
    remote: 'M H',
    runs: 'shell',
    cd: 'working-directory',
  },
  coproc: {},
  unbuffer: { harmless: 'p' },
  taskset: { harmless: 'a c V all-tasks cpu-list help version', special: 'p' },
  chrt: {
    harmless:
      'a b d e f h i o r R v V T D P all-tasks batch deadline fifo idle other rr reset-on-fork verbose help version sched-runtime sched-deadline sched-period',
    special: 'p m',
  },
  strace: {
    harmless:
      'c d D f F h i k q r t T v V w x y Y z Z C n b e I O P s S u U X summary-only summary debug daemonize follow-forks output-separately help stack-trace quiet relative-timestamps absolute-timestamps syscall-times no-abbrev version summary-wall-clock decode-fds decode-pids successful-only failed-only seccomp-bpf kill-on-exit syscall-number columns detach-on expr trace trace-path signal status string-limit summary-sort-by sort user const-print-style inject fault abbrev verbose raw read write silence timestamps argv0 tips a',
    special: 'o',
    attach: 'p',
    env: 'E',
  },
  ltrace: {
    harmless: 'b c C f h i L r S t T V w a A D e l n s u x help version demangle no-signals align indent library user',
    reads: 'F config',
    special: 'o',
    attach: 'p',
    env: 'E',
  },
  nsenter: {
    harmless:
      'a i U C T F Z t S G N L m u p n c all ipc user cgroup time no-fork preserve-credentials follow-context help version user-parent join-cgroup target setuid setgid mount uts pid net keep-caps',
    root: 'r root',
    cd: 'w wd wdns',
    attach: 'e env',
  },
  setpriv: {
    harmless:
      'd h V dump nnp no-new-privs keep-groups clear-groups init-groups reset-env help version reuid ruid euid regid rgid egid groups inh-caps ambient-caps bounding-set securebits pdeathsig selinux-label apparmor-profile landlock-access landlock-rule ptracer',
  },
  prlimit: {
    harmless:
      'h V o c d e f i l m n q r s t u v x y noheadings raw verbose help version output core data nice fsize sigpending memlock rss nofile msgqueue rtprio stack cpu nproc as locks rttime',
    special: 'p',
  },
  numactl: {
    harmless:
      'a l s H b t u V n w i m C N P p L M I o T D y all localalloc show hardware balancing touch huge strict version dump dump-nodes interleave weighted-interleave preferred preferred-many membind cpunodebind physcpubind cpubind length offset shmmode shmid',
    writes: 'S f shm file shmfile',
  },
  flock: {
    harmless:
      's x u n o e F h V w E shared exclusive unlock nonblock nb close no-fork verbose help version timeout wait conflict-exit-code',
    special: 'c',
  },
  runuser: {
    harmless: 'l m p P f h u g G w V login preserve-environment pty fast help version group supp-group whitelist-environment',
    special: 'c',
    runs: 's shell',
  },
  'dbus-run-session': { harmless: 'help version', loads: 'config-file', runs: 'dbus-daemon' },
  'dbus-launch': {
    harmless: 'sh-syntax csh-syntax auto-syntax exit-with-session exit-with-x11 close-stderr binary-syntax version help autolaunch',
    loads: 'config-file',
  },
  cgexec: { harmless: 'h g sticky' },
  'systemd-inhibit': { harmless: 'h no-pager no-legend no-ask-password help version what who why mode', special: 'list' },
  valgrind: {
    harmless:
      'q v h d tool leak-check show-leak-kinds track-origins trace-children error-exitcode num-callers quiet verbose max-stackframe main-stacksize undef-value-errors track-fds time-stamp child-silent-after-fork show-reachable errors-for-leak-kinds leak-resolution keep-stacktraces freelist-vol read-var-info smc-check fair-sched demangle default-suppressions show-below-main xml vgdb vgdb-error log-socket xml-socket log-fd xml-fd input-fd trace-children-skip sim-hints run-libc-freeres run-cxx-freeres fullpath-after allow-mismatched-debuginfo redzone-size alignment malloc-fill free-fill partial-loads-ok expensive-definedness-checks ignore-ranges ignore-fn show-mismatched-frees max-threads merge-recursive-frames num-transtab-sectors avg-transtab-entry-size aspace-minaddr valgrind-stacksize show-error-list cache-sim branch-sim collect-systime dump-instr collect-jumps',
    writes: 'log-file xml-file vgdb-prefix callgrind-out-file massif-out-file cachegrind-out-file dhat-out-file xtree-memory-file',
    reads: 'suppressions extra-debuginfo-path',
    runs: 'db-command db-attach',
  },
  firejail: {
    harmless:
      'quiet noprofile net private private-tmp private-dev private-cache nosound novideo no3d nodbus nou2f seccomp caps.drop nonewprivs noroot nogroups timeout cpu nice dns hostname ipc-namespace machine-id memory-deny-write-execute restrict-namespaces noautopulse notv noinput name debug apparmor disable-mnt read-only rlimit-as rlimit-cpu rlimit-fsize rlimit-nofile rlimit-nproc rlimit-sigpending x11',
    root: 'chroot',
    writes: 'output output-stderr trace',
    special: 'profile include join shell private-bin build blacklist whitelist',
  },
  fakeroot: { harmless: 'u h v b unknown-is-real help version', reads: 'i', special: 'l s lib faked' },
  faketime: { harmless: 'f m p e P help version exclude-monotonic', runs: 'date-prog' },
  eatmydata: {},
  nocache: { harmless: 'n' },
  setarch: {
    harmless:
      'v R F Z L X B I S T 3 h verbose addr-no-randomize fdpic-funcptrs mmap-page-zero addr-compat-layout read-implies-exec 32bit short-inode whole-seconds sticky-timeouts 3gb 4gb uname-2.6 list help version',
  },
  linux32: { harmless: 'v R F Z L X B I S T 3 h verbose addr-no-randomize 3gb 4gb uname-2.6' },
  linux64: { harmless: 'v R F Z L X B I S T 3 h verbose addr-no-randomize 3gb 4gb uname-2.6' },
  torsocks: { harmless: 'd i q a P u isolate quiet version help address port user pass' },
  proxychains: { harmless: 'q', special: 'f' },
  proxychains4: { harmless: 'q', special: 'f' },
  'xvfb-run': {
    harmless: 'a h n p w auto-servernum help server-num xauth-protocol wait',
    writes: 'e f error-file auth-file',
    loads: 's server-args',
  },
  'ssh-agent': { harmless: 'c D d k s E O t', writes: 'a', loads: 'P' },
  cpulimit: { harmless: 'f z k r v i l p e m foreground lazy kill restore verbose include-children help limit pid exe path monitor-forks' },
  trickle: { harmless: 's v V u d w t l L n' },
  chronic: { harmless: 'e v' },
  ifne: { harmless: 'n' },
  lckdo: { harmless: 'q w W' },
  rlwrap: {
    harmless:
      'A a c i N r R S u U v h n o I W X b D e F g m M O P p q s t w always-readline ansi-colour-aware break-chars complete-filenames case-insensitive extra-char-after-completion history-no-dupes histsize remember renice multi-line multi-line-ext no-children no-warnings one-shot only-cook prompt-colour pass-sigint-as-sigterm pre-given quote-characters substitute-prompt set-term-name version wait-before-prompt polling skip-setctty forget-matching mirror-arguments history-format help',
    writes: 'l H logfile history-filename',
    reads: 'f file',
    runs: 'z filter',
    special: 'C command-name',
  },
  catchsegv: {},
  heaptrack: { harmless: 'd h r v record-only', special: 'o', writes: 'output', attach: 'p pid' },
  'systemd-cat': { harmless: 'h t p help version level-prefix identifier priority stderr-priority namespace' },
  logsave: { harmless: 'a s v' },
  sshpass: { harmless: 'e h v V p d P', reads: 'f' },
  toybox: {},
  setuidgid: {},
  envuidgid: {},
  envdir: {},
  setlock: { harmless: 'n N x X' },
  softlimit: { harmless: 'a m d s l o p r c t f' },
};

/** Options of the wrappers whose words are read by hand (wrappers.ts `locate`): word → meaning. */
export const WORD_MEANINGS: Readonly<Record<string, Readonly<Record<string, OptionMeaning>>>> = {
  perf: {
    '--exec-path': 'loads',
    '-o': 'writes',
    '--output': 'writes',
    '--buildid-dir': 'writes',
    '--pre': 'runs',
    '--post': 'runs',
    '-p': 'attach',
    '--pid': 'attach',
    '-t': 'attach',
    '--tid': 'attach',
  },
  rr: { '-o': 'writes', '--output-trace-dir': 'writes', '-v': 'env', '--env': 'env' },
  capsh: { '--shell': 'runs', '--chroot': 'root' },
  gdb: {},
  ip: {},
};

const meaningCache = new Map<string, Map<string, OptionMeaning>>();

/** The meaning of option `key` of wrapper `name`, or undefined when none is given. */
export function optionMeaning(name: string, key: string): OptionMeaning | undefined {
  let m = meaningCache.get(name);
  if (!m) {
    m = new Map();
    for (const [meaning, keys] of Object.entries(OPTION_MEANINGS[name] ?? {}))
      for (const k of (keys as string).split(' ')) if (k) m.set(k, meaning as OptionMeaning);
    meaningCache.set(name, m);
  }
  return m.get(key);
}

/** systemd unit properties that only limit or describe the unit. Anything else (Exec*, RootDirectory, Environment, BindPaths…) asks. */
const HARMLESS_PROPERTY =
  /^(Memory(Max|High|Low|Min|SwapMax|Accounting|Limit)|CPU(Quota|QuotaPeriodSec|Weight|Shares|Accounting|SchedulingPolicy|SchedulingPriority)|Allowed(CPUs|MemoryNodes)|IO(Weight|Accounting|SchedulingClass|SchedulingPriority)|Tasks(Max|Accounting)|Nice|RuntimeMaxSec|Timeout(Sec|StartSec|StopSec)|Description|KillMode|KillSignal|SendSIGKILL|Restart|RestartSec|Type|RemainAfterExit|SyslogIdentifier|OOMScoreAdjust|Limit(NOFILE|CORE|NPROC|AS|CPU)|PrivateTmp|PrivateNetwork|PrivateDevices|ProtectSystem|ProtectHome|NoNewPrivileges|ProtectKernel(Tunables|Modules|Logs)|ProtectControlGroups|ProtectClock|ProtectHostname|RestrictRealtime|RestrictSUIDSGID|LockPersonality|MemoryDenyWriteExecute|DynamicUser|CollectMode|StandardOutput|StandardError)$/;

function unitProperty(name: string, value: Arg, found: Findings): void {
  const label = `${name} -p`;
  if (value.dynamic) {
    found.floor('require_approval', `${label} sets a unit property only known at run time`);
    return;
  }
  const eq = value.text.indexOf('=');
  const prop = eq > 0 ? value.text.slice(0, eq) : value.text;
  const v = eq > 0 ? value.text.slice(eq + 1) : '';
  if (/^(RootDirectory|RootImage|RootEphemeral|RootDirectoryStartOnly|MountImages|ExtensionImages|ExtensionDirectories)$/.test(prop)) {
    found.floor(
      'require_approval',
      `${label} ${prop}= takes programs from another root (${v || 'unknown'}), so what runs is not what the line names`,
    );
  } else if (/^Exec/.test(prop)) {
    found.floor('require_approval', `${label} ${prop}= runs another program (${v || 'unknown'})`);
  } else if (/^(Environment|EnvironmentFile|PassEnvironment|UnsetEnvironment)$/.test(prop)) {
    if (prop === 'Environment')
      inspectAssignments(
        v
          .split(/\s+/)
          .filter(Boolean)
          .map((t) => ({ ...value, text: t, prefix: t })),
        { found },
        `${label} Environment=`,
      );
    else found.floor('require_approval', `${label} ${prop}= sets the environment from elsewhere (LD_PRELOAD, PATH… can change what runs)`);
  } else if (/^Standard(Output|Error)$/.test(prop)) {
    const file = /^(file|append|truncate):(.+)$/.exec(v);
    if (file) found.write({ ...value, text: file[2] as string, prefix: file[2] as string }, `${label} ${prop}=`);
  } else if (!HARMLESS_PROPERTY.test(prop)) {
    found.floor(
      'require_approval',
      `${label} ${prop}= is a unit property aios does not judge (it may run programs, load code or open paths)`,
    );
  }
}

function label(name: string, key: string): string {
  return `${name} ${key.length === 1 ? `-${key}` : `--${key}`}`;
}

/** Applies one option's meaning. `value` is undefined for options without one. */
export function applyMeaning(name: string, key: string, meaning: OptionMeaning, value: Arg | undefined, found: Findings): void {
  const what = label(name, key);
  switch (meaning) {
    case 'reads':
      if (value) found.read(value);
      return;
    case 'harmless':
    case 'special':
      return;
    case 'runs':
      found.floor('require_approval', `${what} runs a program it names${value ? ` (${value.text})` : ''}`);
      return;
    case 'writes':
      if (value) found.write(value, what);
      else found.floor('require_approval', `${what} writes a file`);
      return;
    case 'loads':
      found.floor('require_approval', `${what} loads code or a configuration that can name programs`);
      return;
    case 'root':
      found.floor(
        'require_approval',
        `${what} takes programs from another root directory${value ? ` (${value.text})` : ''}, so what runs is not what the line names`,
      );
      return;
    case 'attach':
      found.floor('require_approval', `${what} reads another process's memory or environment (its secrets)`);
      return;
    case 'env':
      if (value) inspectAssignments([value], { found }, what);
      return;
    case 'envname':
      if (value) {
        const names = value.dynamic ? undefined : value.text.split(',');
        if (!names) found.floor('require_approval', `${what} names variables only known at run time`);
        else
          inspectAssignments(
            names.map((n) => ({ ...value, text: `${n}=`, prefix: `${n}=` })),
            { found },
            what,
          );
      }
      return;
    case 'cd':
      found.cd.push(value && !value.dynamic ? { kind: 'dir', path: value.text } : { kind: 'unknown' });
      return;
    case 'remote':
      found.floor('require_approval', `${what} runs the command on another machine or container`);
      return;
    case 'props':
      if (value) unitProperty(name, value, found);
      return;
  }
}

/** Gives every option the wrapper was given its meaning; an option with none fails closed. */
export function judgeWrapperOptions(name: string, parsed: WrapperParse, own: readonly Arg[], found: Findings): void {
  if (WORD_MEANINGS[name]) {
    const table = WORD_MEANINGS[name] as Readonly<Record<string, OptionMeaning>>;
    for (let i = 0; i < own.length; i++) {
      const a = own[i] as Arg;
      if (a.dynamic) continue;
      const eq = a.text.indexOf('=');
      const word = eq > 0 ? a.text.slice(0, eq) : a.text;
      const meaning = table[word];
      if (!meaning) continue;
      const value = eq > 0 ? { ...a, text: a.text.slice(eq + 1), prefix: a.prefix.slice(eq + 1) } : own[i + 1];
      applyMeaning(name, word.replace(/^-+/, ''), meaning, value, found);
    }
    return;
  }
  for (const [key, v] of parsed.options) {
    const meaning = optionMeaning(name, key);
    if (meaning === undefined) {
      found.floor(
        'require_approval',
        `${label(name, key)}: aios does not know what this option does (it may run, load or write something)`,
      );
      continue;
    }
    applyMeaning(name, key, meaning, v === true ? undefined : v, found);
  }
}
