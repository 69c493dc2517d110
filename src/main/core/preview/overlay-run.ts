import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs a command once in a throwaway view of the filesystem: a private mount
 * namespace (plus a user namespace when not root) where each target directory
 * is an overlay whose upper layer lives in a private state directory, every
 * other mount is read-only and the network is a down loopback. The real
 * system is never written: what the command changed is left in the upper
 * layers for upper-diff.ts to read from outside.
 */

/** The shell side, run inside the namespaces as `bash -c SCRIPT aios-preview STATE XATTR TARGET…`. */
const HELPER = String.raw`
S=$1; X=$2; RUID=$3; RGID=$4; DROP=$5; shift 5
i=0
for T in "$@"; do
  [ -n "$RUID" ] && chown --reference="$T" "$S/up/$i"
  mount -t overlay overlay -o "lowerdir=$T,upperdir=$S/up/$i,workdir=$S/work/$i,volatile$X" "$T" 2>>"$S/mount-errors" || echo "$T" >>"$S/unmounted"
  i=$((i+1))
done
# The state dir stays writable (it is ours and thrown away); every other mount goes read-only.
mount --bind "$S" "$S"
while read -r _ _ _ _ mp _; do
  case "$mp" in *\\*) mp=$(printf '%b' "$mp");; esac
  case "$mp" in /proc|/proc/*|/dev|/dev/*) continue;; esac
  skip=
  [ "$mp" = "$S" ] && continue
  # Targets are overlays now; mounts beneath them are hidden by those overlays.
  for T in "$@"; do case "$mp" in "$T"|"$T"/*) skip=1;; esac; done
  [ -n "$skip" ] && continue
  mount -o remount,bind,ro "$mp" 2>/dev/null || echo "$mp" >>"$S/writable"
done < /proc/self/mountinfo
# Kernel settings stay as they are (the /proc here is the namespace's own, but /proc/sys is the machine's).
for P in /proc/sys /proc/sysrq-trigger; do [ -e "$P" ] || continue; mount --bind "$P" "$P" 2>/dev/null && mount -o remount,bind,ro "$P" 2>/dev/null || echo "$P" >>"$S/writable"; done
# Services are not reachable: an empty /run hides systemd's, D-Bus's and the
# runtime dirs' sockets, and sockets in the overlaid trees are covered by
# /dev/null, so a preview cannot ask a real service to act.
[ -d /run ] && { mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run 2>/dev/null || echo /run >>"$S/writable"; }
# A minimal /dev (null, zero, full, random, urandom, tty), so no disk or other device is written.
D="$S/dev"
mkdir -p "$D" && mount -t tmpfs -o mode=755,nosuid tmpfs "$D" && {
  # Real root makes the nodes (cheap); a user namespace may not, so it binds them.
  for spec in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
    read -r nm mj mn <<<"$spec"
    [ -e "/dev/$nm" ] || continue
    mknod -m 666 "$D/$nm" c "$mj" "$mn" 2>/dev/null || { touch "$D/$nm" && mount --bind "/dev/$nm" "$D/$nm"; }
  done
  ln -s /proc/self/fd "$D/fd"; ln -s /proc/self/fd/0 "$D/stdin"; ln -s /proc/self/fd/1 "$D/stdout"; ln -s /proc/self/fd/2 "$D/stderr"
  mkdir -p "$D/pts" "$D/shm"
  case "$S" in /dev/*) SUB=$(printf '%s' "$S" | cut -c6-); mkdir -p "$D/$SUB" && mount --bind "$S" "$D/$SUB";; esac
  mount --move "$D" /dev
} || echo /dev >>"$S/writable"
# Socket folders (tmux, X11, ssh-agent…) are covered by an empty tmpfs; a
# socket right in a target is covered by /dev/null. System services keep
# theirs in /run (emptied above), so /usr, /etc, /var, /opt and /srv are not searched.
for T in "$@"; do
  case "$T" in /usr|/usr/*|/etc|/etc/*|/var|/var/*|/opt|/opt/*|/srv|/srv/*) continue;; esac
  find "$T" -xdev -maxdepth 4 -type s -printf '%h\0' 2>/dev/null
done | sort -zu | while IFS= read -r -d '' dir; do
  top=
  for T in "$@"; do [ "$dir" = "$T" ] && top=1; done
  if [ -n "$top" ]; then
    find "$dir" -maxdepth 1 -type s -exec mount --bind /dev/null {} \; 2>/dev/null
  else
    mount -t tmpfs -o mode=700,size=1m tmpfs "$dir" 2>/dev/null || echo "$dir" >>"$S/writable"
  fi
done
echo ready >"$S/ready"
# The command, its cwd, shell and environment come as files: sudo would drop the environment.
IFS= read -r -d '' CMD <"$S/command"; IFS= read -r -d '' CWD <"$S/cwd"; IFS= read -r -d '' SH <"$S/shell"
cd -- "$CWD" 2>>"$S/mount-errors" || { echo 125 >"$S/exit"; exit 0; }
# The command keeps the privileges it would really have (its own uid; sudo
# still works), minus the capabilities that could undo the above or reach the
# kernel: mounting, modules, raw I/O, devices, tracing, the clock.
# The command gets its own mount namespace without the state folder, and its
# own PID namespace (so not even /proc/1/root leads back), so it can neither
# read nor rewrite the upper layers or this report.
HIDE=(unshare --mount --pid --fork --kill-child --mount-proc --propagation private -- bash -c 'umount -l "$1" 2>/dev/null; shift; exec "$@"' hide "$S")
# Through sudo the environment was reset: the caller's comes from a file.
if [ -n "$RUID" ]; then
  mapfile -d '' -t ENVS <"$S/env"
  "${'$'}{HIDE[@]}" setpriv --reuid="$RUID" --regid="$RGID" --init-groups --inh-caps=-all --bounding-set="$DROP" -- env -i "${'$'}{ENVS[@]}" "$SH" -c "$CMD" </dev/null >"$S/stdout" 2>"$S/stderr"
else
  "${'$'}{HIDE[@]}" setpriv --inh-caps=-all --bounding-set="$DROP" -- "$SH" -c "$CMD" </dev/null >"$S/stdout" 2>"$S/stderr"
fi
echo $? >"$S/exit"
# The merged listing of every directory the command touched: names the lower
# layer has and this lacks were deleted (whiteouts or an opaque directory).
shopt -s nullglob dotglob
i=0
for T in "$@"; do
  n=0
  touched=("$S/up/$i"/*)
  # Nothing changed under this target: nothing to list (and no process to start).
  [ ${'$'}{#touched[@]} -eq 0 ] && { i=$((i+1)); continue; }
  (cd "$S/up/$i" && find . -mindepth 1 -type d -printf '%P\0' 2>/dev/null) | while IFS= read -r -d '' R; do
    n=$((n+1))
    { printf '%s\0' "$R"; find "$T/$R" -mindepth 1 -maxdepth 1 -printf '%f\0' 2>/dev/null; } >"$S/lst/$i/$n"
  done
  i=$((i+1))
done
`;

export interface OverlayRunOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Directories to overlay besides the cwd. Missing ones and ones inside another target on the same filesystem are skipped. */
  paths: readonly string[];
  timeoutMs: number;
  /** Let the command reach the network (off by default: a preview must not act on the world). */
  network?: boolean;
  shell?: string;
  /**
   * Set up the namespace as root through passwordless `sudo -n` (the aios
   * machine's user has it): no user namespace, so files of other users (root's
   * in /usr, /etc) can be copied up and a package install shows its files.
   * The command itself still runs as the caller.
   */
  sudo?: boolean;
  /** Where the state directory is made; /dev/shm by default, which is never an overlay target. */
  stateBase?: string;
  signal?: AbortSignal;
}

export interface OverlayTarget {
  /** The real directory. */
  dir: string;
  /** Its upper layer in the state directory. */
  upper: string;
  /** Merged listings of directories the command touched (see HELPER). */
  listings: string;
}

export interface OverlayRun {
  stateDir: string;
  /** Set up through sudo: its upper layers hold root's files, so removing them needs sudo too. */
  elevated: boolean;
  targets: OverlayTarget[];
  /** Null when it timed out or did not start. */
  exitCode: number | null;
  timedOut: boolean;
  /** The namespace could not be set up at all (no user namespaces, no unshare…). */
  setupError: string | null;
  /** Targets that could not be overlaid (they stayed read-only), each as "DIR: why". */
  unmounted: string[];
  /** Mounts that could not be made read-only: the command could have written there for real. */
  writable: string[];
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * The directories to overlay: the cwd plus `paths`, real directories only,
 * nested ones on the same filesystem dropped (the outer overlay covers them).
 * `onlyOwnedBy` (a user namespace): an overlay's root takes the owner of its
 * upper folder, which there can only be the caller, so only folders the caller
 * owns or that everyone may write (/tmp) are overlaid, plus `extra` (the home)
 * when a folder above it was left out; the rest stay read-only, as they are
 * for the caller in fact.
 */
export function chooseTargets(cwd: string, paths: readonly string[], stateDir: string, onlyOwnedBy?: number, extra: readonly string[] = []): string[] {
  const seen: { dir: string; dev: number }[] = [];
  const allowed = (st: fs.Stats) => onlyOwnedBy === undefined || st.uid === onlyOwnedBy || (st.mode & 0o1002) === 0o1002;
  const wanted = [cwd, ...paths, ...(onlyOwnedBy === undefined ? [] : extra)];
  const candidates = wanted.map((p) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return null;
    }
  });
  const inside = (child: string, parent: string) => parent === '/' || child === parent || child.startsWith(parent + '/');
  const sorted = [...new Set(candidates.filter((c): c is string => c !== null))].sort((a, b) => a.length - b.length);
  for (const dir of sorted) {
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      continue;
    }
    if (!st.isDirectory() || dir === '/' || !allowed(st)) continue;
    // An upper layer inside its own lower layer is refused by overlayfs.
    if (inside(stateDir, dir)) continue;
    if (seen.some((s) => inside(dir, s.dir) && s.dev === st.dev)) continue;
    seen.push({ dir, dev: st.dev });
  }
  return seen.map((s) => s.dir);
}

const read = (file: string): string => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};
const lines = (file: string): string[] => read(file).split('\n').filter(Boolean);

export function defaultStateBase(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

const DROP = '-sys_admin,-sys_module,-sys_rawio,-sys_boot,-sys_time,-mknod,-net_admin,-sys_ptrace,-syslog,-mac_admin,-mac_override,-linux_immutable,-setpcap,-setfcap,-audit_control';
let dropList: string | undefined;
/** The capabilities the command loses; bpf and perfmon where this setpriv knows them (asked once). */
function capabilitiesToDrop(): string {
  dropList ??= spawnSync('setpriv', [`--bounding-set=${DROP},-bpf,-perfmon`, 'true'], { stdio: 'ignore' }).status === 0 ? `${DROP},-bpf,-perfmon` : DROP;
  return dropList;
}

export async function runInOverlay(o: OverlayRunOptions): Promise<OverlayRun> {
  const t0 = performance.now();
  const stateDir = fs.mkdtempSync(path.join(o.stateBase ?? defaultStateBase(), 'aios-preview-'));
  const uid = process.getuid?.() ?? 0;
  const elevated = uid !== 0 && o.sudo === true;
  const asRoot = uid === 0 || elevated;
  const dirs = chooseTargets(o.cwd, o.paths, stateDir, asRoot ? undefined : uid, o.env.HOME ? [o.env.HOME] : []);
  const targets = dirs.map((dir, i) => ({ dir, upper: path.join(stateDir, 'up', String(i)), listings: path.join(stateDir, 'lst', String(i)) }));
  // Made here rather than in the helper: a fork per directory is most of a small preview's cost.
  for (const [i, t] of targets.entries()) {
    for (const d of [t.upper, t.listings, path.join(stateDir, 'work', String(i))]) fs.mkdirSync(d, { recursive: true });
    // The overlay's root shows its upper folder's owner and mode: make them the real folder's
    // (root can here; through sudo the helper does it; in a user namespace the caller owns both).
    const st = fs.statSync(t.dir);
    fs.chmodSync(t.upper, st.mode & 0o7777);
    if (uid === 0) fs.chownSync(t.upper, st.uid, st.gid);
  }
  // Root needs no user namespace (and one would leave other users' files unmapped, so copy-up would fail).
  const ns = [...(asRoot ? [] : ['--user', '--map-root-user']), '--mount', ...(o.network ? [] : ['--net']), '--pid', '--fork', '--kill-child', '--mount-proc'];
  const helperArgs = ['bash', '-c', HELPER, 'aios-preview', stateDir, asRoot ? '' : ',userxattr', elevated ? String(uid) : '', elevated ? String(process.getgid?.() ?? uid) : '', capabilitiesToDrop(), ...dirs];
  // Through sudo the process is root's: it cannot be signalled from here, so `timeout` inside ends it.
  const argv = elevated ? ['sudo', '-n', '--', 'timeout', '--signal=KILL', `${Math.ceil(o.timeoutMs / 1000) + 1}`, 'unshare', ...ns, ...helperArgs] : ['unshare', ...ns, ...helperArgs];
  const envList = Object.entries(o.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].includes('=') && !e[0].includes('\0') && !e[1].includes('\0'));
  fs.writeFileSync(path.join(stateDir, 'env'), envList.map(([k, v]) => `${k}=${v}\0`).join(''));
  fs.writeFileSync(path.join(stateDir, 'command'), `${o.command}\0`);
  fs.writeFileSync(path.join(stateDir, 'cwd'), `${o.cwd}\0`);
  fs.writeFileSync(path.join(stateDir, 'shell'), `${o.shell ?? '/bin/bash'}\0`);
  // Without sudo the helper's environment is the command's (one exec fewer); sudo resets it anyway.
  const env = elevated ? { PATH: o.env.PATH ?? '/usr/bin:/bin' } : o.env;

  const { code, timedOut, spawnError, stderr } = await new Promise<{ code: number | null; timedOut: boolean; spawnError: string | null; stderr: string }>((resolve) => {
    let err = '';
    let timedOut = false;
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, o.timeoutMs);
    const onAbort = () => kill();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4096) err += d.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, timedOut: false, spawnError: e.message, stderr: err });
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve({ code: c, timedOut, spawnError: null, stderr: err });
    });
  });

  const ready = fs.existsSync(path.join(stateDir, 'ready'));
  let setupError: string | null = spawnError;
  if (!ready && !timedOut) setupError ??= stderr.trim().split('\n').pop() || `unshare exited ${code}`;
  const exitText = read(path.join(stateDir, 'exit')).trim();
  return {
    stateDir,
    elevated,
    targets,
    exitCode: exitText === '' ? null : Number(exitText),
    timedOut,
    setupError,
    // mount's own words say why (one line per failed mount, in order).
    unmounted: lines(path.join(stateDir, 'unmounted')).map((dir, i) => `${dir} (${lines(path.join(stateDir, 'mount-errors')).filter((l) => l.startsWith('mount:'))[i] ?? 'mount failed'})`),
    writable: lines(path.join(stateDir, 'writable')),
    stdout: read(path.join(stateDir, 'stdout')).slice(0, 8192),
    stderr: read(path.join(stateDir, 'stderr')).slice(0, 8192),
    durationMs: performance.now() - t0,
  };
}

/** Removes a run's state directory (work dirs of overlayfs may be mode 000: make them writable first). */
export function removeRun(run: OverlayRun): void {
  const chmodAll = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      fs.chmodSync(dir, 0o700);
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) chmodAll(path.join(dir, e.name));
  };
  if (run.elevated) spawnSync('sudo', ['-n', '--', 'rm', '-rf', '--', run.stateDir], { stdio: 'ignore' });
  chmodAll(run.stateDir);
  fs.rmSync(run.stateDir, { recursive: true, force: true });
}
