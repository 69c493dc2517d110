/**
 * An approved command's preview committed as its transaction when aios is
 * not root (a real temporary user with passwordless sudo; real sudo, the
 * real root helper, real runc/crun and overlays): the helper runs the
 * preview as the user in a folder of root's own, keeps it under an opaque
 * id, and on the yes commits it from there. The command appends a random
 * value to a root-owned file (through `sudo` inside) and to the user's own
 * file, so what lands tells whether it ran once (the preview's value) or
 * again (another one). A file changed while the question was open is a
 * conflict; the user cannot write into the kept preview; a killed aios
 * leaves nothing that a later helper takes.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempUser, treeFor } from '../jail/support';
import { repoRoot, tsxBin } from '../support/process';
import { waitFor } from '../support/temp';
import { canRun } from './support';

interface DriverOut {
  previews: Array<{ ran: boolean; limits: string[]; diffs: Array<{ path: string; diff: string | null }> }>;
  held: string[];
  keptDirs: string[];
  keptFs: string[];
  tamper: Array<{ path: string; error: string | null }>;
  ran: boolean;
  output: string;
  run: { ranInPreview: boolean; previewNotReused: string | null; notApplied: string | null; recordId: string | null } | null;
  helpers: number[];
  droppedWhileUp: boolean | null;
}

const driver = path.join(import.meta.dirname, 'sudo-preview-driver.mts');
const BASE = '/run/aios/previews';
const made: Array<{ remove: () => void }> = [];
const dirs: string[] = [];
afterAll(() => {
  for (const u of made) u.remove();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

type User = ReturnType<typeof tempUser>;
const asUser = (user: User, req: object) =>
  [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', process.execPath, tsxBin, driver, JSON.stringify(req)] as const;
const userEnv = (user: User) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: user.home });

function drive(user: User, req: object): DriverOut {
  const r = spawnSync('setpriv', asUser(user, req), { cwd: repoRoot, env: userEnv(user), encoding: 'utf8', timeout: 240_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as DriverOut;
  } catch {
    throw new Error(`driver exited ${r.status}: ${r.stderr || r.stdout}`);
  }
}

/** A user with passwordless sudo, their working tree with a file of theirs, and a root-owned "machine" folder with a file. */
let theUser: User | undefined;
function setting() {
  // One user for the file (its name is the test process's).
  const user = (theUser ??= tempUser(true));
  if (!made.includes(user)) made.push(user);
  const tree = treeFor(user);
  const mine = path.join(tree, 'notes.txt');
  fs.writeFileSync(mine, 'notes\n');
  fs.chownSync(mine, user.uid ?? 0, user.gid ?? 0);
  const machine = fs.mkdtempSync('/tmp/aios-txsudo-pv-machine-');
  dirs.push(machine);
  fs.chmodSync(machine, 0o755);
  const conf = path.join(machine, 'app.conf');
  fs.writeFileSync(conf, 'port = 80\n');
  const stateDir = fs.mkdtempSync('/tmp/aios-txsudo-pv-state-');
  dirs.push(stateDir);
  const req = { cwd: tree, paths: [machine], stateDir };
  // One random value, to the user's file and (through sudo inside, as root) to root's.
  const command = `v=$(head -c8 /dev/urandom | od -An -x); echo "$v" >> ${mine}; echo "$v" | sudo tee -a ${conf} >/dev/null`;
  return { user, tree, mine, machine, conf, req, command };
}

/** The line the preview showed appended to `file`. */
const previewed = (out: DriverOut, file: string) =>
  out.previews[0]?.diffs
    .find((d) => d.path === file)
    ?.diff?.split('\n')
    .find((l) => l.startsWith('+') && !l.startsWith('+++'))
    ?.slice(1);
const lastLine = (file: string) => fs.readFileSync(file, 'utf8').trimEnd().split('\n').pop();
/** What these helpers (by pid) left in the kept previews' folder: others (another aios on the machine) are not ours to count. */
const keptLeft = (helpers: readonly number[]) =>
  (fs.existsSync(BASE) ? fs.readdirSync(BASE) : []).filter((n) => helpers.some((p) => n.startsWith(`aios-preview-${p}-`)));

describe.skipIf(!canRun)('an approved preview committed through sudo (needs root to make the users)', () => {
  it('lands exactly what the preview did (it ran once), from root-owned folders the user cannot write', async () => {
    const s = setting();
    const out = drive(s.user, { ...s.req, command: s.command, meanwhile: { tamper: true } });
    const seen = previewed(out, s.conf);
    expect(seen).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(out.run?.previewNotReused).toBeNull();
    expect(out.run?.ranInPreview).toBe(true);
    expect(out.run?.recordId).toEqual(expect.any(String));
    // The very value the preview showed, in both files: the command did not run again.
    expect(lastLine(s.conf)).toBe(seen);
    expect(lastLine(s.mine)).toBe(seen);
    expect(
      fs
        .readFileSync(s.conf, 'utf8')
        .split('\n')
        .filter((l) => /^( [0-9a-f]{4}){4}$/.test(l)),
    ).toHaveLength(1);
    expect(out.output).toContain('[aios] it ran once, in the preview');
    // The kept preview sat in root's folder while the question was open, and every write the user tried there was refused.
    expect(out.keptDirs.length).toBeGreaterThan(0);
    for (const d of out.keptDirs) expect(d.startsWith(`${BASE}/`)).toBe(true);
    // On a tmpfs, bounded (its own where /run is on disk, as in this container), never on the disk unbounded.
    expect(out.keptFs.length).toBeGreaterThan(0);
    for (const f of out.keptFs) expect(f).toBe('tmpfs');
    expect(out.tamper.length).toBe(out.keptDirs.length);
    for (const t of out.tamper) expect(t.error).toBe('EACCES');
    // Nothing planted landed, and the kept preview is gone once committed (the helper ended with the driver).
    expect(fs.readdirSync(s.tree).includes('planted')).toBe(false);
    expect(fs.readdirSync(s.machine).includes('planted')).toBe(false);
    expect(out.helpers).toHaveLength(1);
    await waitFor(() => keptLeft(out.helpers).length === 0, 20_000, 'the kept previews removed');
    const st = fs.statSync(BASE);
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o700]);
  }, 240_000);

  it('a file changed while the question was open is a conflict: refused, named, nothing of it landed', async () => {
    const s = setting();
    const conf0 = fs.readFileSync(s.conf, 'utf8');
    const mine0 = fs.readFileSync(s.mine, 'utf8');
    const out = drive(s.user, { ...s.req, command: s.command, meanwhile: { append: s.mine } });
    expect(previewed(out, s.conf)).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(out.run?.ranInPreview).toBe(true);
    expect(out.run?.notApplied).toMatch(/^not applied: changed underneath since the preview ran \(while the approval was open\): /);
    expect(out.run?.notApplied).toContain(s.mine);
    expect(fs.readFileSync(s.mine, 'utf8')).toBe(`${mine0}edited meanwhile\n`);
    expect(fs.readFileSync(s.conf, 'utf8')).toBe(conf0);
    expect(out.helpers).toHaveLength(1);
    await waitFor(() => keptLeft(out.helpers).length === 0, 20_000, 'the kept previews removed');
  }, 240_000);

  it('a preview over fewer folders than the transaction is not taken: the command runs again, and says why', () => {
    const s = setting();
    // Only the user's file: the preview overlays the working tree alone, the transaction the machine's folder too.
    const command = `head -c8 /dev/urandom | od -An -x >> ${s.mine}`;
    const out = drive(s.user, { ...s.req, previewPaths: [], command });
    const seen = previewed(out, s.mine);
    expect(seen).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(out.held).toHaveLength(1);
    expect(out.run?.ranInPreview).toBe(false);
    expect(out.run?.previewNotReused).toBe(`the preview did not overlay ${s.machine}, which the transaction would`);
    const landed = lastLine(s.mine);
    expect(landed).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(landed).not.toBe(seen);
  }, 240_000);

  it('a declined question drops the kept preview at once (the helper still up), and nothing landed', async () => {
    const s = setting();
    const conf0 = fs.readFileSync(s.conf, 'utf8');
    const mine0 = fs.readFileSync(s.mine, 'utf8');
    const out = drive(s.user, { ...s.req, command: s.command, decline: true });
    expect(out.ran).toBe(false);
    expect(out.held).toHaveLength(1);
    expect(out.keptDirs.length).toBeGreaterThan(0);
    expect(out.droppedWhileUp).toBe(true);
    expect(fs.readFileSync(s.conf, 'utf8')).toBe(conf0);
    expect(fs.readFileSync(s.mine, 'utf8')).toBe(mine0);
  }, 240_000);

  it('a killed aios leaves nothing that is later trusted: its helper drops the kept preview; a stale id runs again', async () => {
    const s = setting();
    // aios killed while the question is open: its helper sees stdin close and removes what it kept.
    const first = await hangThenKill(s, false);
    expect(first.held).toHaveLength(1);
    expect(first.keptDirs.length).toBeGreaterThan(0);
    await waitFor(() => first.keptDirs.every((d) => !fs.existsSync(d)), 20_000, 'the kept preview removed');
    await waitFor(() => first.helpers.every((p) => !alive(p)), 20_000, 'the helper gone');
    // aios and its helper both killed: the folder stays until the next helper's sweep; its id is never taken.
    const second = await hangThenKill(s, true);
    expect(second.keptDirs.length).toBeGreaterThan(0);
    expect(second.keptDirs.every((d) => fs.existsSync(d))).toBe(true);
    const conf0 = fs.readFileSync(s.conf, 'utf8');
    const out = drive(s.user, { ...s.req, command: s.command, staleId: second.held[0] });
    expect(out.run?.ranInPreview).toBe(false);
    expect(out.run?.previewNotReused).toMatch(/^the kept preview is gone/);
    // It ran again: a value of its own landed, not the one this run's preview showed.
    const landed = lastLine(s.conf);
    expect(landed).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(landed).not.toBe(previewed(out, s.conf));
    expect(fs.readFileSync(s.conf, 'utf8').startsWith(conf0)).toBe(true);
    // The killed helper's folder was swept, and nothing is left.
    expect(second.keptDirs.every((d) => !fs.existsSync(d))).toBe(true);
    expect(out.helpers).toHaveLength(1);
    await waitFor(() => keptLeft([...first.helpers, ...second.helpers, ...out.helpers]).length === 0, 20_000, 'the kept previews removed');
  }, 480_000);
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts the driver with a question it never answers; once its preview is kept, kills it (and its helper, with `helperToo`). */
async function hangThenKill(
  s: ReturnType<typeof setting>,
  helperToo: boolean,
): Promise<{ held: string[]; helpers: number[]; keptDirs: string[] }> {
  const child = spawn('setpriv', asUser(s.user, { ...s.req, command: s.command, hang: true }), {
    cwd: repoRoot,
    env: userEnv(s.user),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const closed = new Promise((resolve) => child.on('close', resolve));
  await waitFor(() => text.includes('\n') || child.exitCode !== null, 120_000, 'the kept preview').catch(() => undefined);
  const line = text.split('\n')[0] ?? '';
  let got: { pid: number; held: string[]; helpers: number[]; keptDirs: string[] };
  try {
    got = JSON.parse(line) as typeof got;
  } catch {
    child.kill('SIGKILL');
    throw new Error(`driver said ${JSON.stringify(text)}: ${err}`);
  }
  if (helperToo) for (const p of got.helpers) process.kill(p, 'SIGKILL');
  // The driver itself (tsx runs it in a child process of its own): aios killed.
  process.kill(got.pid, 'SIGKILL');
  child.kill('SIGKILL');
  await closed;
  return got;
}
