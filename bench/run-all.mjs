// `npm run bench`: runs every bench/*.ts (or those named: npm run bench -- policy).
// Options after the names go to every bench run: npm run bench -- memory --memories 1000000
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('--'));
const wanted = firstOption === -1 ? args : args.slice(0, firstOption);
const options = firstOption === -1 ? [] : args.slice(firstOption);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
const tsx = join(dir, '..', 'node_modules', '.bin', 'tsx');
let failed = 0;
for (const script of scripts) {
  console.log(`\n== ${script} ==`);
  const r = spawnSync(tsx, [join(dir, script), ...options], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
