import fs from 'node:fs';
import path from 'node:path';

/** Refused before anything runs: the caller asks the person, as for any "not a transaction". */
export class HelperRefused extends Error {}

/**
 * The state folder holds copies of what commands changed (an old /etc/shadow
 * among them) and is applied back as root on undo: it, and every folder above
 * it, must be root's and writable by nobody else (a sticky folder like /tmp
 * aside), or a caller could plant a record for root to apply.
 */
export function checkStateDir(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = fs.lstatSync(d, { throwIfNoEntry: false });
    if (st) {
      if (st.isSymbolicLink()) throw new HelperRefused(`the transactions' state folder must not pass a symlink: ${d}`);
      const sticky = (st.mode & 0o1000) !== 0 && d !== path.resolve(dir);
      if (st.uid !== 0 || ((st.mode & 0o022) !== 0 && !sticky))
        throw new HelperRefused(`the transactions' state folder must be root's and writable by root only: ${d} is not`);
    }
    if (d === '/') return;
  }
}
