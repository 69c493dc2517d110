import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { upperOf, workOf } from './layer-pool';
import { asRoot, volatileOverlaysWork, writeMaskedShadow } from './preview-state';
import type { planMounts } from './overlay-plan';
import { inUserNamespace, nprocLimit, ociConfig, topLevelLinks, type OverlayLayer } from './oci';
import type { OverlayRunOptions, OverlayTarget } from './preview';

/**
 * A preview run's container, made in its state directory before the runtime
 * starts (preview.ts runs it, preview-launch.ts starts it): the scratch
 * space for the upper layers, each overlaid folder's upper and work layers,
 * the stand-in files, the root and the OCI bundle's config.json.
 */

export const DEFAULT_PREVIEW_MEMORY = 512 * 1024 * 1024;
const PIDS = 512;
const TMP_BYTES = 64 * 1024 * 1024;

let cgroupsUsable: boolean | undefined;
/**
 * Whether runc can make the preview's cgroups here (root of the machine, not
 * of a user namespace such as an nspawn machine with PrivateUsers): then the
 * memory limit also bounds the upper layers; otherwise a sized tmpfs does.
 */
export function cgroupsWritable(elevated: boolean): boolean {
  if (cgroupsUsable !== undefined) return cgroupsUsable;
  // runc makes one in every hierarchy (cgroup v1) or in the unified tree: each must take a new folder.
  const probe = [
    'sh',
    '-c',
    'n=aios-probe-$$; ok=; for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do [ -f "$d/cgroup.procs" ] || continue; [ "$d" = /sys/fs/cgroup/ ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ] && continue; mkdir "$d$n" 2>/dev/null && rmdir "$d$n" || exit 1; ok=1; done; [ -n "$ok" ]',
  ];
  const r = elevated
    ? spawnSync('sudo', ['-n', '--', ...probe], { stdio: 'ignore', timeout: 5000 })
    : spawnSync(probe[0] as string, probe.slice(1), { stdio: 'ignore', timeout: 5000 });
  cgroupsUsable = r.status === 0;
  return cgroupsUsable;
}

/** The state directory made a tmpfs of the memory limit's size; why it could not be, or null. */
export function mountScratch(o: OverlayRunOptions, stateDir: string, elevated: boolean, uid: number): string | null {
  // No cgroup to count the upper layers against: they get a tmpfs of the memory limit's size.
  const m = asRoot(elevated, [
    'mount',
    '-t',
    'tmpfs',
    '-o',
    `size=${o.memoryBytes ?? DEFAULT_PREVIEW_MEMORY},mode=700`,
    'aios-preview',
    stateDir,
  ]);
  if (m.status !== 0) return `the preview's scratch space cannot be made (${(m.stderr || m.error?.message || '').trim()})`;
  if (elevated) asRoot(true, ['chown', `${uid}:${process.getgid?.() ?? uid}`, stateDir]);
  return null;
}

export interface BundleSpec {
  /** Where the container's own files go (its root, the bundle, the stand-ins). */
  stateDir: string;
  /** Where the upper and work layers go (`up/N`, `work/N`; some may be made already: layer-pool.ts); `stateDir` when not given. */
  layersDir?: string;
  /** aios's own uid. */
  uid: number;
  elevated: boolean;
  /** Whom the command runs as. */
  user: NonNullable<OverlayRunOptions['runAs']>;
  plan: ReturnType<typeof planMounts>;
  /** Mounts the machine locked: covered by an empty folder or file. */
  cover: readonly string[];
  cgroups: boolean;
}

export interface Bundle {
  targets: OverlayTarget[];
  /** The bundle's folder, holding config.json. */
  bundle: string;
  /** The container's id (the state directory's name). */
  id: string;
}

/** Makes the upper layers, the stand-ins, the root and the bundle's config.json in the state directory. */
export function writeBundle(
  o: OverlayRunOptions,
  { stateDir, layersDir = stateDir, uid, elevated, user, plan, cover, cgroups }: BundleSpec,
): Bundle {
  const layers: OverlayLayer[] = [];
  const owners: string[] = [];
  const targets: OverlayTarget[] = [];
  for (const [i, dir] of plan.overlays.entries()) {
    const upper = upperOf(layersDir, i);
    const work = workOf(layersDir, i);
    fs.mkdirSync(upper, { recursive: true });
    fs.mkdirSync(work, { recursive: true });
    // The overlay's root shows its upper folder's owner and mode: make them the real folder's.
    const st = fs.statSync(dir);
    fs.chmodSync(upper, st.mode & 0o7777);
    if (uid === 0) fs.chownSync(upper, st.uid, st.gid);
    else if (st.uid !== uid || st.gid !== (process.getgid?.() ?? uid)) owners.push(`${st.uid}:${st.gid}`, upper);
    layers.push({ dir, upper, work });
    targets.push({ dir, upper, listings: path.join(layersDir, 'lst', String(i)) });
  }
  // Through sudo: root's folders (/usr, /etc) get their owners in one call.
  if (owners.length > 0) asRoot(true, ['sh', '-c', 'while [ $# -gt 1 ]; do chown "$1" "$2"; shift 2; done', 'aios-preview', ...owners]);
  // Locked file mounts are covered by an empty file (read-only).
  const empty0 = path.join(stateDir, 'empty');
  fs.writeFileSync(empty0, '');
  const coverFiles = cover
    .filter((d) => !fs.statSync(d, { throwIfNoEntry: false })?.isDirectory())
    .map((d) => [d, empty0] as [string, string]);
  // sudo inside checks the account in /etc/shadow: it gets one with every hash replaced by "*" (the hashes stay masked).
  const shadow = path.join(stateDir, 'shadow');
  const madeShadow = writeMaskedShadow(shadow, elevated);
  const rootfs = path.join(stateDir, 'root');
  fs.mkdirSync(rootfs);
  for (const [name, to] of topLevelLinks()) fs.symlinkSync(to, path.join(rootfs, name));
  const bundle = path.join(stateDir, 'bundle');
  fs.mkdirSync(bundle);
  const id = path.basename(stateDir);
  const config = ociConfig({
    rootfs,
    overlays: layers,
    readOnlyMounts: plan.readOnly,
    coveredMounts: plan.covered,
    standIns: [...(madeShadow ? [['/etc/shadow', shadow] as [string, string]] : []), ...coverFiles],
    args: [o.shell ?? '/bin/bash', '-c', o.command],
    env: o.env,
    cwd: o.cwd,
    uid: user.uid,
    gid: user.gid,
    groups: user.groups,
    secrets: o.secrets ?? {},
    memoryBytes: o.memoryBytes ?? DEFAULT_PREVIEW_MEMORY,
    pids: PIDS,
    tmpBytes: TMP_BYTES,
    // The machine's own name, in a UTS namespace of the jail's own (sethostname inside changes nothing outside): sudo
    // and others look the name up, and a name of the jail's own is in no /etc/hosts ("unable to resolve host").
    hostname: os.hostname(),
    userxattr: inUserNamespace(),
    cgroupsPath: `/${id}`,
    cgroups,
    // Otherwise each overlay syncs the whole disk under its upper layer when it is unmounted (tens to hundreds of ms on a
    // busy one, per overlaid folder); a transaction's caller syncs what it keeps instead. Upper layers on tmpfs need neither.
    volatile: !!o.scratchOnDisk && volatileOverlaysWork(layersDir, elevated),
    ...(cgroups ? {} : { nproc: nprocLimit(user.uid, PIDS) }),
  });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  return { targets, bundle, id };
}
