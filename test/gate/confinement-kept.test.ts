/**
 * The quiet jail keeps the read-only places it found between commands and
 * works them out again only when a folder it read may have changed: every
 * change is still seen, also one made in the same tick of the file system's
 * clock as the folder's previous change (where a stat cannot tell them apart),
 * and folders whose stamps cannot prove anything are read every time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Sandbox } from '../../src/core/executor';
import { FolderListings, SETTLED_NS, type FolderListingsOptions } from '../../src/core/executor/folder-listings';
import { quietJail } from '../../src/core/gate/quiet-jail';
import { tempDir } from '../support/policy';

let sandbox: Sandbox;
beforeAll(() => {
  sandbox = new Sandbox({ env: process.env });
});

let t: { dir: string; cleanup: () => void };
beforeEach(() => {
  t = tempDir('aios-confine-kept-');
});
afterEach(() => {
  vi.restoreAllMocks();
  t.cleanup();
});

const wallNs = () => BigInt(Date.now()) * 1_000_000n;

/** The read-only places of the home work tree, relative to it, and how many folders were read to find them. */
function readOnlyOf(listings: FolderListings): { places: string[]; folderReads: number } {
  const reads = vi.spyOn(fs, 'readdirSync');
  try {
    const jail = quietJail(sandbox, { home: t.dir }, {}, listings);
    const c = jail.for(t.dir);
    if ('unavailable' in c) throw new Error(c.unavailable);
    return { places: c.readOnly.map((p) => path.relative(t.dir, p)), folderReads: reads.mock.calls.length };
  } finally {
    reads.mockRestore();
  }
}

/**
 * A file system whose clock ticks only when the test says (as a kernel's
 * coarse clock ticks every few milliseconds): every change a folder gets
 * within one tick leaves it the same mtime and ctime, with a sub-second part.
 * The rest of the stat is the folder's own.
 */
function coarseFileSystem(): { options: FolderListingsOptions; tick: (ns: bigint) => void; stampOf: (dir: string) => bigint } {
  let now = wallNs() - (wallNs() % 1_000_000_000n) + 123_456_789n;
  const stamps = new Map<string, bigint>();
  const stat: NonNullable<FolderListingsOptions['stat']> = (dir) => {
    const st = fs.statSync(dir, { bigint: true, throwIfNoEntry: false });
    if (!st) return undefined;
    // A change is stamped with the tick it happened in (the test stats every folder it changes within that tick).
    const key = `${dir}\0${st.ctimeNs}\0${st.mtimeNs}`;
    let at = stamps.get(key);
    if (at === undefined) stamps.set(key, (at = now));
    const { dev, ino, mode, nlink, uid, gid, size } = st;
    return { dev, ino, mode, nlink, uid, gid, size, mtimeNs: at, ctimeNs: at };
  };
  return {
    // The wall clock runs a little ahead of the file system's last tick, as the kernel's coarse clock lags it.
    options: { stat, nowNs: () => now + 3_000_000n },
    tick: (ns) => {
      now += ns;
    },
    stampOf: (dir) => stat(dir)!.ctimeNs,
  };
}

describe('read-only places kept between commands', () => {
  it('reads no folder again while none changed, and sees every change made since', () => {
    // The folders were made more than a second before the listing: they have settled.
    const listings = new FolderListings({ nowNs: () => wallNs() + 2n * SETTLED_NS });
    const home = t.dir;
    fs.mkdirSync(path.join(home, '.ssh'));
    fs.mkdirSync(path.join(home, '.config', 'autostart'), { recursive: true });
    fs.mkdirSync(path.join(home, 'notes', '.git'), { recursive: true });
    fs.symlinkSync(path.join(home, 'gone'), path.join(home, '.profile'));

    const first = readOnlyOf(listings);
    expect(first.places).toEqual(expect.arrayContaining(['.ssh', '.config/autostart']));
    expect(first.places).not.toContain('.profile');
    expect(first.folderReads).toBeGreaterThan(0);
    expect(readOnlyOf(listings)).toEqual({ places: first.places, folderReads: 0 });

    fs.writeFileSync(path.join(home, '.bashrc'), '');
    expect(readOnlyOf(listings).places).toContain('.bashrc');
    // A repository made in a new folder two levels down.
    fs.mkdirSync(path.join(home, 'src', 'app', '.git', 'hooks'), { recursive: true });
    expect(readOnlyOf(listings).places).toContain('src/app/.git/hooks');
    // A change inside a folder the scan reached: only that folder changed.
    fs.writeFileSync(path.join(home, 'notes', '.git', 'config'), '');
    expect(readOnlyOf(listings).places).toContain('notes/.git/config');
    // A link's target appears: the folder holding the link did not change.
    fs.writeFileSync(path.join(home, 'gone'), '');
    expect(readOnlyOf(listings).places).toContain('.profile');
    fs.rmSync(path.join(home, '.ssh'), { recursive: true });
    fs.renameSync(path.join(home, '.config', 'autostart'), path.join(home, '.config', 'autostart-old'));
    const last = readOnlyOf(listings).places;
    expect(last).not.toContain('.ssh');
    expect(last).not.toContain('.config/autostart');
    expect(readOnlyOf(listings)).toEqual({ places: last, folderReads: 0 });
  });

  it('sees a change made in the same tick of the file system clock as the listing, which a stat cannot tell apart', () => {
    const fsClock = coarseFileSystem();
    const listings = new FolderListings(fsClock.options);
    const home = t.dir;
    fs.mkdirSync(path.join(home, '.ssh'));
    const before = fsClock.stampOf(home);
    expect(readOnlyOf(listings).places).toEqual(['.ssh']);

    // Same tick: a file (no new link count, no new size for the folder) leaves the home's stat as it was.
    fs.writeFileSync(path.join(home, '.bashrc'), '');
    expect(fsClock.stampOf(home)).toBe(before);
    expect(readOnlyOf(listings).places).toEqual(expect.arrayContaining(['.ssh', '.bashrc']));

    // Once the clock has moved on by more than SETTLED_NS the listing is kept, and a change in a later tick is seen.
    fsClock.tick(2n * SETTLED_NS);
    readOnlyOf(listings);
    expect(readOnlyOf(listings).folderReads).toBe(0);
    fsClock.tick(4_000_000n);
    fs.writeFileSync(path.join(home, '.zshrc'), '');
    expect(readOnlyOf(listings).places).toEqual(expect.arrayContaining(['.ssh', '.bashrc', '.zshrc']));
  });

  it('reads every time a folder on a network file system, or one whose stamps have whole seconds only', () => {
    const network = new FolderListings({ nowNs: () => wallNs() + 2n * SETTLED_NS, fsType: () => 0x6969 /* NFS */ });
    const wholeSeconds = new FolderListings({
      nowNs: () => wallNs() + 2n * SETTLED_NS,
      stat: (dir) => {
        const st = fs.statSync(dir, { bigint: true, throwIfNoEntry: false });
        return st && { ...st, mtimeNs: st.mtimeNs - (st.mtimeNs % 1_000_000_000n), ctimeNs: st.ctimeNs - (st.ctimeNs % 1_000_000_000n) };
      },
    });
    fs.mkdirSync(path.join(t.dir, '.ssh'));
    for (const listings of [network, wholeSeconds]) {
      readOnlyOf(listings);
      expect(readOnlyOf(listings).folderReads).toBeGreaterThan(0);
      expect(listings.size).toBe(0);
    }
  });
});
