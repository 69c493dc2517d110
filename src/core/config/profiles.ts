import type { ConfigProblem } from './load';
import type { AiosConfig, ProfilePermissionsConfig } from './schema';

/** The profile whose rules are added on this machine, if any. */
export interface ProfileChoice {
  name: string;
  permissions: ProfilePermissionsConfig;
  /** How it was chosen. */
  by: 'option' | 'hostname';
}

export interface SelectProfileOptions {
  /** `--profile NAME`: must exist. */
  profile?: string;
  /** The machine's hostname; `[profiles.<hostname>]` (or its first label) applies when present. */
  hostname?: string;
}

/**
 * `--profile` wins; otherwise the hostname picks `[profiles.<hostname>]`
 * (`aios-prod.example.com` also tries `aios-prod`). A requested profile that
 * does not exist is a problem, so the engine falls back to the safe policy
 * rather than silently running without the stricter rules asked for.
 */
export function selectProfile(
  config: AiosConfig,
  file: string,
  opts: SelectProfileOptions,
): { choice?: ProfileChoice; problem?: ConfigProblem } {
  const profiles = config.profiles;
  if (opts.profile !== undefined) {
    const found = profiles[opts.profile];
    if (!found) {
      const known = Object.keys(profiles);
      return {
        problem: {
          file,
          key: `profiles.${opts.profile}`,
          message: `profile '${opts.profile}' is not defined${known.length > 0 ? ` (defined: ${known.join(', ')})` : ' (the file defines no profiles)'}`,
        },
      };
    }
    return { choice: { name: opts.profile, permissions: found.permissions, by: 'option' } };
  }
  const host = opts.hostname;
  if (!host) return {};
  for (const name of [host, host.split('.')[0] ?? host]) {
    const found = profiles[name];
    if (found) return { choice: { name, permissions: found.permissions, by: 'hostname' } };
  }
  return {};
}
