/**
 * pacman (the Arch flavour's package manager) in transactions, with real
 * pacman on a scratch root (--root and --dbpath point into it, so no host
 * database is touched): a package built here by hand (.PKGINFO and a program,
 * tar + zstd) is installed and then removed, each as a transaction; the
 * effects name the package, its program on PATH is the package manager's own
 * (not a question), and undo, newest first, brings back both the files and
 * pacman's database, down to trees whose hashes equal the ones before.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitTransaction, judgePending, undoRecord, type UndoStore } from '../../src/core/transaction';
import { beginScratch, canRun, removeScratch, SCRATCH_LIMITS as limits, scratchMachine, treeHash } from './support';

const hasPacman = spawnSync('pacman', ['--version']).status === 0 && spawnSync('zstd', ['--version']).status === 0;

let base: string;
let machine: string;
let store: UndoStore;
let local: string;
let pkg: string;

/** pacman pointed at the scratch root: its database, cache, log, hooks and a config that checks no signatures (the package is built here, unsigned). */
const pacmanArgs = () =>
  [
    `--root=${machine}`,
    `--dbpath=${machine}/var/lib/pacman`,
    `--config=${machine}/etc/pacman.conf`,
    `--cachedir=${machine}/var/cache/pacman/pkg`,
    `--logfile=${machine}/var/log/pacman.log`,
    `--gpgdir=${machine}/etc/pacman.d/gnupg`,
    `--hookdir=${machine}/etc/pacman.d/hooks`,
  ].join(' ');
const query = () =>
  spawnSync('pacman', ['-Q', `--root=${machine}`, `--dbpath=${machine}/var/lib/pacman`, 'aios-tx-hi'], { encoding: 'utf8' });

/** A small architecture-independent pacman package: what makepkg would write, by hand (a .PKGINFO and the files, in a zstd tar). */
function buildPacmanPackage(work: string, out: string): void {
  fs.mkdirSync(path.join(work, 'usr/bin'), { recursive: true });
  fs.writeFileSync(path.join(work, 'usr/bin/aios-tx-hi'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(work, '.PKGINFO'),
    'pkgname = aios-tx-hi\npkgbase = aios-tx-hi\npkgver = 1.0-1\npkgdesc = a package the transaction tests install\nbuilddate = 1700000000\npackager = aios tests\nsize = 20\narch = any\n',
  );
  const built = spawnSync('tar', ['--zstd', '--owner=0', '--group=0', '-cf', out, '-C', work, '.PKGINFO', 'usr'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`tar failed: ${built.stderr}`);
}

beforeEach(() => {
  if (!canRun || !hasPacman) return;
  ({ base, machine, store } = scratchMachine('aios-tx-pacman-'));
  for (const d of ['var/lib/pacman/local', 'var/cache/pacman/pkg', 'var/log', 'etc/pacman.d/hooks', 'home/me/pkgs'])
    fs.mkdirSync(path.join(machine, d), { recursive: true });
  fs.writeFileSync(path.join(machine, 'etc/pacman.conf'), '[options]\nSigLevel = Never\nLocalFileSigLevel = Never\n');
  local = path.join(machine, 'var/lib/pacman/local');
  pkg = path.join(machine, 'home/me/pkgs/aios-tx-hi-1.0-1-any.pkg.tar.zst');
  buildPacmanPackage(path.join(base, 'pkg'), pkg);
});
afterEach(async () => {
  await removeScratch(base);
});

describe.skipIf(!canRun || !hasPacman)('pacman in transactions', () => {
  it('names the package installed and removed, asks nothing about its program, and undoes both, files and database', async () => {
    const hashes = [treeHash(machine)];
    const transact = async (command: string) => {
      const p = await beginScratch(store, machine, command);
      expect(p.exitCode, p.stderr).toBe(0);
      const findings = judgePending(
        p,
        { protect: {}, pathDirs: [path.join(machine, 'usr/bin')] },
        path.join(machine, 'var/lib/dpkg/info'),
        local,
      );
      const c = commitTransaction(store, p, { command, cwd: machine, limits, pacmanLocal: local });
      hashes.push(treeHash(machine));
      return { findings, record: c.record! };
    };

    // A program copied beside the package's is nobody's: the rule still sees that one.
    const install = await transact(`pacman -U --noconfirm ${pacmanArgs()} ${pkg} && cp ../../usr/bin/tool ../../usr/bin/stray`);
    expect(install.findings.filter((f) => f.rule === 'new-executable-on-path').map((f) => path.relative(machine, f.path))).toEqual([
      'usr/bin/stray',
    ]);
    expect(install.record.packages).toEqual({ added: ['aios-tx-hi 1.0-1'], removed: [] });
    expect(query().stdout).toBe('aios-tx-hi 1.0-1\n');
    expect(fs.readFileSync(path.join(machine, 'usr/bin/aios-tx-hi'), 'utf8')).toContain('echo hi');

    const remove = await transact(`pacman -R --noconfirm ${pacmanArgs()} aios-tx-hi`);
    expect(remove.findings).toEqual([]);
    expect(remove.record.packages).toEqual({ added: [], removed: ['aios-tx-hi 1.0-1'] });
    expect(query().status).not.toBe(0);

    undoRecord(store, remove.record.id);
    expect(treeHash(machine)).toEqual(hashes[1]);
    expect(query().stdout).toBe('aios-tx-hi 1.0-1\n');

    undoRecord(store, install.record.id);
    expect(treeHash(machine)).toEqual(hashes[0]);
    expect(fs.existsSync(path.join(machine, 'usr/bin/aios-tx-hi'))).toBe(false);
    const gone = query();
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toMatch(/package 'aios-tx-hi' was not found/);
  }, 120_000);
});
