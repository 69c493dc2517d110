#!/usr/bin/env node
// The installed `aios` command: runs the built CLI.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(`aios is not built (${cli} is missing); run \`npm run build\` in ${join(dirname(cli), '..', '..')}.\n`);
  process.exit(1);
}
module.enableCompileCache?.();
await import(pathToFileURL(cli).href);
