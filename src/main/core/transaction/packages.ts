import fs from 'node:fs';

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
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(para)?.[1]?.trim();
    const name = field('Package');
    if (!name || !/ installed$/.test(field('Status') ?? '')) continue;
    out.set(name, field('Version') ?? '');
  }
  return out;
}

/** What changed between two readings: `name version` strings, sorted. */
export function packageChanges(before: Map<string, string> | null, after: Map<string, string> | null): { added: string[]; removed: string[] } | undefined {
  if (!before || !after) return undefined;
  const added = [...after].filter(([n, v]) => before.get(n) !== v).map(([n, v]) => `${n} ${v}`).sort();
  const removed = [...before].filter(([n, v]) => after.get(n) !== v).map(([n, v]) => `${n} ${v}`).sort();
  return added.length || removed.length ? { added, removed } : undefined;
}
