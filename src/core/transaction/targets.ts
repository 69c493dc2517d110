import fs from 'node:fs';
import path from 'node:path';
import { nestedLayersTrapped } from '../jail/preview';
import { lockedMounts } from './locked-mounts';

/**
 * The folders a transaction overlays. overlayfs refuses an upper layer inside
 * its own lower layer, and the transaction's upper layers live in aios's
 * state folder (on disk, beside the undo records, so a commit is a rename).
 * A folder holding the state folder is overlaid child by child instead,
 * around it; what is directly in such a folder (not in a child) is then
 * read-only in the transaction, and a command writing there fails (it is told).
 * The same goes around other places to `avoid` (locked-mounts.ts).
 */
export function overlayAround(dirs: readonly string[], avoid: string | readonly string[]): string[] {
  const out: string[] = [];
  const avoided = typeof avoid === 'string' ? [avoid] : avoid;
  const inside = (c: string, p: string) => c === p || c.startsWith(`${p}/`);
  const add = (dir: string) => {
    if (avoided.some((a) => inside(dir, a))) return;
    if (!avoided.some((a) => inside(a, dir))) {
      out.push(dir);
      return;
    }
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const child = path.join(dir, n);
      const st = fs.lstatSync(child, { throwIfNoEntry: false });
      if (st?.isDirectory()) add(child);
    }
  };
  for (const d of dirs) {
    let real: string;
    try {
      real = fs.realpathSync(d);
    } catch {
      continue;
    }
    add(real);
  }
  return [...new Set(out)];
}

/**
 * The folders a transaction over `dirs` overlays, its upper layers in `store`'s
 * scratch folder: around the store and the locked mounts; where overlayfs
 * takes an upper layer inside its own lower layer and refuses any lookup of it
 * (jail/preview-state.ts), a folder holding the store is overlaid whole (the
 * jail covers the store, as it does anyway): one overlay for /var rather than
 * one for each child of /var and of /var/lib, and what lies directly in them
 * is no longer read-only in the transaction.
 */
export function transactionTargets(dirs: readonly string[], store: { root: string; scratch: string }): string[] {
  return overlayAround(dirs, nestedLayersTrapped(store.scratch) ? lockedMounts() : [store.root, ...lockedMounts()]);
}
