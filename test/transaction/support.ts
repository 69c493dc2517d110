import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spentRunsRemoved } from '../../src/core/jail/preview';
import { beginTransaction, UndoStore } from '../../src/core/transaction';
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

/** The environment a scratch machine's commands run with, and the undo store's limits there. */
export const SCRATCH_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C' };
export const SCRATCH_LIMITS = { maxBytes: 1 << 30, maxAgeMs: 86_400_000 };

/** A scratch machine for one test: a temp folder (`base`, the caller removes it) with a machine tree and an undo store beside it. */
export function scratchMachine(prefix: string): { base: string; machine: string; store: UndoStore } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const machine = path.join(base, 'machine');
  makeMachine(machine);
  return { base, machine, store: new UndoStore(path.join(base, 'state')) };
}

/** Removes a scratch folder once the spent runs' removal, which goes on after their commands and inside it, is done. */
export async function removeScratch(base: string | undefined): Promise<void> {
  await spentRunsRemoved();
  if (base) fs.rmSync(base, { recursive: true, force: true });
}

/** Runs `command` as a transaction over the scratch machine, from its home folder unless told, without network. */
export function beginScratch(store: UndoStore, machine: string, command: string, cwd = path.join(machine, 'home/me')) {
  return beginTransaction(store, { command, cwd, env: SCRATCH_ENV, paths: [machine], network: false, timeoutMs: 20_000 });
}

/** The folders dpkg and apt-get need in a scratch root they are pointed at, with an empty status file. */
export function scratchDpkgRoot(root: string, extra: readonly string[] = []): void {
  const dirs = [
    'var/lib/dpkg/info',
    'var/lib/dpkg/updates',
    'var/lib/dpkg/triggers',
    'var/lib/dpkg/alternatives',
    'var/lib/apt/lists/partial',
    'var/cache/apt/archives/partial',
    'var/log/apt',
    'etc/apt/apt.conf.d',
    'usr/bin',
    ...extra,
  ];
  for (const d of dirs) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
}

/**
 * A scratch root (see scratchDpkgRoot) holding a copy of this machine's
 * package database: dpkg's status, its per-package file lists and scripts,
 * and apt's package lists with the sources they belong to, so that an
 * install into it reads and rewrites what one on this machine would. False when this machine has no dpkg.
 */
export function copyHostPackageDatabase(root: string): boolean {
  if (!fs.existsSync('/var/lib/dpkg/status')) return false;
  scratchDpkgRoot(root);
  fs.cpSync('/var/lib/dpkg', path.join(root, 'var/lib/dpkg'), {
    recursive: true,
    force: true,
    verbatimSymlinks: true,
    filter: (p) => !p.endsWith('/lock') && !p.endsWith('/lock-frontend'),
  });
  const lists = '/var/lib/apt/lists';
  for (const name of fs.existsSync(lists) ? fs.readdirSync(lists) : [])
    if (/(_Packages(\.\w+)?|Release)$/.test(name)) fs.copyFileSync(path.join(lists, name), path.join(root, 'var/lib/apt/lists', name));
  // The sources the lists belong to (apt reads a list only for a source that names it); not apt.conf.d, whose hooks name the host's paths.
  if (fs.existsSync('/etc/apt/sources.list')) fs.copyFileSync('/etc/apt/sources.list', path.join(root, 'etc/apt/sources.list'));
  if (fs.existsSync('/etc/apt/sources.list.d'))
    fs.cpSync('/etc/apt/sources.list.d', path.join(root, 'etc/apt/sources.list.d'), { recursive: true });
  return true;
}

/** A small architecture-independent .deb built with dpkg-deb: `files` maps paths in the package to [content, mode]. */
export function buildDeb(
  work: string,
  out: string,
  control: { name: string; description: string },
  files: Record<string, [string, number]>,
): void {
  fs.mkdirSync(path.join(work, 'DEBIAN'), { recursive: true });
  fs.writeFileSync(
    path.join(work, 'DEBIAN/control'),
    `Package: ${control.name}\nVersion: 1.0\nArchitecture: all\nMaintainer: aios tests <tests@aios>\nDescription: ${control.description}\n`,
  );
  for (const [p, [content, mode]] of Object.entries(files)) {
    fs.mkdirSync(path.join(work, path.dirname(p)), { recursive: true });
    fs.writeFileSync(path.join(work, p), content, { mode });
  }
  const built = spawnSync('dpkg-deb', ['--build', '--root-owner-group', work, out], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`dpkg-deb failed: ${built.stderr}`);
}

/** apt-get installing a local .deb into the scratch root `root` (not the host's), its scripts run outside a chroot. */
export function aptInstallInto(root: string, deb: string): string {
  return `apt-get -o Dir=${root} -o Dir::State::status=${root}/var/lib/dpkg/status -o DPkg::Options::=--root=${root} -o DPkg::Options::=--force-script-chrootless -o Debug::NoLocking=1 -o APT::Sandbox::User=root install -y ${deb}`;
}
