import fs from 'node:fs';
import path from 'node:path';

/** True for a regular file this process may execute. */
export function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The executable `command` resolves to on `PATH`, or undefined when there is none (not installed). */
export function findExecutable(command: string, pathVar: string | undefined, cwd = process.cwd()): string | undefined {
  if (command.includes('/')) {
    const file = path.resolve(cwd, command);
    return isExecutableFile(file) ? file : undefined;
  }
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}
