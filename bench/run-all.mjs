// `npm run bench`: runs every bench/*.ts (or those named: npm run bench -- policy).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
const tsx = join(dir, '..', 'node_modules', '.bin', 'tsx');
let failed = 0;
for (const script of scripts) {
  console.log(`\n== ${script} ==`);
  const r = spawnSync(tsx, [join(dir, script)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
