import type { Inspection } from './findings';

/**
 * Programs that build or enter a root of their own and run a program from
 * it: bubblewrap's binds, proot's emulated root, a container directory or
 * image. The program named after their options is looked up inside that
 * root, which the model may have written, so its name means nothing: they
 * ask, as `chroot DIR` does, and never run unasked in the quiet jail.
 */
const ROOT_PROGRAMS: Readonly<Record<string, string>> = {
  bwrap: 'bwrap runs its program from the root its binds build (--bind SRC /…)',
  proot: 'proot runs its program from the root it emulates (-r/-R DIR)',
  'systemd-nspawn': 'systemd-nspawn runs its program from a container directory or image (-D/-i)',
  fakechroot: 'fakechroot makes a chroot of a directory it is given',
  schroot: 'schroot runs its program inside a configured chroot',
  'lxc-execute': 'lxc-execute runs its program inside a container root',
  'lxc-start': 'lxc-start starts a container from its root',
  'lxc-attach': 'lxc-attach runs its program inside a container root',
  'arch-chroot': 'arch-chroot runs its program from another root',
  debootstrap: 'debootstrap builds a root and runs its packages’ scripts in it',
  mmdebstrap: 'mmdebstrap builds a root and runs its packages’ scripts in it',
};

export function inspectRootPrograms(ins: Inspection): void {
  const why = ROOT_PROGRAMS[ins.layer.program];
  if (why) ins.found.floor('require_approval', `${why}, so what runs there is not what the line names`);
}
