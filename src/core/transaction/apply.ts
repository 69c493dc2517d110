import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fingerprint } from './fingerprint';
import type { Before, RecordEntry, Step, Target } from './types';
import { readXattrs, writeXattrs } from './xattrs';

/**
 * Applies a change set to the real filesystem as one step: each path's state
 * before is kept in the record's folder (a hard link for files, the tree
 * itself moved aside for directories: same inodes, so contents, modes,
 * owners, attributes and links come back byte for byte), then the new state
 * is moved into place. Should any step fail, every step done is reversed
 * from what was kept, and the error says which path failed: nothing stays
 * half-applied.
 */

export class ApplyFailed extends Error {}

const lstat = (p: string) => fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;

function copyTree(from: string, to: string): void {
  // GNU cp -a keeps modes, owners, times, links and extended attributes (file capabilities too).
  const r = spawnSync('cp', ['-a', '--no-target-directory', '--', from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new ApplyFailed(`could not copy ${from} to ${to}: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** Moves a node (or tree) into place; across filesystems it is copied, then the source removed. */
function move(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = path.join(path.dirname(to), `.aios-tx-${process.pid}-${path.basename(to)}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    copyTree(from, tmp);
    fs.renameSync(tmp, to);
    fs.rmSync(from, { recursive: true, force: true });
  }
}

/** What is at `p` now, as the record will keep it under `file` (nothing is moved yet: see `keep`). */
function planBefore(p: string, step: Target, file: string): Before {
  const st = lstat(p);
  if (!st) return { kind: 'absent' };
  if (step.kind === 'meta' && st.isDirectory()) {
    return { kind: 'meta', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, xattrs: readXattrs([p]).get(p) ?? {} };
  }
  const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  return { kind: 'node', file, type };
}

/** Keeps what is at `p` in the record's folder as planned; a directory leaves `p` (moved aside), a file stays (linked). */
function keep(p: string, before: Before, recordDir: string): void {
  if (before.kind !== 'node') return;
  const dest = path.join(recordDir, before.file);
  if (before.type === 'dir') {
    move(p, dest);
  } else {
    try {
      fs.linkSync(p, dest);
    } catch {
      copyTree(p, dest);
    }
  }
}

function install(p: string, to: Target): void {
  if (to.kind === 'absent') {
    fs.rmSync(p, { recursive: true, force: true });
    return;
  }
  if (to.kind === 'node') {
    const st = lstat(p);
    // A file is replaced in one rename; a directory there (kept aside already, or a leftover) goes first.
    if (st?.isDirectory()) fs.rmSync(p, { recursive: true, force: true });
    move(to.from, p);
    return;
  }
  if (!lstat(p)) fs.mkdirSync(p);
  // Owner before mode and attributes: a change of owner clears setuid bits and file capabilities.
  fs.lchownSync(p, to.uid, to.gid);
  fs.chmodSync(p, to.mode);
  writeXattrs(new Map([[p, to.xattrs]]));
}

export const beforeAsTarget = (b: Before, recordDir: string): Target =>
  b.kind === 'absent' ? { kind: 'absent' } : b.kind === 'node' ? { kind: 'node', from: path.join(recordDir, b.file) } : b;

/**
 * The journal a commit writes before it changes anything: each path's state as it will be kept (see store.ts,
 * recoverInterrupted, which leaves out a kept state that was never made: its path was not reached).
 */
export const JOURNAL = 'journal.jsonl';

/**
 * Applies `steps` in order, keeping each path's prior state under
 * `recordDir/pre`; reverses everything on failure. Files are kept first (a
 * hard link changes no real path), then every kept state is journalled and
 * the journal synced, before the first real path changes; folders are then
 * moved aside (and the record's folder synced once, when there were any),
 * and the new states moved into place. One or two syncs for the whole commit,
 * not one per path (a package install changes a dozen), and a commit cut off
 * by a crash can still be undone.
 */
export function applySteps(steps: readonly Step[], recordDir: string): RecordEntry[] {
  const pre = path.join(recordDir, 'pre');
  fs.mkdirSync(pre, { recursive: true });
  const befores = steps.map((s, i) => planBefore(s.path, s.to, `pre/${i}`));
  const done: RecordEntry[] = [];
  const fail = (p: string, err: unknown) => {
    const lost = rollBack(done, recordDir);
    return new ApplyFailed(
      `could not apply ${p}: ${(err as Error).message}; nothing was changed${lost.length ? ` except ${lost.join(', ')} (could not be put back)` : ''}`,
    );
  };
  const movesAside = (b: Before) => b.kind === 'node' && b.type === 'dir';
  const keepAll = (folders: boolean) => {
    for (const [i, step] of steps.entries()) {
      const before = befores[i] as Before;
      if (movesAside(before) !== folders) continue;
      try {
        keep(step.path, before, recordDir);
      } catch (err) {
        throw fail(step.path, err);
      }
      done.push({ path: step.path, before, after: '' });
    }
  };
  keepAll(false);
  try {
    syncedWrite(path.join(recordDir, JOURNAL), steps.map((s, i) => `${JSON.stringify({ path: s.path, before: befores[i] })}\n`).join(''));
  } catch (err) {
    throw fail(recordDir, err);
  }
  keepAll(true);
  try {
    // Folders moved aside are on disk before any path is replaced.
    if (befores.some(movesAside)) syncDir(pre);
  } catch (err) {
    throw fail(recordDir, err);
  }
  const byPath = new Map(done.map((e) => [e.path, e]));
  for (const step of steps) {
    const entry = byPath.get(step.path) as RecordEntry;
    try {
      install(step.path, step.to);
      entry.after = fingerprint(step.path, step.to.kind === 'meta');
    } catch (err) {
      throw fail(step.path, err);
    }
  }
  // In the steps' order, as the record lists them.
  return steps.map((s) => byPath.get(s.path) as RecordEntry);
}

function syncedWrite(file: string, text: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, text);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Puts every path back as it was kept, newest step first; returns the paths that could not be. */
function rollBack(done: readonly RecordEntry[], recordDir: string): string[] {
  const failed: string[] = [];
  for (const e of [...done].reverse()) {
    try {
      if (e.before.kind !== 'meta') fs.rmSync(e.path, { recursive: true, force: true });
      install(e.path, beforeAsTarget(e.before, recordDir));
    } catch {
      failed.push(e.path);
    }
  }
  return failed;
}
