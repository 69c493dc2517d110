import { createRequire } from 'node:module';
import type * as NapiXattr from '@napi-rs/xattr';

/**
 * Extended attributes (file capabilities, ACLs, SELinux labels, overlayfs's
 * own bookkeeping), read, written and removed inside aios with
 * @napi-rs/xattr (a Node-API module: the same binary serves Node and
 * Electron). Its calls act on a symlink itself, never on its target
 * (llistxattr, lgetxattr, lsetxattr, lremovexattr). No process is started:
 * each one would cost aios a fork of its whole memory, and a transaction
 * reads attributes on every run.
 */

export type Xattrs = Record<string, string>;

/** overlayfs's own attributes in an upper layer: never carried onto the real filesystem. */
export const isOverlayXattr = (name: string) => /^(trusted|user)\.overlay\./.test(name);

export class XattrError extends Error {}

type Native = typeof NapiXattr;
let native: Native | undefined;
/** Loaded on first use: most aios commands never touch attributes. */
function xattr(): Native {
  if (native) return native;
  try {
    native = createRequire(import.meta.url)('@napi-rs/xattr') as Native;
  } catch (err) {
    throw new XattrError(
      `extended attributes cannot be handled: @napi-rs/xattr did not load (${(err as Error).message.split('\n')[0]}); reinstall aios's node_modules (npm ci)`,
    );
  }
  return native;
}

/**
 * Every attribute of each path (symlinks themselves, not their targets), as
 * base64; paths without any, or gone, are absent from the map.
 */
export function readXattrs(paths: readonly string[]): Map<string, Xattrs> {
  const x = xattr();
  const out = new Map<string, Xattrs>();
  for (const p of paths) {
    let names: string[];
    try {
      names = x.listAttributesSync(p);
    } catch {
      continue; // gone, or a filesystem without attributes
    }
    const attrs: Xattrs = {};
    for (const n of names) {
      let value: Buffer | null = null;
      try {
        value = x.getAttributeSync(p, n);
      } catch {
        // Removed between the list and the read.
      }
      if (value) attrs[n] = value.toString('base64');
    }
    if (Object.keys(attrs).length > 0) out.set(p, attrs);
  }
  return out;
}

/** Sets each path's attributes to exactly the given ones (others removed); throws naming what failed. */
export function writeXattrs(entries: ReadonlyMap<string, Xattrs>): void {
  if (entries.size === 0) return;
  const x = xattr();
  const errors: string[] = [];
  for (const [p, attrs] of entries) {
    let have: string[];
    try {
      have = x.listAttributesSync(p);
    } catch (err) {
      errors.push(`${p}: ${(err as Error).message}`);
      continue;
    }
    for (const n of have.filter((h) => !(h in attrs)))
      try {
        x.removeAttributeSync(p, n);
      } catch (err) {
        errors.push(`${p}: ${n}: ${(err as Error).message}`);
      }
    for (const [n, v] of Object.entries(attrs))
      try {
        x.setAttributeSync(p, n, Buffer.from(v, 'base64'));
      } catch (err) {
        errors.push(`${p}: ${n}: ${(err as Error).message}`);
      }
  }
  if (errors.length > 0) throw new XattrError(`could not set extended attributes: ${errors.slice(0, 3).join('; ')}`);
}

/** Removes the named attributes; throws naming what failed. */
export function removeXattrs(entries: ReadonlyMap<string, readonly string[]>): void {
  if (entries.size === 0) return;
  const x = xattr();
  const errors: string[] = [];
  for (const [p, names] of entries)
    for (const n of names)
      try {
        x.removeAttributeSync(p, n);
      } catch (err) {
        errors.push(`${p}: ${n}: ${(err as Error).message}`);
      }
  if (errors.length > 0) throw new XattrError(`could not remove extended attributes: ${errors.slice(0, 3).join('; ')}`);
}

export const withoutOverlay = (x: Xattrs | undefined): Xattrs =>
  Object.fromEntries(Object.entries(x ?? {}).filter(([n]) => !isOverlayXattr(n)));
