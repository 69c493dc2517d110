/** Looks for live processes by their exact argument list, through /proc (Linux). */
import fs from 'node:fs';

/** Pids whose argv equals `argv` exactly (e.g. ['sleep', '29.731']). */
export function pidsWithArgv(argv: readonly string[]): number[] {
  const wanted = argv.join('\0');
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    if (cmdline.replace(/\0$/, '') === wanted) found.push(Number(entry));
  }
  return found;
}
