import fs from 'node:fs';
import path from 'node:path';
import type { OverlayTarget } from '../jail/preview';
import type { Effect, NodeType, Step } from './types';
import { isOverlayXattr, readXattrs, withoutOverlay, type Xattrs } from './xattrs';

/**
 * Reads what a command did from the upper layers an overlay run left: the
 * change set that makes the real filesystem look like the merged view
 * (steps, in the order they apply), the effects flattened for rules and
 * history, and overlayfs's own attributes to strip before anything lands.
 * Whiteouts (character devices 0/0) are deletions; opaque directories replace
 * their lower directory whole; a file copied up only for its timestamps is no
 * change. Each target's `opaque` set is filled from the same read of the
 * attributes (the run leaves it to this). Redirected or metacopy entries cannot be read as whole files: the
 * transaction is refused, never half-read.
 */

export class UnreadableEffects extends Error {}

export interface ReadEffects {
  steps: Step[];
  effects: Effect[];
  /** Upper-layer paths carrying overlayfs attributes, removed before the files are moved into place. */
  overlayAttrs: Map<string, string[]>;
}

const typeOf = (st: fs.Stats): NodeType => (st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other');
const isWhiteout = (st: fs.Stats) => st.isCharacterDevice() && st.rdev === 0;
const lstat = (p: string) => fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;
const list = (dir: string) => {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
};

/** overlayfs's opaque mark, "y", as readXattrs gives values (base64). */
const OPAQUE_YES = Buffer.from('y').toString('base64');

export function readEffects(targets: readonly OverlayTarget[]): ReadEffects {
  // Every upper entry first, so the attributes of all of them (and of their real counterparts) come in one read.
  const uppers: Array<{ t: OverlayTarget; rel: string; st: fs.Stats }> = [];
  const collect = (t: OverlayTarget, rel: string) => {
    for (const name of list(path.join(t.upper, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstat(path.join(t.upper, r));
      if (!st) continue;
      uppers.push({ t, rel: r, st });
      if (st.isDirectory()) collect(t, r);
    }
  };
  for (const t of targets) collect(t, '');
  const upperPaths = uppers.map((u) => path.join(u.t.upper, u.rel));
  const realPaths = uppers.map((u) => path.join(u.t.dir, u.rel)).filter((p) => lstat(p));
  const attrs = readXattrs([...upperPaths, ...realPaths]);
  const overlayAttrs = new Map<string, string[]>();
  for (const p of upperPaths) {
    const names = Object.keys(attrs.get(p) ?? {}).filter(isOverlayXattr);
    if (names.some((n) => /\.(redirect|metacopy)$/.test(n)))
      throw new UnreadableEffects(`overlayfs kept ${p} as a reference, not a whole file; the transaction cannot be read`);
    if (names.length > 0) overlayAttrs.set(p, names);
  }
  // Directories made again after a delete (opaque: what was below is gone), from the same read; the diff reads them too.
  for (const u of uppers) {
    const x = u.st.isDirectory() ? attrs.get(path.join(u.t.upper, u.rel)) : undefined;
    if (x && Object.entries(x).some(([n, v]) => /^(trusted|user)\.overlay\.opaque$/.test(n) && v === OPAQUE_YES))
      (u.t.opaque ??= new Set()).add(u.rel);
  }
  const byUpper = new Map(uppers.map((u) => [path.join(u.t.upper, u.rel), u]));

  const steps: Step[] = [];
  const effects: Effect[] = [];
  const meta = (st: fs.Stats) => ({ mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
  const capsOf = (x: Xattrs | undefined) => Object.keys(x ?? {}).includes('security.capability');
  const after = (up: string, st: fs.Stats): Partial<Effect> => ({
    ...meta(st),
    ...(st.isFile() ? { size: st.size } : {}),
    ...(capsOf(attrs.get(up)) ? { capabilities: true } : {}),
    ...(st.isSymbolicLink() ? { linkTarget: fs.readlinkSync(up) } : {}),
  });
  const before = (st: fs.Stats): Partial<Effect> => ({ oldMode: st.mode & 0o7777, oldUid: st.uid, oldGid: st.gid });
  const deletedTree = (real: string, st: fs.Stats) => {
    effects.push({ path: real, change: 'deleted', type: typeOf(st), ...before(st) });
    if (st.isDirectory())
      for (const n of list(real)) {
        const s = lstat(path.join(real, n));
        if (s) deletedTree(path.join(real, n), s);
      }
  };
  const addedTree = (up: string, real: string, st: fs.Stats) => {
    effects.push({ path: real, change: 'added', type: typeOf(st), ...after(up, st) } as Effect);
    if (st.isDirectory())
      for (const n of list(up)) {
        const s = lstat(path.join(up, n));
        if (s) addedTree(path.join(up, n), path.join(real, n), s);
      }
  };

  const walk = (t: OverlayTarget, rel: string) => {
    for (const name of list(path.join(t.upper, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const up = path.join(t.upper, r);
      const real = path.join(t.dir, r);
      const su = byUpper.get(up)?.st;
      if (!su) continue;
      const sl = lstat(real);
      if (isWhiteout(su)) {
        if (sl) {
          steps.push({ path: real, to: { kind: 'absent' } });
          deletedTree(real, sl);
        }
        continue;
      }
      const opaque = su.isDirectory() && (t.opaque?.has(r) ?? false);
      if (!sl || typeOf(sl) !== typeOf(su) || opaque) {
        steps.push({ path: real, to: { kind: 'node', from: up } });
        if (sl) deletedTree(real, sl);
        addedTree(up, real, su);
        continue;
      }
      const sameMeta =
        sl.uid === su.uid && sl.gid === su.gid && (sl.mode & 0o7777) === (su.mode & 0o7777) && sameAttrs(attrs.get(real), attrs.get(up));
      if (su.isDirectory()) {
        if (!sameMeta) {
          steps.push({ path: real, to: { kind: 'meta', ...meta(su), xattrs: withoutOverlay(attrs.get(up)) } });
          effects.push({ path: real, change: 'meta', type: 'dir', ...after(up, su), ...before(sl) } as Effect);
        }
        walk(t, r);
        continue;
      }
      // Copied up for its timestamps only: not a change.
      if (sameMeta && sameContent(real, up, sl, su)) continue;
      steps.push({ path: real, to: { kind: 'node', from: up } });
      effects.push({
        path: real,
        change: sameContent(real, up, sl, su) ? 'meta' : 'changed',
        type: typeOf(su),
        ...after(up, su),
        ...before(sl),
      } as Effect);
    }
  };
  for (const t of targets) walk(t, '');
  return { steps, effects, overlayAttrs };
}

function sameAttrs(a: Xattrs | undefined, b: Xattrs | undefined): boolean {
  const x = withoutOverlay(a);
  const y = withoutOverlay(b);
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k]);
}

function sameContent(a: string, b: string, sa: fs.Stats, sb: fs.Stats): boolean {
  if (sa.isSymbolicLink() && sb.isSymbolicLink()) return fs.readlinkSync(a) === fs.readlinkSync(b);
  if (!sa.isFile() || !sb.isFile()) return typeOf(sa) === typeOf(sb) && sa.rdev === sb.rdev;
  if (sa.size !== sb.size) return false;
  const fa = fs.openSync(a, 'r');
  const fb = fs.openSync(b, 'r');
  try {
    const ba = Buffer.alloc(1 << 20);
    const bb = Buffer.alloc(1 << 20);
    for (;;) {
      const na = fs.readSync(fa, ba, 0, ba.length, null);
      const nb = fs.readSync(fb, bb, 0, bb.length, null);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      if (na === 0) return true;
    }
  } finally {
    fs.closeSync(fa);
    fs.closeSync(fb);
  }
}
