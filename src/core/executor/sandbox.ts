import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SecretFileContext } from '../environment/secret-files';
import { knownProtectedPaths, type ProtectedPathContext } from '../policy/programs/protected-paths';
import { findExecutable } from '../executable';
import { readFolder, type FolderListing, type FolderListings } from './folder-listings';
import { probeQuietJail, quietLaunch, type JailLaunch, type JailLimits } from '../jail';

/**
 * Wall 1 of the trust model: the quiet path (auto-allowed commands) runs in
 * the jail (see ../jail): the filesystem read-only except the working tree,
 * whose protected places stay read-only, secret files masked, private sized
 * /tmp and /dev/shm, no network, its own PID/IPC/UTS/cgroup namespaces, no
 * capabilities, no new privileges and the seccomp filter. A command there
 * sees only its own processes (`ps`, `systemctl status` need the notify path).
 */
export type SandboxStatus = { available: true; bwrap: string; version: string } | { available: false; bwrap: string; reason: string };

export interface SandboxOptions {
  /** The bwrap program: a name looked up on PATH, or a path. Default `bwrap`. */
  bwrap?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Turned off by config: the quiet path runs unconfined and is reported as such. */
  disabled?: boolean;
}

/** What a confined command may write, and what stays read-only inside it. */
export interface Confinement {
  /** The working tree: writable. */
  workTree: string;
  /** Existing paths inside the working tree mounted read-only over it. */
  readOnly: string[];
  /** Whose secret files the jail masks; the home's when absent and known. */
  secrets?: SecretFileContext;
  /** Overrides of the jail's limits on memory, processes, CPU time and file size (QUIET_LIMITS). */
  limits?: Partial<JailLimits>;
}

/** How deep the working tree is searched for repositories whose hooks and config must stay read-only. */
const REPO_SCAN_DEPTH = 3;
const REPO_SCAN_MAX_DIRS = 4000;

export class Sandbox {
  private status_: SandboxStatus | undefined;
  readonly bwrapName: string;

  constructor(private readonly o: SandboxOptions = {}) {
    this.bwrapName = o.bwrap ?? 'bwrap';
  }

  /** Probed once, by really running a command in the jail as commands get it. */
  status(): SandboxStatus {
    this.status_ ??= this.probe();
    return this.status_;
  }

  private probe(): SandboxStatus {
    const name = this.bwrapName;
    if (this.o.disabled)
      return { available: false, bwrap: name, reason: 'confinement is turned off ([commands] confine_auto_allowed = false)' };
    const bwrap = findExecutable(name, this.o.env?.PATH ?? process.env.PATH);
    if (!bwrap)
      return { available: false, bwrap: name, reason: `bubblewrap is not installed (no ${name} on PATH); install the bubblewrap package` };
    const why = probeQuietJail(bwrap);
    if (why) return { available: false, bwrap, reason: why };
    const v = spawnSync(bwrap, ['--version'], { encoding: 'utf8', timeout: 5000 });
    return { available: true, bwrap, version: (v.stdout || '').trim().replace(/^bubblewrap\s*/, '') || 'unknown' };
  }

  /**
   * The argv that runs `shell -c command` confined, with the seccomp program
   * the caller writes to the child's fd 3, or undefined when the jail is
   * unavailable (the caller then treats the command as notify).
   */
  wrap(shell: string, command: string, confinement: Confinement, cwd: string = confinement.workTree): JailLaunch | undefined {
    const s = this.status();
    if (!s.available) return undefined;
    return quietLaunch(s.bwrap, shell, command, confinement, cwd);
  }
}

/**
 * `fs.existsSync` that lists each parent folder once: the ~120 protected
 * places of a home and the `.git` of every folder scanned share a few
 * parents, most of which do not exist. A name the listing lacks does not
 * exist; one it has is confirmed with existsSync (a dangling link does not
 * count). A parent that cannot be listed but may still hold entries
 * (no read permission) is asked entry by entry. Inside `tree`, a folder
 * whose own parent's listing lacks it is not listed at all: it does not
 * exist, and a failed readdir (an exception each) cost more than the rest.
 * Each folder is read afresh for each call, or taken from `kept` only where
 * its stat proves it unchanged since (see FolderListings), so a repository
 * made since the last command is seen.
 */
function existenceByListing(
  tree: string,
  kept: FolderListings | undefined,
): { exists: (p: string) => boolean; entries: (dir: string) => readonly fs.Dirent[] | undefined } {
  /** A folder's entries; empty when it does not exist (or is no folder), null when it cannot be listed. */
  const listings = new Map<string, FolderListing | null>();
  const NONE: FolderListing = { byName: new Map(), entries: [] };
  const listing = (dir: string) => {
    let found = listings.get(dir);
    if (found !== undefined) return found;
    const up = path.dirname(dir);
    const above = dir !== tree && up !== dir && (up === tree || up.startsWith(`${tree}/`)) ? listing(up) : null;
    const entry = above?.byName.get(path.basename(dir));
    // Not in its folder, or there as something that is no folder (nor a link to one): nothing to list.
    if (above && (!entry || entry.isFile() || entry.isFIFO() || entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice()))
      found = NONE;
    else {
      try {
        found = kept ? kept.read(dir) : readFolder(dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        found = code === 'ENOENT' || code === 'ENOTDIR' ? NONE : null;
      }
    }
    listings.set(dir, found);
    return found;
  };
  return {
    exists: (p) => {
      const found = listing(path.dirname(p));
      if (found === null) {
        kept?.unsure();
        return fs.existsSync(p);
      }
      const entry = found.byName.get(path.basename(p));
      if (!entry) return false;
      // A folder or file stands as long as its folder's listing does; a link's target may come and go on its own.
      return entry.isDirectory() || entry.isFile() ? fs.existsSync(p) : kept ? kept.exists(p) : fs.existsSync(p);
    },
    // The repository scan reads the same listings: each folder is read once.
    entries: (dir) => listing(dir)?.entries,
  };
}

/**
 * The protected places that exist inside `workTree` (and the hooks and
 * config of repositories in or above it): these are mounted read-only over
 * the writable tree. A protected file that does not exist yet cannot be
 * covered without creating it, so it is not (see README, "The quiet path").
 * `kept`: folder listings of earlier calls, used where still provably current.
 */
export function confinementFor(
  workTree: string,
  ctx: ProtectedPathContext,
  secrets?: SecretFileContext,
  kept?: FolderListings,
): Confinement {
  const tree = path.resolve(workTree);
  const inside = (p: string) => p === tree || p.startsWith(`${tree}/`);
  const readOnly = new Set<string>();
  const listed = existenceByListing(tree, kept);
  const addIfExists = (p: string) => {
    if (inside(p) && listed.exists(p)) readOnly.add(p);
  };
  for (const entry of knownProtectedPaths(ctx)) {
    if (entry.path === tree || inside(entry.path)) addIfExists(entry.path);
  }
  const addRepo = (dir: string) => {
    addIfExists(path.join(dir, '.git', 'hooks'));
    addIfExists(path.join(dir, '.git', 'config'));
  };
  // Repositories above the tree: their .git lies outside and is read-only anyway, unless the tree is the repository.
  addRepo(tree);
  let scanned = 0;
  const scan = (dir: string, depth: number) => {
    if (depth > REPO_SCAN_DEPTH || scanned++ > REPO_SCAN_MAX_DIRS) return;
    for (const e of listed.entries(dir) ?? []) {
      if (!e.isDirectory() || e.name === 'node_modules' || e.name === '.git') continue;
      const sub = path.join(dir, e.name);
      addRepo(sub);
      scan(sub, depth + 1);
    }
  };
  scan(tree, 1);
  // A tree that is itself protected (the config dir) stays read-only: binding it read-only over itself does that.
  return {
    workTree: tree,
    readOnly: [...readOnly].sort((a, b) => a.length - b.length),
    secrets: secrets ?? (ctx.home ? { home: ctx.home } : {}),
  };
}
