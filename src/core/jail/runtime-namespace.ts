import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/**
 * A mount namespace kept for the OCI runtime's prelude (oci-runtime.ts: crun
 * refuses a hybrid cgroup layout whose v2 tree holds a controller, so that
 * tree is unmounted for crun's eyes only). Made for every run, the prelude's
 * namespace cost an unmount (which waits for an RCU grace period) and a
 * namespace made and torn down each time: 10–20 ms of a transaction on a busy
 * machine. Instead one namespace is made with the prelude run once, held by a
 * small process, and each run enters it (nsenter) through a descriptor aios
 * keeps open, so it cannot be another namespace by the time the run starts.
 *
 * The namespace is a copy of the machine's mounts as they were when it was
 * made: before each run its mount table is compared with aios's own (the
 * unmounted v2 tree aside), and one that
 * differs in any mount is replaced, so a run never sees other mounts than
 * the ones aios planned its view from. Only as root: through sudo a run makes
 * its own namespace, as before. The process ends when aios's end of its pipe
 * closes (aios exiting or killed); it never keeps aios running.
 */

interface Held {
  child: ChildProcess;
  /** An open descriptor of the namespace (given to nsenter as /proc/self/fd/3). */
  fd: number;
  /** The mount that the prelude removed, left out of the comparison. */
  removed: string;
  gone: boolean;
}

let held: Held | null = null;
let making: Promise<Held | null> | null = null;

/** A mount table as text that is the same in two namespaces holding the same mounts (ids differ; devices, roots and places do not). */
export function comparableMounts(mountinfo: string, leaveOut: readonly string[] = []): string {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 10 || dash < 0) continue;
    const dir = f[4] ?? '';
    if (leaveOut.includes(dir)) continue;
    // device, root in it, place, filesystem type, source
    out.push([f[2], f[3], dir, f[dash + 1], f[dash + 2]].join(' '));
  }
  return out.sort().join('\n');
}

const readMountinfo = (pid: number | 'self') => {
  try {
    return fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  } catch {
    return null;
  }
};

function drop(h: Held): void {
  h.gone = true;
  try {
    fs.closeSync(h.fd);
  } catch {
    // Closed already.
  }
  h.child.stdin?.destroy();
  if (held === h) held = null;
}

function make(prelude: string, removed: string): Promise<Held | null> {
  return new Promise((resolve) => {
    // slave: mounts made on the machine later still reach it where they propagate; the comparison catches the rest.
    const child = spawn(
      'unshare',
      ['--mount', '--propagation', 'slave', '--', '/bin/bash', '--norc', '--noprofile', '-c', `${prelude}\necho ready\nread -r _`],
      { stdio: ['pipe', 'pipe', 'ignore'], detached: true, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
    );
    let settled = false;
    const fail = () => {
      if (settled) return;
      settled = true;
      child.stdin?.destroy();
      resolve(null);
    };
    child.on('error', fail);
    child.on('exit', () => {
      if (h) drop(h);
      fail();
    });
    let h: Held | undefined;
    child.stdout?.once('data', () => {
      if (settled || child.pid === undefined) return fail();
      let fd: number;
      try {
        fd = fs.openSync(`/proc/${child.pid}/ns/mnt`, 'r');
      } catch {
        return fail();
      }
      settled = true;
      h = { child, fd, removed, gone: false };
      child.stdout?.destroy();
      // Held for the next runs, not for aios's own life.
      child.unref();
      (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      resolve(h);
    });
  });
}

/** Whether the held namespace has aios's own mounts, `removed` aside (false when either table cannot be read). */
function sameMountsAsMine(h: Held, removed: string): boolean {
  const mine = readMountinfo('self');
  const theirs = h.child.pid === undefined ? null : readMountinfo(h.child.pid);
  return mine !== null && theirs !== null && comparableMounts(mine, [removed]) === comparableMounts(theirs, [removed]);
}

/**
 * The kept namespace for `prelude` (made, or made again when the machine's
 * mounts changed), as a descriptor to pass to nsenter; null where none can be
 * made (then a run makes its own, as before).
 */
export async function runtimeNamespace(prelude: string, removed = '/sys/fs/cgroup/unified'): Promise<number | null> {
  if (!prelude || process.getuid?.() !== 0) return null;
  if (making) await making;
  if (held && !held.gone) {
    if (sameMountsAsMine(held, removed)) return held.fd;
    drop(held);
  }
  making = make(prelude, removed);
  const h = await making;
  making = null;
  if (!h) return null;
  // The prelude must have done its work and nothing else: otherwise this namespace is not used.
  if (!sameMountsAsMine(h, removed)) {
    drop(h);
    return null;
  }
  held = h;
  return h.fd;
}

/** The held process, for tests: its pid, or null. */
export function heldNamespacePid(): number | null {
  return held && !held.gone ? (held.child.pid ?? null) : null;
}

/** Ends the held namespace's process now (tests; a later run makes a new one). */
export function dropRuntimeNamespace(): void {
  if (held) drop(held);
}
