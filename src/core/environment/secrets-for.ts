import type { AiosConfig } from '../config/schema';
import type { Env } from '../config/paths';
import { buildCommandEnv } from './command-env';
import { SecretSet } from './redact';

export interface CommandEnvironment {
  /** The environment of model commands, `!cmd` and terminal shells. */
  env: Record<string, string>;
  /** Names left out because they hold secrets. */
  removed: string[];
  /** Every secret value to redact; the web host adds its own on start. */
  secrets: SecretSet;
}

/**
 * Built once per core from the config and the environment aios started
 * with. aios's own process environment counts too: a command can read its
 * parent's `/proc/<pid>/environ`, so whatever secret aios itself holds is
 * redacted even when it was scrubbed from the child.
 */
export function commandEnvironment(
  config: Pick<AiosConfig, 'ai' | 'commands'>,
  env: Env,
  processEnv: Env = process.env,
): CommandEnvironment {
  const options = { apiKeyEnv: config.ai.api_key_env, secretPatterns: config.commands.secret_env };
  const built = buildCommandEnv({ env, ...options });
  const secrets = new SecretSet();
  secrets.add(...built.secretValues);
  if (processEnv !== env) secrets.add(...buildCommandEnv({ env: processEnv, ...options }).secretValues);
  return { env: built.env, removed: built.removed, secrets };
}
