import fs from 'node:fs';
import path from 'node:path';

/** The value of a paragraph's field `name` (its first line), or undefined: `^Name: (.*)$` without a regular expression made per call. */
function fieldOf(para: string, name: string): string | undefined {
  const key = `${name}: `;
  let at = para.startsWith(key) ? 0 : para.indexOf(`\n${key}`);
  if (at < 0) return undefined;
  if (at > 0 || !para.startsWith(key)) at += 1;
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

/**
 * Files dpkg lists as packages' own, from its *.list files: the ones a
 * transaction wrote (read from `readNew`, the upper layer) and, only for the
 * candidates asked about, the ones already installed.
 */
export function packageListedFiles(
  candidates: readonly string[],
  newLists: ReadonlyArray<{ path: string; read: () => string }>,
  infoDir = '/var/lib/dpkg/info',
): Set<string> {
  const out = new Set<string>();
  if (candidates.length === 0) return out;
  const want = new Set(candidates);
  const take = (text: string) => {
    for (const line of text.split('\n')) if (want.has(line)) out.add(line);
  };
  for (const l of newLists) {
    try {
      take(l.read());
    } catch {
      // Unreadable: its files count as nobody's.
    }
  }
  let names: string[];
  try {
    names = fs.readdirSync(infoDir).filter((n) => n.endsWith('.list'));
  } catch {
    return out;
  }
  for (const n of names) {
    try {
      take(fs.readFileSync(path.join(infoDir, n), 'utf8'));
    } catch {
      // As above.
    }
  }
  return out;
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
  newFiles: ReadonlyArray<{ path: string; read: () => string }>,
  localDir = '/var/lib/pacman/local',
): Set<string> {
  const out = new Set<string>();
  if (candidates.length === 0) return out;
  const root = path.resolve(localDir, '../../../..');
  const want = new Set(candidates);
  const take = (text: string) => {
    for (const rel of pacmanFields(text).get('%FILES%') ?? []) {
      const abs = path.join(root, rel);
      if (want.has(abs)) out.add(abs);
    }
  };
  const installed = (): Array<{ path: string; read: () => string }> => {
    try {
      return fs.readdirSync(localDir).map((n) => {
        const p = path.join(localDir, n, 'files');
        return { path: p, read: () => fs.readFileSync(p, 'utf8') };
      });
    } catch {
      return [];
    }
  };
  for (const f of [...newFiles, ...installed()]) {
    try {
      take(f.read());
    } catch {
      // Unreadable (or not a package's folder): its files count as nobody's.
    }
  }
  return out;
}
