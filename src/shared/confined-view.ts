/**
 * A confined command sees the jail, not the machine: its own /tmp and masked
 * files are mounts of their own, its processes are its own, its network is
 * none. Programs that report exactly those things print a true account of
 * the jail, which a person would read as the machine's; the card says so.
 */
const VIEWS: ReadonlyArray<[ReadonlySet<string>, string]> = [
  [
    new Set(['df', 'findmnt', 'mount', 'lsblk']),
    'confined view: the jail’s own /tmp and masked files show as extra tmpfs mounts; the other lines are the machine’s',
  ],
  [
    new Set(['ps', 'pgrep', 'pidof', 'pstree', 'top', 'htop', 'pkill', 'killall']),
    'confined view: only the jail’s own processes are visible, not the machine’s',
  ],
  [
    new Set(['ss', 'netstat', 'ip', 'ifconfig', 'ping', 'curl', 'wget']),
    'confined view: the jail has no network, so no interfaces, connections or hosts of the machine are visible',
  ],
];

/** The programs a command line starts, as far as plain words tell (first word of each pipeline part). */
function programs(command: string): string[] {
  return command
    .split(/\|\|?|&&|;|\n/)
    .map(
      (part) =>
        part
          .trim()
          .split(/\s+/)
          .find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? '',
    )
    .map(
      (w) =>
        w
          .replace(/^["'\\]+|["']+$/g, '')
          .split('/')
          .pop() ?? '',
    )
    .filter(Boolean);
}

/** What a confined run of `command` cannot show truly, in words for its card; undefined when nothing. */
export function confinedViewNote(command: string): string | undefined {
  const seen = programs(command);
  return VIEWS.find(([names]) => seen.some((p) => names.has(p)))?.[1];
}
