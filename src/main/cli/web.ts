import { parseArgs } from 'node:util';
import { rendererDir } from '../core/app-root';
import { Core } from '../core/core';
import { formatProblem } from '../core/config/load';
import { startWebHost } from '../web/server';
import { loadConfigForHost, reportFirstRun } from '../core/setup/config-file';

const HELP = `Usage: aios web [--port N] [--host H]

Serves the aios UI to a browser. Binds 127.0.0.1 by default and prints a URL
with a fresh access token; open that URL. Stop with Ctrl-C.

  --port N   port to listen on (default 0: any free port)
  --host H   address to bind (default 127.0.0.1). Anything but loopback lets
             other machines reach a shell as you: only with good reason.`;

export async function run(args: string[]): Promise<number> {
  let values: { port?: string; host?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`aios web: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`aios web: --port must be a whole number from 0 to 65535, not '${values.port}'\n`);
    return 2;
  }
  const { loaded, firstRun } = loadConfigForHost(process.env);
  reportFirstRun(firstRun, (line) => process.stderr.write(`${line}\n`));
  for (const p of loaded.problems) process.stderr.write(`aios: config: ${formatProblem(p)}\n`);
  if (loaded.problems.length > 0) process.stderr.write('aios: config: the safe policy is in force (every command needs approval) until the file is fixed and aios restarted\n');
  const core = new Core({ host: 'web', config: loaded });
  let started;
  try {
    started = await startWebHost({
      core,
      rendererDir: rendererDir(),
      host: values.host ?? '127.0.0.1',
      port,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (err) {
    core.dispose();
    process.stderr.write(`aios web: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`aios web is serving on ${started.url}\n`);
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`aios web: ${signal}, shutting down\n`);
      void started.close().then(() => {
        core.dispose();
        resolve(0);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
