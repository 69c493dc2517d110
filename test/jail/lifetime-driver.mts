/**
 * Stands in for aios (the same Executor and jail, in a process of its own):
 * starts an auto-allowed command on the quiet path and an approved one, says
 * "started", and waits to be killed. The test kills it with SIGKILL.
 */
import { Executor, Sandbox, confinementFor } from '../../src/core/executor';

const [cwd, quiet, approved] = process.argv.slice(2) as [string, string, string];
const env = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: process.env.HOME ?? '/nonexistent' };
const ex = new Executor({ sandbox: new Sandbox(), env });
void ex.run({ command: quiet, cwd, confinement: confinementFor(cwd, {}) });
void ex.run({ command: approved, cwd });
setTimeout(() => console.log('started'), 1500);
setInterval(() => undefined, 1000);
