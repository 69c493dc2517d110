import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { readPng, type Frame } from './image';

const run = promisify(execFile);

/**
 * One full-screen picture from a VNC server, taken by gtk-vnc's
 * `gvnccapture` (Debian's gvncviewer). Debian's vncsnapshot speaks only
 * RFB 3.3, which wayvnc 0.5 refuses with "Unsupported version".
 */
export async function captureVnc(host: string, port: number, file: string): Promise<Frame> {
  // gtk-vnc takes HOST:DISPLAY, and display N is port 5900 + N.
  if (port < 5900) throw new Error(`gvnccapture can only address ports from 5900 up, not ${port}`);
  try {
    await run('gvnccapture', [`${host}:${port - 5900}`, file], { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`gvnccapture could not capture ${host}:${port}: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
  return readPng(fs.readFileSync(file));
}

/**
 * Host ports some NAT rule already forwards (iptables' nat table, as netavark and CNI write it). A container that
 * was never torn down (its engine killed) leaves its DNAT rule behind, and that rule, first in the chain, takes
 * the connections meant for a new container published on the same port, though no socket holds the port.
 */
export async function forwardedPorts(): Promise<Set<number>> {
  const rules = await run('iptables', ['-t', 'nat', '-S']).then(
    (r) => r.stdout,
    () => '',
  );
  return new Set([...rules.matchAll(/--dport (\d+)/g)].map((m) => Number(m[1])));
}

/** A free TCP port on 127.0.0.1 from 5900 up that no NAT rule forwards (gvnccapture addresses VNC displays, 5900 + N). */
export async function freeVncPort(): Promise<number> {
  const forwarded = await forwardedPorts();
  for (let port = 5900; port < 6000; port++) {
    if (forwarded.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 5900..5999 for the published VNC port');
}
