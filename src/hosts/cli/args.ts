import { parseArgs, type ParseArgsConfig } from 'node:util';

export type CommandArgs<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * Reads a command's arguments the one way every `aios` command does: a
 * usage error prints the reason and the usage (exit code 2), `--help`
 * prints the usage (exit code 0). A number is that exit code; anything else
 * is the parsed arguments.
 */
export function commandArgs<const T extends ParseArgsConfig>(command: string, usage: string, config: T): CommandArgs<T> | number {
  let parsed: CommandArgs<T>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    process.stderr.write(`aios ${command}: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed;
}
