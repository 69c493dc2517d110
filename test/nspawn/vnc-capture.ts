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

/** A free TCP port on 127.0.0.1 from 5900 up (gvnccapture addresses VNC displays, 5900 + N). */
export async function freeVncPort(): Promise<number> {
  for (let port = 5900; port < 6000; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 5900..5999 for the published VNC port');
}
