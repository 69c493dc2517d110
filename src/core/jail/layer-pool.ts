import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The next transaction's layer folders, made ahead, off the command's path.
 * A transaction's upper layers live on disk (a commit moves them into place
 * by a rename), one upper and one work folder per overlaid folder: 32 to 92
 * new folders a run over the default folders. On a busy disk, and on an ext4
 * without a journal (where every new inode is searched for past the ones
 * deleted in the last 30 s, and every run deletes the last one's), making
 * them took milliseconds a run, on aios's own thread. So after a run's folders
 * are removed, the next run's are made (as many as it used): a folder named
 * as a run's state folder (the start's sweep removes the ones a killed aios
 * left), mode 700, owned by aios, holding `up/N` and `work/N`, all empty.
 * Each is handed out once and never goes back: a run that cannot take one
 * (the first, or one needing more) makes its own, as before.
 */

interface Ready {
  dir: string;
  count: number;
}

/** At most this many folders ready per place: runs over the working tree and over the default folders alternate. */
const KEPT = 2;
const ready = new Map<string, Ready[]>();
const making = new Map<string, Promise<void>>();

const spread = new Set<string>();
/**
 * Each run's folder in `base` placed in a block group of its own, with its
 * layers and what overlayfs makes in them when it mounts (the work folder,
 * its checks' files): ext4's "top of a directory hierarchy" mark on `base`
 * (chattr +T), once per place. Without a journal ext4 skips, for every new
 * inode, each one deleted in the last 30 s (dirty_expire_centisecs) in the
 * group it searches, reading each one's inode block: with every run's layers
 * in the group where the last runs' were just removed, overlayfs's mounts
 * spent most of their time there. Elsewhere the mark changes only which
 * group a run's folder starts in; a filesystem without it refuses it, and
 * nothing else changes.
 */
export function spreadRunFolders(base: string): void {
  if (spread.has(base)) return;
  spread.add(base);
  spawnSync('chattr', ['+T', base], { stdio: 'ignore', timeout: 5000 });
}

/** Where the layer folders of overlay `i` go in a run's layer folder. */
export const upperOf = (dir: string, i: number) => path.join(dir, 'up', String(i));
export const workOf = (dir: string, i: number) => path.join(dir, 'work', String(i));

/**
 * A folder made ahead in `base` with `count` empty upper and work folders (or
 * the fewest above), taken out of the pool (never handed out again); null when
 * there is none, or when it is not exactly as it was made (then it is removed).
 */
export function takeLayers(base: string, count: number): string | null {
  const list = ready.get(base) ?? [];
  const fit = list.filter((r) => r.count >= count).sort((a, b) => a.count - b.count)[0];
  if (!fit) return null;
  list.splice(list.indexOf(fit), 1);
  if (madeAsPromised(fit)) return fit.dir;
  discard(fit.dir);
  return null;
}

/** Whether a pooled folder is still what was made: a folder (not a link), aios's, mode 700, holding only `up` and `work` with their empty folders (none a link). */
function madeAsPromised(r: Ready): boolean {
  try {
    const st = fs.lstatSync(r.dir);
    if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o777) !== 0o700) return false;
    if (fs.readdirSync(r.dir).sort().join('/') !== 'up/work') return false;
    for (const side of ['up', 'work'] as const) {
      if (!fs.lstatSync(path.join(r.dir, side)).isDirectory()) return false;
      const names = fs.readdirSync(path.join(r.dir, side));
      if (names.length !== r.count) return false;
      for (let i = 0; i < r.count; i++) {
        const d = path.join(r.dir, side, String(i));
        if (!fs.lstatSync(d).isDirectory() || fs.readdirSync(d).length !== 0) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

function discard(dir: string): void {
  void fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Makes the next run's folder in `base` (named `prefix` + random), with
 * `count` upper and work folders, unless one with as many is ready or one is
 * being made. On libuv's threads: the event loop is not held. Never rejects; the
 * promise says when it is done.
 */
export function prepareLayers(base: string, prefix: string, count: number): Promise<void> {
  const list = ready.get(base) ?? [];
  if (count <= 0 || list.some((r) => r.count === count)) return Promise.resolve();
  const going = making.get(base);
  if (going) return going;
  const done = (async () => {
    let dir: string | undefined;
    try {
      dir = await fs.promises.mkdtemp(path.join(base, prefix));
      await fs.promises.mkdir(path.join(dir, 'up'), { mode: 0o700 });
      await fs.promises.mkdir(path.join(dir, 'work'), { mode: 0o700 });
      for (let i = 0; i < count; i++) {
        await fs.promises.mkdir(upperOf(dir, i), { mode: 0o700 });
        await fs.promises.mkdir(workOf(dir, i), { mode: 0o700 });
      }
      const now = ready.get(base) ?? [];
      now.push({ dir, count });
      for (const old of now.splice(0, Math.max(0, now.length - KEPT))) discard(old.dir);
      ready.set(base, now);
    } catch {
      if (dir) discard(dir);
    } finally {
      making.delete(base);
    }
  })();
  making.set(base, done);
  return done;
}

/** The folders made ahead and ready in `base` (tests: what a spent run leaves on purpose). */
export function preparedLayerFolders(base: string): string[] {
  return (ready.get(base) ?? []).map((r) => r.dir);
}
