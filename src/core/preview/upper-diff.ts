import fs from 'node:fs';
import path from 'node:path';
import { structuredPatch } from 'diff';
import type { PreviewChange } from '../../shared/preview';
import type { OverlayTarget } from '../jail/preview';

/**
 * Reads the upper layers a preview left and says what changed on the real
 * system's terms: added, changed (with a unified diff for small text files),
 * deleted, modes changed. Whiteouts are character devices 0/0; a directory
 * made opaque (deleted and made again) is found through the merged listing
 * the helper wrote, so no xattr reading is needed.
 */

export interface DiffLimits {
  /** Text files up to this size on both sides get a unified diff. */
  maxDiffBytes: number;
  /** Changes kept in the list; the rest are counted. */
  maxChanges: number;
}

type Kind = PreviewChange['type'];
const typeOf = (st: fs.Stats): Kind => (st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other');
const mode = (st: fs.Stats) => (st.mode & 0o7777).toString(8);
const lstat = (p: string): fs.Stats | null => {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
};
const isWhiteout = (st: fs.Stats) => st.isCharacterDevice() && st.rdev === 0;

function readListings(dir: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  let files: string[];
  try {
    files = fs.readdirSync(dir);
  } catch {
    return out;
  }
  for (const f of files) {
    const parts = fs.readFileSync(path.join(dir, f), 'utf8').split('\0');
    const rel = parts.shift() ?? '';
    out.set(rel, new Set(parts.filter(Boolean)));
  }
  return out;
}

function sameContent(a: string, b: string, sa: fs.Stats, sb: fs.Stats): boolean {
  if (sa.isSymbolicLink() && sb.isSymbolicLink()) return fs.readlinkSync(a) === fs.readlinkSync(b);
  if (!sa.isFile() || !sb.isFile() || sa.size !== sb.size) return false;
  try {
    return fs.readFileSync(a).equals(fs.readFileSync(b));
  } catch {
    // Not readable by aios (root's 0600 files, seen through a sudo-made preview): same size and time means untouched.
    return sa.mtimeMs === sb.mtimeMs;
  }
}

function readBoth(a: string, b: string): [Buffer, Buffer] | null {
  try {
    return [fs.readFileSync(a), fs.readFileSync(b)];
  } catch {
    return null;
  }
}

function textDiff(file: string, before: Buffer, after: Buffer): Pick<PreviewChange, 'diff' | 'added' | 'removed'> {
  if (before.includes(0) || after.includes(0)) return {};
  const patch = structuredPatch(file, file, before.toString('utf8'), after.toString('utf8'), '', '', { context: 2 });
  let added = 0;
  let removed = 0;
  const body: string[] = [`--- ${file}`, `+++ ${file}`];
  for (const h of patch.hunks) {
    body.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines);
    for (const l of h.lines) {
      if (l.startsWith('+')) added++;
      else if (l.startsWith('-')) removed++;
    }
  }
  return { diff: body.join('\n'), added, removed };
}

export function readUpperLayers(
  targets: readonly OverlayTarget[],
  cwd: string,
  limits: DiffLimits,
): { changes: PreviewChange[]; omitted: number } {
  const changes: PreviewChange[] = [];
  let omitted = 0;
  const display = (abs: string) => (abs === cwd ? '.' : abs.startsWith(cwd + '/') ? `./${abs.slice(cwd.length + 1)}` : abs);
  const push = (c: Omit<PreviewChange, 'display'>) => {
    if (changes.length >= limits.maxChanges) omitted++;
    else changes.push({ ...c, display: display(c.path) });
  };
  /** Everything under a lower path, as deleted (files and dirs alike; dirs count no size). */
  const deletedTree = (real: string, st: fs.Stats) => {
    push({ path: real, kind: 'deleted', type: typeOf(st), size: st.isDirectory() ? 0 : st.size });
    if (!st.isDirectory()) return;
    for (const name of safeReaddir(real)) {
      const s = lstat(path.join(real, name));
      if (s) deletedTree(path.join(real, name), s);
    }
  };
  const addedTree = (upper: string, real: string, st: fs.Stats) => {
    push({ path: real, kind: 'added', type: typeOf(st), size: st.isDirectory() ? 0 : st.size });
    if (!st.isDirectory()) return;
    for (const name of safeReaddir(upper)) {
      const s = lstat(path.join(upper, name));
      if (s) addedTree(path.join(upper, name), path.join(real, name), s);
    }
  };

  for (const t of targets) {
    const listings = readListings(t.listings);
    const walk = (rel: string) => {
      const upperDir = path.join(t.upper, rel);
      const realDir = path.join(t.dir, rel);
      // An opaque directory shows only its upper names: what the lower had there is gone.
      const merged = t.opaque?.has(rel) ? new Set<string>() : listings.get(rel);
      // Names the lower layer had and the merged view lost: an opaque directory's deletions.
      if (merged && rel !== '') {
        const upperNames = new Set(safeReaddir(upperDir));
        for (const name of safeReaddir(realDir)) {
          if (merged.has(name) || upperNames.has(name)) continue;
          const s = lstat(path.join(realDir, name));
          if (s) deletedTree(path.join(realDir, name), s);
        }
      }
      for (const name of safeReaddir(upperDir).sort()) {
        const up = path.join(upperDir, name);
        const real = path.join(realDir, name);
        const su = lstat(up);
        if (!su) continue;
        const sl = lstat(real);
        if (isWhiteout(su)) {
          if (sl) deletedTree(real, sl);
          continue;
        }
        if (!sl || typeOf(sl) !== typeOf(su)) {
          if (sl) deletedTree(real, sl);
          addedTree(up, real, su);
          continue;
        }
        const modeChanged = mode(sl) !== mode(su);
        if (su.isDirectory()) {
          if (modeChanged) push({ path: real, kind: 'mode', type: 'dir', size: 0, oldMode: mode(sl), newMode: mode(su) });
          walk(path.join(rel, name));
          continue;
        }
        if (!sameContent(real, up, sl, su)) {
          const c: Omit<PreviewChange, 'display'> = { path: real, kind: 'changed', type: typeOf(su), size: su.size, oldSize: sl.size };
          const both = su.isFile() && su.size <= limits.maxDiffBytes && sl.size <= limits.maxDiffBytes ? readBoth(real, up) : null;
          if (both) Object.assign(c, textDiff(display(real), both[0], both[1]));
          if (modeChanged) Object.assign(c, { oldMode: mode(sl), newMode: mode(su) });
          push(c);
        } else if (modeChanged) {
          push({ path: real, kind: 'mode', type: typeOf(su), size: su.size, oldMode: mode(sl), newMode: mode(su) });
        }
        // Same content and mode: copied up for a timestamp or owner only; not a change a person judges.
      }
    };
    walk('');
  }
  return { changes, omitted };
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
