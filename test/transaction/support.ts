import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readXattrs } from '../../src/core/transaction/xattrs';

/** Root, runc and overlayfs are what a transaction needs; without them these tests cannot say anything. */
export const canRun = process.getuid?.() === 0 && spawnSync('runc', ['--version']).status === 0;

/**
 * Every node under `dir` with type, mode, owner, size, content hash, link
 * target, extended attributes and (for non-directories) mtime: two equal
 * hashes mean byte-identical trees in everything undo promises to restore.
 */
export function treeHash(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const all: string[] = [];
  const walk = (p: string) => {
    all.push(p);
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
  };
  if (fs.existsSync(dir)) walk(dir);
  const xattrs = readXattrs(all);
  for (const p of all) {
    const st = fs.lstatSync(p);
    const content = st.isFile()
      ? crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')
      : st.isSymbolicLink()
        ? `-> ${fs.readlinkSync(p)}`
        : '';
    const x = JSON.stringify(Object.entries(xattrs.get(p) ?? {}).sort());
    out.set(
      path.relative(dir, p) || '.',
      `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.isDirectory() ? '' : st.mtimeMs} ${content} ${x}`,
    );
  }
  return out;
}

/** A small machine-like tree: etc, usr/bin, a home with a project. */
export function makeMachine(root: string): void {
  for (const d of ['etc/app', 'usr/bin', 'home/me/project/src', 'home/me/notes/deep', 'var/lib'])
    fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/app/app.conf'), 'port = 80\n');
  fs.writeFileSync(path.join(root, 'etc/hosts.local'), '127.0.0.1 me\n');
  fs.writeFileSync(path.join(root, 'usr/bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  fs.writeFileSync(path.join(root, 'home/me/project/src/main.c'), 'int main(){}\n');
  fs.writeFileSync(path.join(root, 'home/me/notes/deep/a.txt'), 'a'.repeat(5000));
  fs.writeFileSync(path.join(root, 'home/me/notes/b.txt'), 'b');
  fs.symlinkSync('deep/a.txt', path.join(root, 'home/me/notes/link'));
  fs.chownSync(path.join(root, 'home/me'), 1000, 1000);
  spawnSync('setfattr', ['-n', 'user.origin', '-v', 'kept', path.join(root, 'home/me/notes/b.txt')]);
}
