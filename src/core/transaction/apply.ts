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

/** Keeps what is at `p` in the record's folder as `file`; a directory leaves `p` (moved aside), a file stays (linked). */
function keep(p: string, step: Target, recordDir: string, file: string): Before {
  const st = lstat(p);
  if (!st) return { kind: 'absent' };
  if (step.kind === 'meta' && st.isDirectory()) {
    return { kind: 'meta', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, xattrs: readXattrs([p]).get(p) ?? {} };
  }
  const dest = path.join(recordDir, file);
  const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  if (st.isDirectory()) {
    move(p, dest);
  } else {
    try {
      fs.linkSync(p, dest);
    } catch {
      copyTree(p, dest);
    }
  }
  return { kind: 'node', file, type };
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

/** The journal a commit writes as it goes: each path's kept state, before it is replaced (see store.ts, recoverInterrupted). */
export const JOURNAL = 'journal.jsonl';

/**
 * Applies `steps` in order, keeping each path's prior state under
 * `recordDir/pre`; reverses everything on failure. Each kept state is
 * journalled before its path changes, so a commit cut off by a crash can
 * still be undone.
 */
export function applySteps(steps: readonly Step[], recordDir: string): RecordEntry[] {
  fs.mkdirSync(path.join(recordDir, 'pre'), { recursive: true });
  const journal = fs.openSync(path.join(recordDir, JOURNAL), 'a');
  try {
    return applyJournalled(steps, recordDir, journal);
  } finally {
    fs.closeSync(journal);
  }
}

function applyJournalled(steps: readonly Step[], recordDir: string, journal: number): RecordEntry[] {
  const done: RecordEntry[] = [];
  for (const [i, step] of steps.entries()) {
    let entry: RecordEntry | undefined;
    try {
      entry = { path: step.path, before: keep(step.path, step.to, recordDir, `pre/${i}`), after: '' };
      done.push(entry);
      fs.writeSync(journal, `${JSON.stringify({ path: entry.path, before: entry.before })}\n`);
      fs.fdatasyncSync(journal);
      install(step.path, step.to);
      entry.after = fingerprint(step.path, step.to.kind === 'meta');
    } catch (err) {
      const why = `${step.path}: ${(err as Error).message}`;
      const lost = rollBack(done, recordDir);
      throw new ApplyFailed(
        `could not apply ${why}; nothing was changed${lost.length ? ` except ${lost.join(', ')} (could not be put back)` : ''}`,
      );
    }
  }
  return done;
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
