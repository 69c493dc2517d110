import fs from 'node:fs';

/** A folder's entries as read, shared between the calls a cache serves: read only. */
export interface FolderListing {
  readonly byName: ReadonlyMap<string, fs.Dirent>;
  readonly entries: readonly fs.Dirent[];
}

/** A folder's entries as read now. */
export function readFolder(dir: string): FolderListing {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  return { byName: new Map(entries.map((e) => [e.name, e])), entries };
}

/** What a folder's stat must still say for its kept listing to be used. */
type Fingerprint = Pick<fs.BigIntStats, 'dev' | 'ino' | 'mode' | 'nlink' | 'uid' | 'gid' | 'size' | 'mtimeNs' | 'ctimeNs'>;

export interface FolderListingsOptions {
  /** The wall clock in nanoseconds (tests: a file system's coarse clock). */
  nowNs?: () => bigint;
  /** `fs.statSync(dir, { bigint: true })`, undefined when it does not exist (tests: a coarser file system). */
  stat?: (dir: string) => Fingerprint | undefined;
  /** `fs.statfsSync(dir).type` (tests: another file system). */
  fsType?: (dir: string) => number | undefined;
  /** Folders kept at most; beyond, the cache starts again. */
  maxFolders?: number;
}

/**
 * How long a folder must have stood unchanged before its listing is kept. A
 * change after the listing gets a ctime of the file system's clock, which may
 * lag the wall clock by a tick (a jiffy, at most 10 ms; kernels stamp with a
 * coarse clock): a listing whose folder changed this recently could be
 * followed by a change with the very same ctime, which no comparison can see.
 * A second is far above any tick of a file system whose stamps have
 * sub-second parts (those without are never kept, see `trusted`).
 */
export const SETTLED_NS = 1_000_000_000n;

/**
 * Local file systems whose stamps come from this kernel's clock. A network
 * file system's come from the server's, which may run behind by more than
 * SETTLED_NS; FUSE's are whatever the daemon says: their listings are read
 * every time.
 */
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x858458f6, // ramfs
  0x794c7630, // overlayfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
  0xca451a4e, // bcachefs
]);

const statBig = (dir: string): Fingerprint | undefined => fs.statSync(dir, { bigint: true, throwIfNoEntry: false });
const statfsType = (dir: string): number | undefined => {
  try {
    return fs.statfsSync(dir).type;
  } catch {
    return undefined;
  }
};

function same(a: Fingerprint, b: Fingerprint): boolean {
  return (
    a.ctimeNs === b.ctimeNs &&
    a.mtimeNs === b.mtimeNs &&
    a.ino === b.ino &&
    a.dev === b.dev &&
    a.size === b.size &&
    a.nlink === b.nlink &&
    a.mode === b.mode &&
    a.uid === b.uid &&
    a.gid === b.gid
  );
}

interface Noting {
  folders: Array<[string, Fingerprint]>;
  paths: Array<[string, boolean]>;
  sure: boolean;
}

interface Answer {
  value: unknown;
  folders: ReadonlyArray<[string, Fingerprint]>;
  paths: ReadonlyArray<[string, boolean]>;
}

/**
 * Folder listings kept between commands, each used again only while the
 * folder provably has not changed: adding, removing or renaming an entry
 * sets the folder's mtime and ctime (ctime cannot be set back by anyone but
 * the clock), a folder replaced or mounted over has another inode or device,
 * a permission change sets ctime. Kept only when that proof holds: the
 * folder's stat did not change while it was read, its ctime has a sub-second
 * part (a file system with whole-second stamps could stamp a later change
 * the same), it is older than SETTLED_NS before the reading began (a later
 * change cannot share its tick), and the folder is on a local file system.
 * Anything else is read again each time, as without a cache.
 */
export class FolderListings {
  private readonly kept = new Map<string, { stat: Fingerprint; listing: FolderListing }>();
  private readonly answers = new Map<string, Answer>();
  /** What the `remember` running now has read so far. */
  private noting: Noting | undefined;
  private readonly nowNs: () => bigint;
  private readonly stat: (dir: string) => Fingerprint | undefined;
  private readonly fsType: (dir: string) => number | undefined;

  constructor(private readonly o: FolderListingsOptions = {}) {
    this.nowNs = o.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.stat = o.stat ?? statBig;
    this.fsType = o.fsType ?? statfsType;
  }

  /** How many folders are kept (tests). */
  get size(): number {
    return this.kept.size;
  }

  /** The folder's entries, as `fs.readdirSync(dir, { withFileTypes: true })` would give them now; throws as it does. */
  read(dir: string): FolderListing {
    const known = this.kept.get(dir);
    if (known) {
      const now = this.stat(dir);
      if (now && same(now, known.stat)) {
        this.noting?.folders.push([dir, known.stat]);
        return known.listing;
      }
      this.kept.delete(dir);
    }
    const began = this.nowNs();
    const before = this.stat(dir);
    let listing: FolderListing;
    try {
      listing = readFolder(dir);
    } catch (err) {
      if (this.noting) this.noting.sure = false;
      throw err;
    }
    const after = before && this.stat(dir);
    if (before && after && same(before, after) && this.trusted(dir, before, began)) {
      if (this.kept.size >= (this.o.maxFolders ?? 20_000)) this.kept.clear();
      this.kept.set(dir, { stat: before, listing });
      this.noting?.folders.push([dir, before]);
    } else if (this.noting) this.noting.sure = false;
    return listing;
  }

  /**
   * `fs.existsSync(p)` for a path whose answer a kept listing cannot give (a
   * link: its target may come or go while the folder stays as it is); a
   * `remember`ed answer asks it again each time it is given.
   */
  exists(p: string): boolean {
    const yes = fs.existsSync(p);
    this.noting?.paths.push([p, yes]);
    return yes;
  }

  /** Says that what `remember` computes now depends on something no stat can vouch for: it is not kept. */
  unsure(): void {
    if (this.noting) this.noting.sure = false;
  }

  /**
   * `compute()`, or its answer of an earlier call for the same key while
   * everything it read is provably as it was: every folder it read through
   * `read` has the same stat (and its listing was kept), and every path it
   * asked through `exists` gives the same answer. `compute` must depend on
   * nothing else that can change. The answer is shared: treat it as read only.
   */
  remember<T>(key: string, compute: () => T): T {
    const known = this.answers.get(key);
    if (known && this.stillHolds(known)) return known.value as T;
    this.answers.delete(key);
    const noting: Noting = { folders: [], paths: [], sure: true };
    const outer = this.noting;
    this.noting = noting;
    let value: T;
    try {
      value = compute();
    } finally {
      this.noting = outer;
    }
    if (outer) {
      outer.folders.push(...noting.folders);
      outer.paths.push(...noting.paths);
      outer.sure &&= noting.sure;
    }
    if (noting.sure) {
      if (this.answers.size >= 64) this.answers.clear();
      this.answers.set(key, { value, folders: noting.folders, paths: noting.paths });
    }
    return value;
  }

  private stillHolds(a: Answer): boolean {
    for (const [dir, st] of a.folders) {
      const now = this.stat(dir);
      if (!now || !same(now, st)) return false;
    }
    for (const [p, yes] of a.paths) if (fs.existsSync(p) !== yes) return false;
    return true;
  }

  private trusted(dir: string, st: Fingerprint, began: bigint): boolean {
    if (st.ctimeNs % 1_000_000_000n === 0n) return false;
    if (st.ctimeNs >= began - SETTLED_NS) return false;
    const type = this.fsType(dir);
    return type !== undefined && LOCAL_FILE_SYSTEMS.has(type);
  }
}
