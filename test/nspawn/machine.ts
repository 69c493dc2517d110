/**
 * A booted aios machine for tests: the root from `nspawn/build-rootfs`
 * unpacked as nspawn/install unpacks it, its settings file rendered from
 * nspawn/aios.nspawn as the installer renders it, booted by systemd-nspawn
 * with those settings, its console in a tmux pane (nspawn's console is
 * read-only when its output is piped), and queried from the host with
 * nsenter (machinectl needs systemd as PID 1, which this host lacks).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { nspawnDir } from './helpers';
import { TmuxConsole } from './tmux-console';

const run = promisify(execFile);

/** The uid of the machine's user `ai` and of the host folder it shares. */
export const KIOSK_UID = 1000;

/** Renders nspawn/aios.nspawn for one machine, as nspawn/install does (%h = the sharing user's home). */
export function renderSettings(home: string): string {
  return fs.readFileSync(path.join(nspawnDir, 'aios.nspawn'), 'utf8').split('%h').join(home);
}

/** Unpacks the rootfs archive into DIR, the command nspawn/install runs for an AIOS_ROOT target. */
export function unpackRootfs(archive: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  execFileSync('bash', ['-o', 'pipefail', '-c', 'zstd -dc "$1" | tar -C "$2" --numeric-owner --xattrs --acls -x', 'unpack', archive, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BootOptions {
  /** The unpacked root, /var/lib/machines/NAME in an installed system. */
  dir: string;
  name: string;
  /** The tmux server's socket name, one per test run. */
  tmuxSocket: string;
  /** Extra systemd-nspawn arguments (test scaffolding only, named by the caller). */
  extraArgs?: string[];
}

/** A booted machine; its console is the tmux window it was started in. */
export class Machine extends TmuxConsole {
  readonly name: string;
  private readonly cgroup: string;
  private initPid: number | undefined;

  private constructor(
    opts: BootOptions,
    readonly nspawnPid: number,
  ) {
    super(opts.tmuxSocket, opts.name, () => isRunning(nspawnPid));
    this.name = opts.name;
    this.cgroup = `aios-test-${opts.name}`;
  }

  /**
   * Boots the machine in a tmux window of its own. The launching shell first
   * moves itself into a cgroup of its own in both hierarchies: without that,
   * systemd in the machine fails with "Failed to create /init.scope control
   * group: Permission denied" on a host whose PID 1 is not systemd.
   */
  static async boot(opts: BootOptions): Promise<Machine> {
    const settings = path.join(path.dirname(opts.dir), `${opts.name}.nspawn`);
    if (!fs.existsSync(settings)) throw new Error(`no settings file ${settings}: render it with renderSettings()`);
    const cgroup = `aios-test-${opts.name}`;
    // What a killed run of this test left behind (its worker died before powerOff) makes this boot fail.
    clearLeftovers(opts.name, cgroup);
    // --settings=trusted: the settings file next to the root is applied whole
    // (Bind=, PrivateUsers=), as /etc/systemd/nspawn/NAME.nspawn would be.
    const nspawn = ['systemd-nspawn', '--register=no', '--keep-unit', '--settings=trusted', `--machine=${opts.name}`, `--directory=${opts.dir}`, ...(opts.extraArgs ?? [])];
    const script = [
      `for h in systemd unified; do mkdir -p /sys/fs/cgroup/$h/${cgroup} && echo $$ > /sys/fs/cgroup/$h/${cgroup}/cgroup.procs || exit 1; done`,
      `exec ${nspawn.map(shellQuote).join(' ')}`,
    ].join('\n');
    return new Machine(opts, TmuxConsole.start(opts.tmuxSocket, opts.name, ['bash', '-c', script]));
  }

  /** The machine's PID 1 as the host sees it: the child of systemd-nspawn whose own pid namespace calls it 1. */
  async init(timeoutMs = 30_000): Promise<number> {
    if (this.initPid !== undefined) return this.initPid;
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
          const ppid = /^PPid:\s+(\d+)$/m.exec(status)?.[1];
          const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
          if (Number(ppid) === this.nspawnPid && nspid && nspid.length > 1 && nspid[nspid.length - 1] === '1') {
            this.initPid = Number(entry);
            return this.initPid;
          }
        } catch {
          // gone meanwhile
        }
      }
      if (Date.now() > end) throw new Error(`${this.name}: no init process under systemd-nspawn (pid ${this.nspawnPid}); console:\n${this.screen()}`);
      await sleep(100);
    }
  }

  /** Runs a command in all the machine's namespaces, as its root (nsenter -a). */
  async exec(command: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string; code: number }> {
    const pid = await this.init();
    try {
      const r = await run('nsenter', ['-t', String(pid), '-a', ...command], { timeout: timeoutMs, encoding: 'utf8' });
      return { stdout: r.stdout, stderr: r.stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number | string };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? String(err), code: typeof e.code === 'number' ? e.code : -1 };
    }
  }

  /** Runs a command in the machine's network namespace only, with the host's programs (a VNC client). */
  async inNetwork(command: string[], timeoutMs = 60_000): Promise<string> {
    const pid = await this.init();
    const r = await run('nsenter', ['-t', String(pid), '-n', ...command], { timeout: timeoutMs, encoding: 'utf8' });
    return r.stdout;
  }

  /** `systemctl show` properties of units, as {unit: {prop: value}}. */
  async units(units: string[], props: string[]): Promise<Record<string, Record<string, string>>> {
    const out: Record<string, Record<string, string>> = {};
    for (const unit of units) {
      const r = await this.exec(['systemctl', 'show', unit, ...props.map((p) => `--property=${p}`)]);
      out[unit] = Object.fromEntries(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    }
    return out;
  }

  /** Powers the machine off and waits for systemd-nspawn to end; kills it if it will not. */
  async powerOff(timeoutMs = 60_000): Promise<void> {
    if (isRunning(this.nspawnPid)) {
      if (this.initPid !== undefined) await this.exec(['systemctl', 'poweroff'], 10_000);
      else process.kill(this.nspawnPid, 'SIGTERM');
      const end = Date.now() + timeoutMs;
      while (isRunning(this.nspawnPid) && Date.now() < end) await sleep(200);
      if (isRunning(this.nspawnPid)) process.kill(this.nspawnPid, 'SIGKILL');
      while (isRunning(this.nspawnPid)) await sleep(100);
    }
    // A killed systemd-nspawn leaves the machine running without it: end its
    // PID 1, which ends every process in the machine's pid namespace.
    if (this.initPid !== undefined && isRunning(this.initPid) && isNamespaceInit(this.initPid)) {
      process.kill(this.initPid, 'SIGKILL');
      while (isRunning(this.initPid)) await sleep(100);
    }
    clearLeftovers(this.name, this.cgroup);
  }
}

/**
 * A systemd-nspawn that was killed leaves its host-side veth behind, and the
 * next boot of this name then fails with "File exists"; the machine's systemd
 * made cgroups under ours, empty once it is gone.
 */
function clearLeftovers(name: string, cgroup: string): void {
  spawnOk('ip', ['link', 'delete', `ve-${name}`.slice(0, 15)]);
  for (const h of ['systemd', 'unified']) removeCgroup(`/sys/fs/cgroup/${h}/${cgroup}`);
}

/** Removes an empty cgroup and the empty ones below it (rmdir, deepest first). */
function removeCgroup(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // already gone
  }
  for (const e of entries) if (e.isDirectory()) removeCgroup(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // still has a process; the next run of the same name reuses it
  }
}

/** True while PID is still a PID 1 of its own pid namespace (not a reused number). */
function isNamespaceInit(pid: number): boolean {
  try {
    const nspid = /^NSpid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim().split(/\s+/);
    return nspid !== undefined && nspid.length > 1 && nspid[nspid.length - 1] === '1';
  } catch {
    return false;
  }
}

function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

function spawnOk(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
