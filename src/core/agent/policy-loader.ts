import type { LoadedConfig } from '../config/load';
import { PolicyEngine } from '../policy';
import type { CommandPolicy } from '../gate';

/** The permission policy of config.toml (and the host's profile), as the agent uses it. */
export async function loadPolicy(config: LoadedConfig, options: { profile?: string; hostname?: string } = {}): Promise<CommandPolicy> {
  return PolicyEngine.create({ config, ...options });
}
