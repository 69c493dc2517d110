/**
 * Docker and a registry for the container image tests, each the test's own:
 * dockerd from Debian's docker.io with its data, state and socket in the
 * test's folder (no iptables, no bridge: containers run with --network none),
 * and the CNCF distribution registry (Debian's docker-registry) on a free
 * loopback port with its storage in the test's folder. Both are stopped and
 * their folders removed by stop().
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Daemon {
  /** Stops the daemon (and what it started), then removes its folder. */
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess, what: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const late = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(late);
  if (child.signalCode === 'SIGKILL') console.warn(`test/nspawn: ${what} did not stop on SIGTERM; killed`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface DockerDaemon extends Daemon {
  /** The socket, for `docker -H`. */
  host: string;
  docker(args: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
}

export async function startDocker(dir: string): Promise<DockerDaemon> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const host = `unix://${path.join(dir, 'docker.sock')}`;
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
  const child = spawn(
    'dockerd',
    [
      '--data-root', path.join(dir, 'data'),
      '--exec-root', path.join(dir, 'exec'),
      '--host', host,
      '--pidfile', path.join(dir, 'dockerd.pid'),
      '--iptables=false', '--ip-masq=false', '--bridge=none',
      // No systemd as PID 1 here.
      '--exec-opt', 'native.cgroupdriver=cgroupfs',
    ],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const docker = async (args: string[], timeoutMs = 120_000) => {
    try {
      return await run('docker', ['-H', host, ...args], { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`docker ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
    }
  };
  const stop = async () => {
    await docker(['rm', '--force', ...(await docker(['ps', '--all', '--quiet']).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean)]).catch(() => undefined);
    await stopChild(child, 'dockerd');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dockerd exited (${child.exitCode}):\n${fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-3000)}`);
    try {
      await docker(['version', '--format', '{{.Server.Version}}'], 10_000);
      break;
    } catch (err) {
      if (Date.now() > end) {
        await stop();
        throw err;
      }
      await sleep(500);
    }
  }
  return { host, docker, stop };
}

export interface Registry extends Daemon {
  /** HOST:PORT on loopback. */
  address: string;
  /** A GET on the registry's HTTP API (/v2/...), parsed as JSON. */
  get(pathname: string, accept?: string): Promise<unknown>;
  /** The digests (hex) of the blobs whose bytes were uploaded so far, from the registry's access log. */
  uploads(): string[];
  /** The digests (hex) of the blobs downloaded so far (GET …/blobs/sha256:HEX answered 200). */
  downloads(): string[];
}

export async function startRegistry(dir: string): Promise<Registry> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'storage')}\nhttp:\n  addr: ${address}\n`);
  const log = fs.openSync(path.join(dir, 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const get = async (pathname: string, accept?: string) => {
    const r = await fetch(`http://${address}${pathname}`, { headers: accept ? { accept } : {} });
    if (!r.ok) throw new Error(`registry GET ${pathname}: HTTP ${r.status} ${await r.text()}`);
    return r.json() as Promise<unknown>;
  };
  // The last request of an upload: PUT …/blobs/uploads/ID?…digest=sha256:HEX (a mount from another repository has none).
  const uploads = () => [...fs.readFileSync(path.join(dir, 'registry.log'), 'utf8').matchAll(/"PUT \/v2\/\S+\/blobs\/uploads\/\S*[?&]digest=sha256%3A([0-9a-f]{64})\S* HTTP\/1\.1" 201 /g)].map((m) => m[1]!);
  const downloads = () => [...fs.readFileSync(path.join(dir, 'registry.log'), 'utf8').matchAll(/"GET \/v2\/\S+\/blobs\/sha256:([0-9a-f]{64}) HTTP\/1\.1" 200 /g)].map((m) => m[1]!);
  const stop = async () => {
    await stopChild(child, 'docker-registry');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}):\n${fs.readFileSync(path.join(dir, 'registry.log'), 'utf8').slice(-3000)}`);
    try {
      await get('/v2/');
      break;
    } catch (err) {
      if (Date.now() > end) {
        await stop();
        throw err;
      }
      await sleep(200);
    }
  }
  return { address, get, uploads, downloads, stop };
}
