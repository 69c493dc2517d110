import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { LIFELINE_INIT } from './approved';
import { runtimeArgv, type OciRuntime } from './oci-runtime';
import type { OverlayRunOptions } from './preview';
import { runtimeNamespace } from './runtime-namespace';

/**
 * Starts a preview's container (its bundle made by preview-bundle.ts) under
 * the OCI runtime and waits for it: under aios's lifeline, without network
 * unless asked, its output written to the state directory (and passed on
 * live when asked), stopped at the timeout or when abandoned.
 */

export interface LaunchSpec {
  rt: OciRuntime;
  stateDir: string;
  bundle: string;
  /** The container's id. */
  id: string;
  elevated: boolean;
  cgroups: boolean;
}

export interface Launched {
  code: number | null;
  timedOut: boolean;
  /** Why the runtime could not be started at all. */
  spawnError: string | null;
}

export async function launchRuntime(o: OverlayRunOptions, { rt, stateDir, bundle, id, elevated, cgroups }: LaunchSpec): Promise<Launched> {
  const out = fs.openSync(path.join(stateDir, 'stdout'), 'w');
  const err = fs.openSync(path.join(stateDir, 'stderr'), 'w');
  const runtime = runtimeArgv(rt, stateDir);
  // The runtime's prelude done once, in a mount namespace kept for it (runtime-namespace.ts): entered, not made again.
  // Not with a scratch tmpfs of its own: mounted after the namespace was made, it is not in it.
  const kept = elevated || (!cgroups && !o.scratchOnDisk) ? null : await runtimeNamespace(rt.prelude);
  // The runtime under the same lifeline as every command: when aios goes, the preview goes (its container is a nested PID
  // namespace). Without network: the runtime and the container in an empty network namespace (its loopback down).
  const argv = [
    ...(kept === null ? [] : ['nsenter', '--mount=/proc/self/fd/3', '--']),
    'unshare',
    '--pid',
    '--fork',
    '--kill-child',
    ...(kept === null ? ['--mount-proc'] : []),
    ...(o.network ? [] : ['--net']),
    '--',
    '/bin/bash',
    '--norc',
    '--noprofile',
    '-c',
    rt.prelude && kept === null ? `${rt.prelude}\n${LIFELINE_INIT}` : LIFELINE_INIT,
    'aios-preview',
    ...runtime,
    'run',
    '--no-new-keyring',
    '--bundle',
    bundle,
    id,
  ];
  const full = elevated ? ['sudo', '-n', '--', ...argv] : argv;
  o.beforeStart?.();
  const { code, timedOut, spawnError } = await new Promise<Launched>((resolve) => {
    let timedOut = false;
    const live = o.onOutput;
    const child = spawn(full[0] as string, full.slice(1), {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      // The kept namespace's descriptor as fd 3 for nsenter; the lifeline's shell puts its own fd 3 in its place.
      stdio: ['pipe', live ? 'pipe' : out, live ? 'pipe' : err, ...(kept === null ? [] : [kept])],
      detached: true,
    });
    child.stdin?.on('error', () => undefined);
    if (live) {
      for (const [stream, fd, pipe] of [
        ['stdout', out, child.stdout],
        ['stderr', err, child.stderr],
      ] as const) {
        // A character split across two chunks is held until its end comes.
        const text = new StringDecoder('utf8');
        pipe?.on('data', (b: Buffer) => {
          fs.writeSync(fd, b);
          const s = text.write(b);
          if (s) live(s, stream);
        });
        pipe?.on('end', () => {
          const s = text.end();
          if (s) live(s, stream);
        });
      }
    }
    const stop = () => child.stdin?.destroy();
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, o.timeoutMs);
    o.signal?.addEventListener('abort', stop, { once: true });
    // Abandoned while the view was being made: the listener came too late to hear it.
    if (o.signal?.aborted) stop();
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, timedOut: false, spawnError: e.message });
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', stop);
      resolve({ code: c, timedOut, spawnError: null });
    });
  });
  fs.closeSync(out);
  fs.closeSync(err);
  if (timedOut || o.signal?.aborted) {
    // Killed, not finished: runc did not remove the container's cgroups.
    const del = [...runtime, 'delete', '--force', id];
    if (elevated) spawnSync('sudo', ['-n', '--', ...del], { stdio: 'ignore', timeout: 5000 });
    else spawnSync(del[0] as string, del.slice(1), { stdio: 'ignore', timeout: 5000 });
  }
  return { code, timedOut, spawnError };
}
