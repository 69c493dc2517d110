/**
 * What the booted-machine test uses to check undo in a machine: its console
 * answered as a person would (yes to every question), and a hash of the
 * trees undo promises to restore.
 */
import type { Machine } from './machine';

export const PROMPT = /\[aios\] >/;
// `[y/N]`, or `[y/N/a(lways)]` when the question offers to remember a rule.
export const APPROVAL = /Run it\? \[y\/N/;
/** What the scripted model says after a command that ran as a transaction (test/nspawn/demo-model.ts). */
export const RAN_AS_TRANSACTION = /It ran as a transaction: \/undo takes it back\./;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Types LINE on the machine's console and answers `y` to every question it
 * asks, until the prompt is back; returns how many it asked.
 */
export async function runApproving(m: Machine, line: string, timeoutMs: number): Promise<number> {
  let asks = m.count(APPROVAL);
  const prompts = m.count(PROMPT);
  m.type(line);
  const end = Date.now() + timeoutMs;
  let answered = 0;
  for (;;) {
    if (m.count(APPROVAL) > asks) {
      asks += 1;
      answered += 1;
      m.type('y');
    } else if (m.count(PROMPT) > prompts) {
      return answered;
    } else if (Date.now() > end) {
      const screen = m.screen();
      throw new Error(`${m.name}: ${line}: the prompt did not come back within ${timeoutMs} ms; the console shows:\n${screen.slice(screen.lastIndexOf(line))}`);
    }
    await sleep(200);
  }
}

// Everything undo promises to restore (type, mode, owner, size, mtime, link target, contents), less the folders
// that change on their own while the kiosk runs (the shared memory folder, the browser's profile and caches).
const TREES = '/usr /etc /var/lib/dpkg /home/ai';
const PRUNE = '\\( -path /home/ai/.config -o -path /home/ai/.cache -o -path /home/ai/.local -o -path /home/ai/.pki \\) -prune -o';

/** One hash of /usr, /etc, /var/lib/dpkg and the kiosk user's home, as the machine's root sees them. */
export async function hashTrees(m: Machine): Promise<string> {
  const script = `{ find ${TREES} -xdev ${PRUNE} -type d -printf '%p d %m %U:%G\\n' -o -printf '%p %y %m %U:%G %s %T@ %l\\n' | sort; find ${TREES} -xdev ${PRUNE} -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum`;
  const r = await m.exec(['sh', '-c', script], 300_000);
  if (r.code !== 0 || !/^[0-9a-f]{64} /.test(r.stdout)) throw new Error(`${m.name}: hashing the trees failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** The package, dpkg's view of it, and its audit: what an undone install must leave. */
export async function packageGone(m: Machine, pkg: string, file: string): Promise<{ status: string; file: boolean; audit: { code: number; stdout: string } }> {
  const status = await m.exec(['dpkg', '-s', pkg]);
  const audit = await m.exec(['dpkg', '--audit']);
  return { status: status.code === 0 ? status.stdout : status.stderr.trim(), file: (await m.exec(['test', '-e', file])).code === 0, audit: { code: audit.code, stdout: audit.stdout } };
}
