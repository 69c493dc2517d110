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
