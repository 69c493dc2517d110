import { Core } from '../../core/core';
import { loadConfigForHost, reportFirstRun } from '../../core/setup/config-file';
import { ChatRepl } from '../tty/chat-repl';
import { heldEnv, takeSecretsFromEnvironment } from '../../core/environment/held-secrets';
import { commandArgs } from './args';

const HELP = `Usage: aios chat [--config FILE]

The [aios] > prompt: talk to the AI, which runs commands through the
permission policy. Works on a text console and over machinectl shell.
Inside, /help lists the commands; Ctrl-C cancels, Ctrl-D leaves.`;

export async function run(args: string[]): Promise<number> {
  const parsed = commandArgs('chat', HELP, { args, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const env = heldEnv();
  const { loaded: config, firstRun } = loadConfigForHost(env, values.config);
  // The configured key variable may be named unlike a secret: taken out too.
  takeSecretsFromEnvironment({ patterns: config.config.commands.secret_env, names: [config.config.ai.api_key_env] });
  reportFirstRun(firstRun, (line) => process.stderr.write(`${line}\n`));
  const core = new Core({ host: 'tty', env, config });
  const repl = new ChatRepl({ core, input: process.stdin, output: process.stdout, env, shellEnv: core.commandEnv.env });
  return repl.run();
}
