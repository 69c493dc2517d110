import { hostMounts, inUserNamespace, KERNEL_FILESYSTEMS } from '../jail/oci';

/**
 * Mounts a transaction's overlays must go around. In a user namespace (an
 * aios machine booted by systemd-nspawn with PrivateUsers), the mounts made
 * outside it (the shared memory folder bound beneath the home, a file nspawn
 * binds in /etc) are locked there, and overlayfs refuses a layer with a locked
 * mount beneath it (EINVAL), which left the whole folder (/home) read-only in
 * the transaction. Overlaid child by child around them instead, the rest of
 * the folder stays writable. On the host (the first user namespace) nothing
 * is locked: a mount beneath a folder gets an overlay of its own, as before.
 */
export function lockedMounts(uidMap?: string, mounts = hostMounts()): string[] {
  if (!inUserNamespace(uidMap)) return [];
  return mounts.filter((m) => m.dir !== '/' && !KERNEL_FILESYSTEMS.has(m.fstype)).map((m) => m.dir);
}
