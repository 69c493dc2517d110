import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Extended attributes (file capabilities, ACLs, SELinux labels, overlayfs's
 * own bookkeeping), many files per process: Node has no xattr API, and one
 * process for many files is what keeps a commit of a package's hundreds of
 * files fast. Read with getfattr and removed with setfattr (attr, a few ms);
 * written (rare: a directory's own attributes changed) in python3, whose
 * values travel base64-encoded.
 */

export type Xattrs = Record<string, string>;

/** overlayfs's own attributes in an upper layer: never carried onto the real filesystem. */
export const isOverlayXattr = (name: string) => /^(trusted|user)\.overlay\./.test(name);

const PROGRAM = String.raw`
import base64, json, os, sys
req = json.load(sys.stdin)
out = {}
for p in req.get('read', []):
    attrs = {}
    try:
        for n in os.listxattr(p, follow_symlinks=False):
            try:
                attrs[n] = base64.b64encode(os.getxattr(p, n, follow_symlinks=False)).decode()
            except OSError:
                pass
    except OSError:
        pass
    if attrs:
        out[p] = attrs
errors = []
for p, attrs in req.get('write', {}).items():
    try:
        have = set(os.listxattr(p, follow_symlinks=False))
    except OSError as e:
        errors.append('%s: %s' % (p, e.strerror))
        continue
    for n in have - set(attrs):
        try:
            os.removexattr(p, n, follow_symlinks=False)
        except OSError as e:
            errors.append('%s: %s: %s' % (p, n, e.strerror))
    for n, v in attrs.items():
        try:
            os.setxattr(p, n, base64.b64decode(v), follow_symlinks=False)
        except OSError as e:
            errors.append('%s: %s: %s' % (p, n, e.strerror))
json.dump({'read': out, 'errors': errors}, sys.stdout)
`;

export class XattrError extends Error {}

interface Request {
  read?: string[];
  /** Each path's attributes become exactly these (others removed). */
  write?: Record<string, Xattrs>;
}

/** The system's python3 (a version manager's shim on PATH can cost a tenth of a second per start). */
const PYTHON = ['/usr/bin/python3', '/bin/python3'].find((p) => fs.existsSync(p)) ?? 'python3';

function call(req: Request): { read: Record<string, Xattrs>; errors: string[] } {
  const r = spawnSync(PYTHON, ['-c', PROGRAM], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0)
    throw new XattrError(
      `extended attributes could not be handled (python3: ${(r.stderr || r.error?.message || '').trim().split('\n').pop() ?? ''}); install python3`,
    );
  return JSON.parse(r.stdout) as { read: Record<string, Xattrs>; errors: string[] };
}

/**
 * Every attribute of each path (symlinks themselves, not their targets);
 * paths without any are absent from the map. Read with getfattr (attr), a few
 * ms for hundreds of files, in slices that keep each argument list short.
 */
export function readXattrs(paths: readonly string[]): Map<string, Xattrs> {
  const out = new Map<string, Xattrs>();
  for (let i = 0; i < paths.length; i += 1000) {
    const slice = paths.slice(i, i + 1000);
    const r = spawnSync('getfattr', ['--absolute-names', '-h', '-d', '-m', '-', '-e', 'base64', '--', ...slice], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (r.error) throw new XattrError(`extended attributes could not be read (getfattr: ${r.error.message}); install the attr package`);
    let current: Xattrs | undefined;
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('# file: ')) {
        current = {};
        out.set(unescapeName(line.slice(8)), current);
      } else if (current && line.length > 0) {
        const eq = line.indexOf('=');
        const name = eq < 0 ? line : line.slice(0, eq);
        const value = eq < 0 ? '' : line.slice(eq + 1);
        current[name] = value.startsWith('0s') ? value.slice(2) : Buffer.from(value.replace(/^"|"$/g, '')).toString('base64');
      }
    }
  }
  for (const [p, x] of out) if (Object.keys(x).length === 0) out.delete(p);
  return out;
}

/** getfattr writes bytes outside printable ASCII (and backslashes) in file names as \ooo. */
function unescapeName(name: string): string {
  if (!name.includes('\\')) return name;
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const oct = /^\\([0-7]{3})/.exec(name.slice(i));
    if (oct) {
      bytes.push(parseInt(oct[1] as string, 8));
      i += 3;
    } else {
      const ch = String.fromCodePoint(name.codePointAt(i) ?? 0);
      bytes.push(...Buffer.from(ch));
      i += ch.length - 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Sets each path's attributes to exactly the given ones; throws naming what failed. */
export function writeXattrs(entries: ReadonlyMap<string, Xattrs>): void {
  if (entries.size === 0) return;
  const { errors } = call({ write: Object.fromEntries(entries) });
  if (errors.length > 0) throw new XattrError(`could not set extended attributes: ${errors.slice(0, 3).join('; ')}`);
}

/**
 * Removes the named attributes; throws naming what failed. With setfattr
 * (attr), one process per attribute name (overlayfs leaves one or two kinds),
 * not python3: this runs in every commit that changed a file already there,
 * and python's start-up is tens of ms.
 */
export function removeXattrs(entries: ReadonlyMap<string, readonly string[]>): void {
  const byName = new Map<string, string[]>();
  for (const [p, names] of entries) for (const n of names) byName.set(n, [...(byName.get(n) ?? []), p]);
  const errors: string[] = [];
  for (const [name, paths] of byName)
    for (let i = 0; i < paths.length; i += 1000) {
      const r = spawnSync('setfattr', ['-h', '-x', name, '--', ...paths.slice(i, i + 1000)], { encoding: 'utf8' });
      if (r.error)
        throw new XattrError(`extended attributes could not be removed (setfattr: ${r.error.message}); install the attr package`);
      if (r.status !== 0) errors.push(...r.stderr.split('\n').filter(Boolean));
    }
  if (errors.length > 0) throw new XattrError(`could not remove extended attributes: ${errors.slice(0, 3).join('; ')}`);
}

export const withoutOverlay = (x: Xattrs | undefined): Xattrs =>
  Object.fromEntries(Object.entries(x ?? {}).filter(([n]) => !isOverlayXattr(n)));
