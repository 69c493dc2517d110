/**
 * THE table of programs whose effects reach past the filesystem: signals to
 * other processes, services, D-Bus and the session, the network and other
 * machines, containers, the kernel, mounts. Two uses read it:
 * - unruled programs in it never run confined instead of asking
 *   (confinable.ts: the jail guards only the filesystem);
 * - a transaction holds files, not the world: a command line naming one that
 *   `acts` here runs outside transactions, and its approval and card say
 *   "cannot be undone" with the reason.
 * Package managers and schedulers are in it for the first use only: what they
 * do to files a transaction holds (their downloads and daemons it does not).
 */

interface Entry {
  programs: readonly string[];
  why: string;
  /** Whether a command line naming it cannot be undone; a function decides from its arguments (after the program). */
  acts: boolean | ((args: readonly string[]) => boolean);
}

const has = (args: readonly string[], ...flags: string[]) =>
  args.some((a) =>
    flags.some(
      (f) =>
        a === f ||
        (f.startsWith('--') && a.startsWith(`${f}=`)) ||
        (!f.startsWith('--') && a.startsWith(f) && a.length > f.length && f.length === 2),
    ),
  );
const READ_ONLY_SYSTEMCTL = new Set([
  'status',
  'show',
  'cat',
  'list-units',
  'list-unit-files',
  'list-timers',
  'list-sockets',
  'list-dependencies',
  'list-jobs',
  'is-active',
  'is-enabled',
  'is-failed',
  'is-system-running',
  'get-default',
  'help',
]);
const firstWord = (args: readonly string[]) => args.find((a) => !a.startsWith('-'));
const IP_CHANGES = /^(add|del|delete|change|replace|set|flush|append|prepend|up|down)$/;

const TABLE: readonly Entry[] = [
  { programs: ['kill', 'pkill', 'killall', 'skill', 'snice', 'renice'], why: 'it signals other processes', acts: true },
  { programs: ['reboot', 'shutdown', 'poweroff', 'halt', 'telinit', 'init'], why: 'it stops or restarts the machine', acts: true },
  {
    programs: ['systemctl'],
    why: 'it starts, stops or changes services through systemd',
    acts: (a) => !READ_ONLY_SYSTEMCTL.has(firstWord(a) ?? 'status'),
  },
  { programs: ['service'], why: 'it starts or stops services', acts: true },
  {
    programs: ['loginctl', 'machinectl', 'hostnamectl', 'timedatectl', 'localectl'],
    why: 'it changes the machine through systemd',
    acts: (a) =>
      !['status', 'show', 'list', 'list-sessions', 'list-users', 'list-machines', 'show-session', 'show-user'].includes(
        firstWord(a) ?? 'status',
      ),
  },
  {
    programs: [
      'busctl',
      'dbus-send',
      'gdbus',
      'qdbus',
      'dbus-monitor',
      'gsettings',
      'dconf',
      'kwriteconfig5',
      'kwriteconfig6',
      'xdg-open',
      'gio',
      'xdotool',
      'xrandr',
      'xset',
      'setxkbmap',
      'wmctrl',
      'pactl',
      'amixer',
      'notify-send',
      'gnome-session-quit',
    ],
    why: 'it talks to the session or a service over D-Bus',
    acts: true,
  },
  {
    programs: ['nmcli', 'nmtui', 'iwctl', 'bluetoothctl', 'rfkill', 'ifconfig', 'route', 'iptables', 'ip6tables', 'nft', 'ufw'],
    why: "it changes the machine's network",
    acts: true,
  },
  { programs: ['ip'], why: "it changes the machine's network", acts: (a) => a.some((w) => IP_CHANGES.test(w)) },
  {
    programs: ['ssh', 'scp', 'sftp', 'rsync', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ftp'],
    why: 'it acts on another machine over the network',
    acts: true,
  },
  {
    programs: ['curl'],
    why: 'it sends data over the network',
    acts: (a) =>
      has(a, '-d', '-F', '-T', '--data', '--data-raw', '--data-binary', '--data-urlencode', '--form', '--upload-file', '--json') ||
      a.some((w, i) => (w === '-X' || w === '--request') && !/^(GET|HEAD)$/i.test(a[i + 1] ?? '')) ||
      a.some((w) => /^-X(?!GET|HEAD)/i.test(w) || /^--request=(?!GET|HEAD)/i.test(w)),
  },
  {
    programs: ['wget'],
    why: 'it sends data over the network',
    acts: (a) => has(a, '--post-data', '--post-file', '--body-data', '--body-file') || a.some((w) => /^--method=(?!GET|HEAD)/i.test(w)),
  },
  { programs: ['aria2c'], why: 'it downloads (and may upload) over the network', acts: false },
  { programs: ['mount', 'umount', 'swapon', 'swapoff'], why: 'it changes what is mounted', acts: true },
  {
    programs: ['sysctl'],
    why: "it changes the kernel's settings",
    acts: (a) => has(a, '-w', '--write', '-p', '--load', '--system') || a.some((w) => w.includes('=')),
  },
  {
    programs: ['modprobe', 'insmod', 'rmmod', 'udevadm'],
    why: "it changes the kernel's modules or devices",
    acts: (a) => !(a[0] === 'info' || has(a, '-n', '--dry-run', '--show-depends')),
  },
  {
    programs: ['docker', 'podman', 'kubectl', 'virsh', 'lxc', 'incus'],
    why: 'it acts on containers or VMs through their daemon',
    acts: true,
  },
  { programs: ['git'], why: 'it changes a remote repository', acts: (a) => firstWord(a) === 'push' },
  {
    programs: [
      'snap',
      'flatpak',
      'pip',
      'pip3',
      'pipx',
      'npm',
      'npx',
      'yarn',
      'pnpm',
      'bunx',
      'cargo',
      'go',
      'gem',
      'apt',
      'apt-get',
      'dpkg',
      'pacman',
      'dnf',
      'yum',
      'zypper',
      'apk',
    ],
    why: 'it installs software (downloads from the network)',
    acts: false,
  },
  { programs: ['crontab', 'at', 'batch'], why: 'it schedules programs to run later', acts: (a) => a.length > 0 && !has(a, '-l') },
];

const BY_PROGRAM = new Map<string, Entry>(TABLE.flatMap((e) => e.programs.map((p) => [p, e] as [string, Entry])));
// git is in the table for its push only: it stays confinable otherwise.
const NOT_FOR_CONFINEMENT = new Set(['git']);

/** Whether the program (a plain name) reaches past the filesystem in any use: it never runs confined instead of asking. */
export function actsOutsideFilesystem(program: string): boolean {
  return BY_PROGRAM.has(program) && !NOT_FOR_CONFINEMENT.has(program);
}

/** Why this simple command (program and its arguments) cannot be undone, or undefined when a transaction holds its effects. */
export function cannotUndoReason(argv: readonly string[]): string | undefined {
  const program = (argv[0] ?? '').split('/').pop() ?? '';
  const e = BY_PROGRAM.get(program);
  if (!e) return undefined;
  const args = argv.slice(1);
  const acts = typeof e.acts === 'function' ? e.acts(args) : e.acts;
  return acts ? `${program}: ${e.why}` : undefined;
}

/** Why a judged command line cannot be undone: one reason per segment that acts outside the filesystem. */
export function cannotUndo(
  segments: ReadonlyArray<{ normalized: string; argv: readonly string[]; wrappers: readonly string[] }>,
): string[] {
  const out: string[] = [];
  for (const s of segments) {
    // The segment's own words, wrappers stripped: the normalized form's program with the argv after it.
    const program = s.normalized.split(' ')[0] ?? '';
    const at = s.argv.findIndex((w) => w === program || w.split('/').pop() === program);
    const r = cannotUndoReason(at >= 0 ? s.argv.slice(at) : s.normalized.split(' '));
    if (r && !out.includes(r)) out.push(r);
  }
  return out;
}
