import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A path's identity right after a step put it in place: every node beneath
 * it with its inode and change time (which no program can set back), so
 * anything that touches it later, by any means, changes the fingerprint.
 * Directories that only change in mode, owner or attributes (`meta` steps)
 * are fingerprinted by those alone: their change time moves whenever any
 * entry in them does, which is not a change to what the step did.
 */
export function fingerprint(p: string, metaOnly = false): string {
  const st = fs.lstatSync(p, { throwIfNoEntry: false, bigint: true });
  if (!st) return 'absent';
  if (metaOnly) return `meta ${st.mode} ${st.uid} ${st.gid}`;
  const hash = crypto.createHash('sha256');
  const walk = (abs: string, rel: string, s: fs.BigIntStats) => {
    hash.update(`${rel}\0${s.mode}\0${s.ino}\0${s.ctimeNs}\0${s.uid}\0${s.gid}\0${s.size}\n`);
    if (!s.isDirectory()) return;
    for (const n of fs.readdirSync(abs).sort()) {
      const c = fs.lstatSync(path.join(abs, n), { throwIfNoEntry: false, bigint: true });
      if (c) walk(path.join(abs, n), `${rel}/${n}`, c);
    }
  };
  walk(p, '', st);
  return hash.digest('hex');
}

/** Paths in or beneath `p` changed (their change time) at or after `sinceNs`: they changed underneath a transaction. */
export function changedSince(p: string, sinceNs: bigint, limit = 5): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    if (out.length >= limit) return;
    const s = fs.lstatSync(abs, { throwIfNoEntry: false, bigint: true });
    if (!s) return;
    if (s.ctimeNs >= sinceNs) out.push(abs);
    if (s.isDirectory()) for (const n of fs.readdirSync(abs)) walk(path.join(abs, n));
  };
  walk(p);
  return out;
}

/** The filesystem's clock now, coarse: the change time of a file made (and removed) for the purpose. */
export function fsStamp(dir: string): bigint {
  const marker = path.join(dir, `.began-${process.pid}`);
  try {
    fs.writeFileSync(marker, '');
    fs.utimesSync(marker, new Date(), new Date());
    return fs.lstatSync(marker, { bigint: true }).ctimeNs;
  } finally {
    fs.rmSync(marker, { force: true });
  }
}

/**
 * Now, on the filesystem's clock, once that clock has ticked past the change
 * times of anything made before (it is coarse, a few ms), so a file written
 * just before the transaction began is not taken for one changed underneath
 * it. With `after` (an earlier fsStamp), past that reading: the work done in
 * between (making the jail) usually outlasts a tick, and nothing waits.
 */
export function fsNow(dir: string, after?: bigint): bigint {
  const first = after ?? fsStamp(dir);
  let now = fsStamp(dir);
  for (let i = 0; i < 200 && now === first; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    now = fsStamp(dir);
  }
  return now;
}

export const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
