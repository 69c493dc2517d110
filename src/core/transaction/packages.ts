import fs from 'node:fs';
import path from 'node:path';

/** The value of a paragraph's field `name` (its first line), or undefined: `^Name: (.*)$` without a regular expression made per call. */
function fieldOf(para: string, name: string): string | undefined {
  const key = `${name}: `;
  let at = 0;
  if (!para.startsWith(key)) {
    const newline = para.indexOf(`\n${key}`);
    if (newline < 0) return undefined;
    at = newline + 1;
  }
  const end = para.indexOf('\n', at);
  return para.slice(at + key.length, end < 0 ? undefined : end).trim();
}

/** Installed packages as dpkg's status file lists them ("install ok installed"), name:arch → version. */
export function installedPackages(statusFile = '/var/lib/dpkg/status'): Map<string, string> | null {
  let text: string;
  try {
    text = fs.readFileSync(statusFile, 'utf8');
  } catch {
    return null;
  }
  const out = new Map<string, string>();
  for (const para of text.split(/\n\n+/)) {
    const field = (name: string) => fieldOf(para, name);
    const name = field('Package');
    if (!name || !/ installed$/.test(field('Status') ?? '')) continue;
    out.set(name, field('Version') ?? '');
  }
  return out;
}

/** The values under each `%FIELD%` heading of a pacman database file (desc, files): lines up to the blank one. */
function pacmanFields(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of text.split(/\n\n+/)) {
    const [head, ...values] = block.split('\n');
    if (head && /^%[A-Z0-9]+%$/.test(head)) out.set(head, values.filter(Boolean));
  }
  return out;
}

/** Installed packages as pacman's local database lists them (a folder each, named by its desc), name → version-rel. */
export function installedPacmanPackages(localDir = '/var/lib/pacman/local'): Map<string, string> | null {
  let names: string[];
  try {
    names = fs.readdirSync(localDir);
  } catch {
    return null;
  }
  const out = new Map<string, string>();
  for (const n of names) {
    let desc: Map<string, string[]>;
    try {
      desc = pacmanFields(fs.readFileSync(path.join(localDir, n, 'desc'), 'utf8'));
    } catch {
      continue; // ALPM_DB_VERSION, or a half-written entry pacman itself would not count.
    }
    const name = desc.get('%NAME%')?.[0];
    if (name) out.set(name, desc.get('%VERSION%')?.[0] ?? '');
  }
  return out;
}

/**
 * How to read the installed packages of the database a transaction touched
 * (dpkg's status file, or a folder in pacman's local database), or null when
 * it touched neither: the reading costs a few MB, so only then.
 */
export function touchedPackageDatabase(
  changed: readonly string[],
  db: { dpkgStatus: string; pacmanLocal: string },
): (() => Map<string, string> | null) | null {
  if (changed.includes(db.dpkgStatus)) return () => installedPackages(db.dpkgStatus);
  if (changed.some((p) => p.startsWith(`${db.pacmanLocal}/`))) return () => installedPacmanPackages(db.pacmanLocal);
  return null;
}

/** What changed between two readings: `name version` strings, sorted. */
export function packageChanges(
  before: Map<string, string> | null,
  after: Map<string, string> | null,
): { added: string[]; removed: string[] } | undefined {
  if (!before || !after) return undefined;
  const added = [...after]
    .filter(([n, v]) => before.get(n) !== v)
    .map(([n, v]) => `${n} ${v}`)
    .sort();
  const removed = [...before]
    .filter(([n, v]) => after.get(n) !== v)
    .map(([n, v]) => `${n} ${v}`)
    .sort();
  return added.length || removed.length ? { added, removed } : undefined;
}

/** A package manager's file list: where it is, and how to read it (from the upper layer for one a transaction wrote). */
export interface FileList {
  path: string;
  read: () => string;
}

/**
 * Of `candidates`, the paths some list names: the lists a transaction wrote
 * first, then the installed ones (listed only when there are candidates).
 * An unreadable list names nothing: its files count as nobody's.
 */
function listedAmong(
  candidates: readonly string[],
  newLists: readonly FileList[],
  installed: () => FileList[],
  pathsIn: (text: string) => Iterable<string>,
): Set<string> {
  const out = new Set<string>();
  if (candidates.length === 0) return out;
  const want = new Set(candidates);
  for (const list of [...newLists, ...installed()]) {
    try {
      for (const p of pathsIn(list.read())) if (want.has(p)) out.add(p);
    } catch {
      // Unreadable (or not a package's own): as above.
    }
  }
  return out;
}

/** The file lists in `dir`, one per entry `fileOf` names (null: none); none when `dir` cannot be listed. */
function listsIn(dir: string, fileOf: (name: string) => string | null): FileList[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const file = fileOf(n);
    if (file === null) return [];
    const p = path.join(dir, file);
    return [{ path: p, read: () => fs.readFileSync(p, 'utf8') }];
  });
}

/**
 * Files dpkg lists as packages' own, from its *.list files: the ones a
 * transaction wrote (read from the upper layer) and, only for the
 * candidates asked about, the ones already installed.
 */
export function packageListedFiles(
  candidates: readonly string[],
  newLists: readonly FileList[],
  infoDir = '/var/lib/dpkg/info',
): Set<string> {
  return listedAmong(
    candidates,
    newLists,
    () => listsIn(infoDir, (n) => (n.endsWith('.list') ? n : null)),
    (text) => text.split('\n'),
  );
}

/**
 * Files pacman lists as packages' own, from the `files` of each entry in its
 * local database (paths relative to the root the database sits under:
 * <root>/var/lib/pacman/local): the entries a transaction wrote (`newFiles`,
 * read from the upper layer) and, only for the candidates asked about, the
 * ones already installed.
 */
export function pacmanListedFiles(
  candidates: readonly string[],
  newFiles: readonly FileList[],
  localDir = '/var/lib/pacman/local',
): Set<string> {
  const root = path.resolve(localDir, '../../../..');
  return listedAmong(
    candidates,
    newFiles,
    () => listsIn(localDir, (n) => path.join(n, 'files')),
    (text) => (pacmanFields(text).get('%FILES%') ?? []).map((rel) => path.join(root, rel)),
  );
}
