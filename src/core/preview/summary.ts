import type { PreviewChange } from '../../shared/preview';
import type { OverlayRun } from '../jail/preview';

/** "12 B", "3.4 KB", "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const VERB: Record<PreviewChange['kind'], string> = { deleted: 'delete', added: 'add', changed: 'change', mode: 'change the mode of' };

/** The directory that holds them all: "./build" for ./build/ and what is inside it. */
function commonDir(of: readonly PreviewChange[]): string {
  const split = of.map((c) => c.display.split('/'));
  const first = split[0] ?? [];
  let n = 0;
  while (n < first.length && split.every((s) => s[n] === first[n])) n++;
  const isItself = of.some((c) => c.type === 'dir' && c.display.split('/').length === n);
  const dir = first.slice(0, isItself ? n : Math.min(n, Math.max(...split.map((s) => s.length)) - 1)).join('/');
  return dir === '' ? '/' : dir;
}

/** Changes in the working tree and in each top-level system directory are told apart. */
const area = (c: PreviewChange) => (c.display.startsWith('./') || c.display === '.' ? '.' : c.display.split('/').slice(0, 2).join('/'));

/** One line per kind of change: "would delete 3 files (12 B) in ./build", "would change /etc/hosts: +1 −0". */
export function summaryLines(changes: readonly PreviewChange[], omitted: number): string[] {
  const out: string[] = [];
  for (const kind of ['deleted', 'changed', 'added', 'mode'] as const) {
    const ofKind = changes.filter((c) => c.kind === kind);
    for (const where of [...new Set(ofKind.map(area))]) {
      const of = ofKind.filter((c) => area(c) === where);
      out.push(groupLine(kind, of));
    }
  }
  if (omitted > 0) out.push(`… and ${omitted} more change${omitted === 1 ? '' : 's'} not listed`);
  if (out.length === 0) out.push('would change no files');
  return out;
}

function groupLine(kind: PreviewChange['kind'], of: readonly PreviewChange[]): string {
  {
    const files = of.filter((c) => c.type !== 'dir');
    const one = of.length === 1 ? of[0] : undefined;
    if (one) {
      const detail =
        kind === 'mode'
          ? `${one.oldMode} → ${one.newMode}`
          : one.added !== undefined
            ? `+${one.added} −${one.removed ?? 0}`
            : formatBytes(one.size);
      return `would ${VERB[kind]} ${one.display}${one.type === 'dir' ? '/' : ''}: ${detail}`;
    }
    const bytes = files.reduce((s, c) => s + c.size, 0);
    const dirs = of.length - files.length;
    const what = [
      files.length ? `${files.length} file${files.length === 1 ? '' : 's'}` : '',
      dirs ? `${dirs} director${dirs === 1 ? 'y' : 'ies'}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return `would ${VERB[kind]} ${what}${files.length ? ` (${formatBytes(bytes)})` : ''} in ${commonDir(of)}`;
  }
}

/**
 * What the preview could not see, said plainly. The command-line checks are
 * a heuristic (they read program names, not what the program does): they
 * exist so a summary never looks more complete than it is.
 */
const NETWORK_PROGRAMS =
  /(^|[\s;&|(`])(curl|wget|ssh|scp|sftp|rsync|ping|nc|ncat|telnet|ftp|docker|podman|git\s+(clone|fetch|pull|push|submodule)|apt(-get)?\s+(install|update|upgrade|full-upgrade|dist-upgrade)|pacman\s+-S|dnf\s+install|yum\s+install|pip3?\s+install|npm\s+(install|i|ci|update)|yarn|pnpm|cargo\s+(install|build|fetch))\b/;
const NETWORK_ERRORS =
  /could not resolve|temporary failure in name resolution|network is unreachable|connection refused|name or service not known|could not connect|failed to connect|no route to host/i;
const SERVICE_PROGRAMS =
  /(^|[\s;&|(`])(systemctl|journalctl|service|loginctl|busctl|dbus-send|hostnamectl|timedatectl|machinectl|reboot|shutdown|poweroff)\b/;
const DEVICE_WORDS =
  /(of=\/dev\/|>\s*\/dev\/(?!null\b|stdout\b|stderr\b)|(^|[\s;&|(`])(mkfs(\.\w+)?|fdisk|parted|wipefs|mount|umount|losetup|modprobe|insmod|rmmod|sysctl)\b)/;

/** Reads that tell a preview from the real run: the mount table, cgroups, container markers, the host name. */
const PREVIEW_PROBES =
  /\/proc\/[^\s/]+\/(mountinfo|mounts|cgroup)|\/proc\/mounts|\/sys\/fs\/cgroup|\.dockerenv|\/run\/\.containerenv|(^|[\s;&|(`])(findmnt|systemd-detect-virt|virt-what|hostname|uname|df|stat\s+-f)\b|\bcontainer=|overlay|aios-preview/;

/** Said of a `sudo` inside: the transaction's jail gives it the same root, so this one does not stop a preview being reused. */
export const SUDO_IN_PREVIEW =
  "sudo ran as the preview's own root: acts that need the real root (another user's files, chown) may have failed";

export function previewLimits(command: string, run: OverlayRun, timeoutMs: number): string[] {
  const out: string[] = [];
  if (run.timedOut) out.push(`it did not finish within ${timeoutMs / 1000} s in the preview: changes after that are not shown`);
  else if (run.exitCode !== null && run.exitCode !== 0) {
    const last = run.stderr.trim().split('\n').pop()?.slice(0, 200);
    out.push(`it failed in the preview (exit ${run.exitCode}${last ? `: ${last}` : ''}): the real run may do more or less`);
  }
  if (/Value too large for defined data type|Operation not permitted|Permission denied/.test(run.stderr))
    out.push('some of it needed privileges the preview does not have (files of other users, the real root): those changes are not shown');
  if (NETWORK_PROGRAMS.test(command) || NETWORK_ERRORS.test(run.stderr))
    out.push(
      'the network was off in the preview: effects that need it (downloads, remote changes) are not shown (guessed from the program names and errors)',
    );
  if (SERVICE_PROGRAMS.test(command))
    out.push('it talks to systemd or another service over a socket: what that service would do is not shown');
  if (DEVICE_WORDS.test(command)) out.push('it touches devices, mounts or kernel settings: those effects are not shown');
  if (/(^|[\s;&|(`])(sudo|doas|su)\b/.test(command)) out.push(SUDO_IN_PREVIEW);
  if (PREVIEW_PROBES.test(command))
    out.push(
      'it looks at its surroundings (mount table, cgroups, container markers or host name): it can tell it is being previewed, so its real run may differ from this one',
    );
  for (const why of run.unmounted) out.push(`could not overlay ${why}: writes there failed in the preview and are not shown`);
  for (const mp of run.writable) out.push(`${mp} could not be made read-only in the preview`);
  return out;
}
