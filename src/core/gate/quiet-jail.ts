import path from 'node:path';
import { FolderListings } from '../executor/folder-listings';
import { confinementFor, type Confinement, type Sandbox } from '../executor/sandbox';
import type { SecretFileContext } from '../environment/secret-files';
import type { JailAvailability } from '../policy/jail-decision';
import type { ProtectedPathContext } from '../policy/programs/protected-paths';

/** The quiet jail as the gate uses it: the confinement of a folder, or why there is none. */
export interface QuietJail {
  for(cwd: string): Confinement | { unavailable: string };
}

/**
 * The jail of auto-allowed (and unnamed, confinable) commands: bubblewrap
 * when it works here, with the protected places of the working tree kept
 * read-only and the secret files masked.
 */
export function quietJail(
  sandbox: Sandbox,
  protect: ProtectedPathContext,
  secrets: SecretFileContext,
  // The folders of the working tree barely change between commands: the answer is worked out again only when a stat
  // says one of the folders it read may have changed (see FolderListings), each of those read again.
  listings: FolderListings = new FolderListings(),
): QuietJail {
  return {
    for(cwd) {
      const status = sandbox.status();
      if (!status.available) return { unavailable: `bubblewrap unavailable: ${status.reason}` };
      const kept = listings.remember(path.resolve(cwd), () => confinementFor(cwd, protect, secrets, listings));
      return { ...kept, readOnly: [...kept.readOnly] };
    },
  };
}

/** Asks the jail once, lazily: what the policy's decision needs, and the confinement the run then uses. */
export function jailProbe(
  jail: QuietJail | undefined,
  cwd: string,
): { availability: (() => JailAvailability) | undefined; confinement: () => Confinement | undefined } {
  if (!jail) return { availability: undefined, confinement: () => undefined };
  let answer: Confinement | { unavailable: string } | undefined;
  const ask = () => (answer ??= jail.for(cwd));
  return {
    availability: () => {
      const a = ask();
      return 'unavailable' in a ? { available: false, reason: a.unavailable } : { available: true, workTree: a.workTree };
    },
    confinement: () => {
      const a = answer;
      return a && !('unavailable' in a) ? a : undefined;
    },
  };
}
