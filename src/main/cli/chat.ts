import { parseArgs } from 'node:util';
import { Core } from '../core/core';
import { loadConfigForHost, reportFirstRun } from '../core/setup/config-file';
import { ChatRepl } from '../tty/chat-repl';

const HELP = `Usage: aios chat [--config FILE]

The [aios] > prompt: talk to the AI, which runs commands through the
permission policy. Works on a text console and over machinectl shell.
Inside, /help lists the commands; Ctrl-C cancels, Ctrl-D leaves.`;

export async function run(args: string[]): Promise<number> {
  let values: { config?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`aios chat: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const env = process.env;
  const { loaded: config, firstRun } = loadConfigForHost(env, values.config);
  reportFirstRun(firstRun, (line) => process.stderr.write(`${line}\n`));
  const core = new Core({ host: 'tty', env, config });
  const repl = new ChatRepl({ core, input: process.stdin, output: process.stdout, env, shellEnv: core.commandEnv.env });
  return repl.run();
}
