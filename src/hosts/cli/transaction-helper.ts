/**
 * `aios transaction-helper`: not for people. aios, when it is not root,
 * starts itself this way through `sudo -n` to run a command as a transaction,
 * or to undo one (core/transaction/root-helper.ts): one JSON request on stdin,
 * JSON lines back on stdout.
 */
import { serveRootHelper } from '../../core/transaction/root-helper';

export function run(): Promise<number> {
  return serveRootHelper();
}
