/**
 * Podman for the container image tests, kept away from the host's own containers:
 * its storage lives in the test's temp folder, and its settings are the ones
 * this kernel needs (runc: crun fails on the hybrid cgroup layout here;
 * cgroupfs: no systemd as PID 1; explicit ulimits: the defaults are refused;
 * its own per-boot folder and file locks, so two stores never share a lock).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PodmanStore {
  env: Record<string, string>;
  podman(args: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  /** Removes every container and image of this store, then the store itself. */
  destroy(): Promise<void>;
}

/** `extraEnv`: more settings for this store's podman, e.g. CONTAINERS_REGISTRIES_CONF. */
export function podmanStore(dir: string, extraEnv: Record<string, string> = {}): PodmanStore {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const containersConf = path.join(dir, 'containers.conf');
  fs.writeFileSync(
    containersConf,
    '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' +
      // Per store: podman's per-boot folder and its container locks. Left at their defaults (/run/libpod and one
      // shared-memory lock table for the host), two stores hand out the same lock numbers, and a container of one
      // store can wait for ever on a lock a container of the other holds.
      `tmp_dir = "${dir}/libpod-tmp"\nlock_type = "file"\n`,
  );
  const storageConf = path.join(dir, 'storage.conf');
  fs.writeFileSync(storageConf, `[storage]\ndriver = "overlay"\ngraphroot = "${dir}/root"\nrunroot = "${dir}/runroot"\n`);
  const env = { ...(process.env as Record<string, string>), CONTAINERS_CONF: containersConf, CONTAINERS_STORAGE_CONF: storageConf, ...extraEnv };
  const podman = async (args: string[], timeoutMs = 120_000) => {
    try {
      return await run('podman', args, { env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`podman ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
    }
  };
  return {
    env,
    podman,
    destroy: async () => {
      await podman(['rm', '--all', '--force', '--time', '5']).catch(() => undefined);
      await podman(['rmi', '--all', '--force']).catch(() => undefined);
      await podman(['system', 'reset', '--force']).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
