import fs from 'node:fs';
import path from 'node:path';
import type { AiosPaths } from '../config/paths';
import { LOG_FILE_NAME } from './rotating-log';

export interface LogDescription {
  /** The live log file (it may not exist yet). */
  file: string;
  /** Its size in bytes, 0 when it does not exist. */
  size: number;
  /** Rotated copies on disk, newest first (`aios.log.1`, `aios.log.2`, …). */
  rotated: string[];
}

/** Where the main-process log is, for `aios doctor`. Reads only; creates nothing. */
export function describeLogs(paths: Pick<AiosPaths, 'logDir'>): LogDescription {
  const file = path.join(paths.logDir, LOG_FILE_NAME);
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    // no log yet: the app has not run as this user
  }
  let rotated: string[] = [];
  try {
    const pattern = new RegExp(`^${LOG_FILE_NAME.replace('.', '\\.')}\\.(\\d+)$`);
    rotated = fs
      .readdirSync(paths.logDir)
      .map((name) => ({ name, n: Number(pattern.exec(name)?.[1]) }))
      .filter((e) => Number.isInteger(e.n) && e.n > 0)
      .sort((a, b) => a.n - b.n)
      .map((e) => path.join(paths.logDir, e.name));
  } catch {
    // no log dir yet
  }
  return { file, size, rotated };
}
