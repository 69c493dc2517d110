import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Step } from './types';

/**
 * A transaction's upper layers are mounted `volatile` (jail/preview-bundle.ts):
 * nothing synced them when they were unmounted, and a command's own fsyncs
 * (dpkg's) did nothing in them. So what a commit is about to move into place
 * is written to disk first, as an ordinary unmount would have done, and a
 * crash right after the commit leaves no empty file where the command wrote
 * one. A few files are synced one by one (a few ms); more, with one sync of
 * the filesystem that holds them.
 */

export class NotDurable extends Error {}

const ONE_BY_ONE = 16;

/** Syncs one file; false when aios may not open it. */
function fsyncFile(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES' || (err as NodeJS.ErrnoException).code === 'EPERM') return false;
    throw err;
  }
  try {
    fs.fsyncSync(fd);
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/** The regular files the steps move into place (from the upper layers), or null when there are more than a few. */
function filesToSync(steps: readonly Step[]): string[] | null {
  const files: string[] = [];
  const collect = (p: string): boolean => {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st?.isFile()) files.push(p);
    else if (st?.isDirectory()) for (const n of fs.readdirSync(p)) if (!collect(path.join(p, n))) return false;
    return files.length <= ONE_BY_ONE;
  };
  for (const s of steps) if (s.to.kind === 'node' && !collect(s.to.from)) return null;
  return files;
}

/**
 * syncBeforeCommit's work for a few files, done as soon as the command has
 * ended and all at once (on libuv's threads: the filesystem commits
 * concurrent syncs together, where one after the other each waits for its
 * own). True when every file is on disk; false leaves it to syncBeforeCommit.
 */
export async function syncAhead(steps: readonly Step[]): Promise<boolean> {
  const files = filesToSync(steps);
  if (files === null) return false;
  const one = async (file: string) => {
    const h = await fs.promises.open(file, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  };
  return Promise.all(files.map(one)).then(
    () => true,
    () => false,
  );
}

/** Syncs the regular files the steps move into place (from the upper layers); throws when that fails: nothing is applied then. */
export function syncBeforeCommit(steps: readonly Step[], scratch: string): void {
  const files = filesToSync(steps);
  const few = files !== null;
  try {
    if (few && files.every(fsyncFile)) return;
    // Many files, or some aios may not open (root's, through sudo): the whole filesystem, which anyone may sync.
    const r = spawnSync('sync', ['--file-system', '--', scratch], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error((r.stderr || r.error?.message || `exit ${r.status}`).trim());
  } catch (err) {
    throw new NotDurable(`not applied: what the command wrote could not be written to disk (${(err as Error).message})`);
  }
}

/**
 * After a commit whose new files were copied in from another filesystem (a
 * reused preview's upper layers live on tmpfs, so the commit copies rather
 * than renames): what landed is written to disk now, each file when there are
 * few, else each filesystem they landed on once. Throws when that fails.
 */
export function syncLanded(steps: readonly Step[]): void {
  const landed = steps.filter((s) => s.to.kind === 'node').map((s) => s.path);
  const files: string[] = [];
  const devices = new Map<number, string>();
  const collect = (p: string) => {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (!devices.has(st.dev)) devices.set(st.dev, p);
    if (st.isFile()) files.push(p);
    else if (st.isDirectory()) for (const n of fs.readdirSync(p)) collect(path.join(p, n));
  };
  for (const p of landed) collect(p);
  if (files.length <= ONE_BY_ONE && files.every(fsyncFile)) return;
  const r = spawnSync('sync', ['--file-system', '--', ...devices.values()], { encoding: 'utf8' });
  if (r.status !== 0) throw new NotDurable((r.stderr || r.error?.message || `exit ${r.status}`).trim());
}
