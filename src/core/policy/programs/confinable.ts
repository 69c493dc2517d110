import { actsOutsideFilesystem } from './outside-world';

/**
 * Programs no rule names may run confined instead of asking (`[permissions]
 * unknown = "confine"`), except those whose effects reach past the
 * filesystem the jail guards: signals to other processes, D-Bus and the
 * session, the network and other machines, containers, packages, the
 * kernel (outside-world.ts, the one table). These keep asking whatever the setting.
 */

/** Whether a program no rule names may run confined: named plainly (not a path the AI may have written) and not acting outside the filesystem. */
export function confinableProgram(program: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(program) && !actsOutsideFilesystem(program);
}
