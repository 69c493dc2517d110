import fs from 'node:fs';
import { hostMounts, KERNEL_FILESYSTEMS } from './oci';

/**
 * What a run in an overlaid view of the machine mounts, planned from the
 * host's mount table: which folders get an overlay, which stay read-only,
 * which kernel filesystems are covered (jail/preview-bundle.ts makes the view).
 */

const HIDDEN = ['/proc', '/sys', '/dev', '/run'];

/** Whether `child` is `parent` or lies under it (everything lies under `/`). */
export const inside = (child: string, parent: string) => parent === '/' || child === parent || child.startsWith(parent + '/');

/**
 * The directories to overlay: the cwd plus `paths`, real directories only, nested ones on the same filesystem dropped.
 * One holding `stateDir` (where the upper layers go) is dropped too, unless `nestedLayersOk` (preview-state.ts's
 * nestedLayersTrapped, and the state folder covered in the jail).
 */
export function chooseTargets(cwd: string | null, paths: readonly string[], stateDir: string, nestedLayersOk = false): string[] {
  const seen: { dir: string; dev: number }[] = [];
  const real = [...(cwd === null ? [] : [cwd]), ...paths].map((p) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return null;
    }
  });
  const sorted = [...new Set(real.filter((c): c is string => c !== null))].sort((a, b) => a.length - b.length);
  for (const dir of sorted) {
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      continue;
    }
    if (!st.isDirectory() || dir === '/' || HIDDEN.some((h) => inside(dir, h))) continue;
    // An upper layer inside its own lower layer: refused by older overlayfs, and then seen through it were it not covered.
    if (inside(stateDir, dir) && !nestedLayersOk) continue;
    if (seen.some((s) => inside(dir, s.dir) && s.dev === st.dev)) continue;
    seen.push({ dir, dev: st.dev });
  }
  return seen.map((s) => s.dir);
}

/** Every overlay (targets and the mounts beneath them) and every read-only mount, or why the view cannot be made whole. */
export function planMounts(
  targets: readonly string[],
  stateDir: string,
): { overlays: string[]; readOnly: string[]; covered: string[]; files: string[] } {
  const overlays = new Set(targets);
  const files = new Set<string>();
  const readOnly = new Set<string>();
  const covered = new Set<string>();
  for (const m of hostMounts()) {
    if (m.dir === '/' || HIDDEN.some((h) => inside(m.dir, h)) || inside(m.dir, stateDir)) continue;
    if (KERNEL_FILESYSTEMS.has(m.fstype)) {
      if (!inside(m.dir, '/tmp') || targets.some((t) => inside(m.dir, t))) covered.add(m.dir);
      continue;
    }
    const under = targets.find((t) => inside(m.dir, t));
    if (!under) {
      if (m.dir !== '/tmp' && !inside(m.dir, '/tmp')) readOnly.add(m.dir);
      continue;
    }
    if (m.dir === under) continue;
    let st: fs.Stats;
    try {
      st = fs.statSync(m.dir);
    } catch {
      // Out of the caller's reach: an empty read-only cover keeps it so (and leaves no hole).
      covered.add(m.dir);
      continue;
    }
    if (!st.isDirectory()) {
      // A file mounted there (nspawn binds /etc/localtime, /etc/resolv.conf): no overlay covers a file, so it is bound read-only on top.
      readOnly.add(m.dir);
      files.add(m.dir);
      continue;
    }
    overlays.add(m.dir);
  }
  for (const name of fs.readdirSync('/')) {
    const p = `/${name}`;
    if (HIDDEN.includes(p) || p === '/tmp' || overlays.has(p)) continue;
    try {
      if (fs.lstatSync(p).isSymbolicLink()) continue;
    } catch {
      continue;
    }
    readOnly.add(p);
  }
  // Nothing is mounted beneath a covered kernel filesystem in the jail.
  const isCovered = (d: string) => [...covered].some((c) => d !== c && inside(d, c));
  return {
    overlays: [...overlays].filter((d) => !isCovered(d)),
    readOnly: [...readOnly].filter((d) => !isCovered(d)),
    covered: [...covered].filter((d) => !isCovered(d)),
    files: [...files],
  };
}
