/**
 * Transactions for an aios that is not root but has passwordless sudo (the
 * aios machine's kiosk user `ai`): a real temporary user with passwordless
 * sudo runs commands through the gate's transaction step (real sudo, real
 * runc, real overlay); the root helper runs them as that user (a `sudo` in
 * the command becomes root inside), commits them with root-owned undo
 * records, and undoes them newest first, byte for byte. A user without sudo
 * still gets the fail-closed question.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempUser, treeFor } from '../jail/support';
import { cliEntry, repoRoot, tsxBin } from '../support/process';
import { waitFor } from '../support/temp';
import { canRun, treeHash } from './support';

interface DriverOut {
  plan: string;
  runs: Array<{
    ran: boolean;
    exitCode: number | null;
    output: string;
    live: string;
    recordId: string | null;
    summary: string | null;
    notApplied: string | null;
    helpers: number[];
  }>;
  asked: string[][];
  notices: string[];
  undone: Array<{ ok: boolean; message: string }>;
}

const driver = path.join(import.meta.dirname, 'sudo-driver.mts');
const made: Array<{ remove: () => void }> = [];
const dirs: string[] = [];
afterAll(() => {
  for (const u of made) u.remove();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function drive(user: { uid?: number; gid?: number; home: string }, req: object): DriverOut {
  const r = spawnSync(
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', process.execPath, tsxBin, driver, JSON.stringify(req)],
    { cwd: repoRoot, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: user.home }, encoding: 'utf8', timeout: 240_000 },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as DriverOut;
  } catch {
    throw new Error(`driver exited ${r.status}: ${r.stderr || r.stdout}`);
  }
}

/** A root-owned state folder, as the root helper requires (root's, writable by root only). */
function stateDir(): string {
  const d = fs.mkdtempSync('/tmp/aios-txsudo-state-');
  dirs.push(d);
  return d;
}

describe.skipIf(!canRun)('transactions through passwordless sudo (needs root to make the users)', () => {
  it('a user with passwordless sudo gets transactions: run as that user (sudo inside as root), root-owned records, undo byte for byte', async () => {
    const user = tempUser(true);
    made.push(user);
    const own = (p: string) => fs.chownSync(p, user.uid ?? 0, user.gid ?? 0);
    const tree = treeFor(user);
    fs.writeFileSync(path.join(tree, 'notes.txt'), 'notes\n', { mode: 0o644 });
    fs.mkdirSync(path.join(tree, 'old/deep'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'old/deep/a.txt'), 'a'.repeat(3000));
    for (const p of ['notes.txt', 'old', 'old/deep', 'old/deep/a.txt']) own(path.join(tree, p));
    // The machine's side: root's folder and file, which only a `sudo` in the command may change.
    const machine = fs.mkdtempSync('/tmp/aios-txsudo-machine-');
    dirs.push(machine);
    fs.chmodSync(machine, 0o755);
    fs.mkdirSync(path.join(machine, 'etc'));
    fs.writeFileSync(path.join(machine, 'etc/app.conf'), 'port = 80\n');
    const before = { tree: treeHash(tree), machine: treeHash(machine) };
    const state = stateDir();

    const out = drive(user, {
      cwd: tree,
      paths: [machine],
      stateDir: state,
      commands: [
        'id -u > who.txt && rm -rf old && chmod 600 notes.txt && echo done-1',
        `sudo sh -c 'echo "port = 81" >> ${machine}/etc/app.conf && id -u > ${machine}/etc/by-root'`,
        `echo x > ${machine}/etc/not-mine || echo refused-as-user`,
      ],
      undo: 0,
    });
    expect(out.asked, JSON.stringify(out)).toEqual([]);
    expect(out.notices.filter((n) => n.includes('not a transaction'))).toEqual([]);
    // One root helper served the three commands (its start costs more than a small command), and it ended with its aios.
    const helper = out.runs[0]?.helpers[0];
    expect(helper).toBeGreaterThan(0);
    expect(out.runs.map((r) => r.helpers)).toEqual([[helper], [helper], [helper]]);
    await waitFor(() => !fs.existsSync(`/proc/${helper}`), 10_000, 'the root helper to end with its aios');
    const [first, second, third] = out.runs;
    expect(first?.recordId, JSON.stringify(out)).toMatch(/^[0-9A-Z]{26}$/);
    expect(first?.live).toContain('done-1');
    expect(first?.summary).toMatch(/added/);
    expect(second?.recordId).toMatch(/^[0-9A-Z]{26}$/);
    // The command ran as the user; its `sudo` as root; without sudo, root's folder stays closed to it.
    expect(fs.readFileSync(path.join(tree, 'who.txt'), 'utf8').trim()).toBe(String(user.uid));
    expect(fs.statSync(path.join(tree, 'who.txt')).uid).toBe(user.uid);
    expect(fs.existsSync(path.join(tree, 'old'))).toBe(false);
    expect(fs.statSync(path.join(tree, 'notes.txt')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(machine, 'etc/app.conf'), 'utf8')).toBe('port = 80\nport = 81\n');
    expect(fs.readFileSync(path.join(machine, 'etc/by-root'), 'utf8').trim()).toBe('0');
    expect(fs.statSync(path.join(machine, 'etc/by-root')).uid).toBe(0);
    expect(third?.live).toContain('refused-as-user');
    expect(fs.existsSync(path.join(machine, 'etc/not-mine'))).toBe(false);
    // The records are root's, out of the user's reach.
    const records = path.join(state, 'records');
    expect(fs.readdirSync(records).length).toBe(2);
    expect(fs.statSync(state).uid).toBe(0);
    expect(spawnSync('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', 'ls', records]).status).not.toBe(0);

    // An effect rule's question goes to this aios (over the helper's pipe) with the diff; a "no" lands nothing.
    const setuid = drive(user, {
      cwd: tree,
      paths: [machine],
      stateDir: state,
      commands: [`sudo sh -c 'cp /bin/true ${machine}/etc/tool && chmod u+s ${machine}/etc/tool'`],
      undo: 0,
    });
    expect(setuid.asked.length, JSON.stringify(setuid)).toBe(1);
    expect(setuid.asked[0]?.some((r) => r.startsWith(`setuid: `) && r.includes(`${machine}/etc/tool`))).toBe(true);
    expect(setuid.runs[0]?.notApplied).toMatch(/^declined: nothing it did was applied/);
    expect(fs.existsSync(path.join(machine, 'etc/tool'))).toBe(false);
    expect(fs.readdirSync(records).length).toBe(2);

    // `aios undo` as the same user (the CLI starts its own root helper): the list, then the newest undone.
    const config = fs.mkdtempSync(path.join(user.home, 'config-'));
    fs.writeFileSync(path.join(config, 'config.toml'), `[transactions]\nstate_dir = "${state}"\n`);
    fs.chownSync(config, user.uid ?? 0, user.gid ?? 0);
    const aios = (...args: string[]) => {
      const r = spawnSync(
        'setpriv',
        [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', process.execPath, tsxBin, cliEntry, ...args],
        {
          cwd: tree,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: user.home,
            AIOS_CONFIG_DIR: config,
            AIOS_DATA_DIR: path.join(config, 'data'),
          },
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const list = aios('undo', '--list', '--json');
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ id: string }>).map((r) => r.id)).toEqual([second?.recordId, first?.recordId]);
    const cliUndo = aios('undo');
    expect(cliUndo.code, cliUndo.stderr + cliUndo.stdout).toBe(0);
    expect(cliUndo.stdout).toMatch(/^undone: sudo sh -c .* \(1 deleted, 1 changed\)/);
    expect(fs.existsSync(path.join(machine, 'etc/by-root'))).toBe(false);
    // Then /undo of the older one, as the chat does it (another aios process): everything as it was, byte for byte.
    const undone = drive(user, { cwd: tree, paths: [machine], stateDir: state, commands: [], undo: 1, enabled: 'auto' });
    // enabled = "auto": passwordless sudo starts the root helper here, so commands are planned as transactions.
    expect(undone.plan).toBe('transaction');
    expect(undone.undone, JSON.stringify(undone)).toEqual([{ ok: true, message: expect.stringMatching(/^undone: id -u > who.txt/) }]);
    expect(treeHash(tree)).toEqual(before.tree);
    expect(treeHash(machine)).toEqual(before.machine);
  }, 300_000);

  it('a user without sudo still gets the fail-closed question, and a "no" runs nothing', () => {
    const user = tempUser(false);
    made.push(user);
    const tree = treeFor(user);
    const out = drive(user, { cwd: tree, paths: [], stateDir: stateDir(), commands: ['echo hi > x.txt'], undo: 0 });
    expect(out.asked.length, JSON.stringify(out)).toBe(1);
    expect(out.asked[0]?.[0]).toMatch(
      /^not a transaction: aios is not root, and its root helper could not be started with sudo -n \(.*password/,
    );
    expect(out.notices.some((n) => n.startsWith('not a transaction:') && n.endsWith('it would run directly and could not be undone'))).toBe(
      true,
    );
    expect(out.runs[0]?.notApplied).toBe('declined: it could not run as a transaction, and was not run');
    expect(fs.existsSync(path.join(tree, 'x.txt'))).toBe(false);
    // enabled = "auto" (the shipped setting): no transaction can be made for this user, so none is planned and
    // notify commands run as before transactions, instead of asking first.
    expect(drive(user, { cwd: tree, paths: [], stateDir: stateDir(), commands: [], undo: 0, enabled: 'auto' }).plan).toBe('none');
  }, 120_000);
});
