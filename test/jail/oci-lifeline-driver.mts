/**
 * A stand-in for aios holding a preview: runs `argv[3]` in the jail's OCI
 * form (the runtime `AIOS_OCI_RUNTIME` says), prints "started" once the
 * command runs, and waits. The test kills this process with SIGKILL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runInOverlay } from '../../src/core/jail/preview';

const [tree, command] = process.argv.slice(2) as [string, string];
const running = runInOverlay({
  command: `touch started; ${command}`,
  cwd: tree,
  env: { PATH: '/usr/bin:/bin' },
  paths: [],
  timeoutMs: 600_000,
});
// The command's first write shows in its upper layer once it runs.
const timer = setInterval(() => {
  for (const n of fs.readdirSync('/dev/shm').filter((d) => d.startsWith(`aios-preview-${process.pid}-`)))
    if (fs.existsSync(path.join('/dev/shm', n, 'up', '0', 'started'))) {
      console.log('started');
      clearInterval(timer);
    }
}, 50);
await running;
