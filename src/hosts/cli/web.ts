import fs from 'node:fs';
import path from 'node:path';
import { rendererDir } from '../../core/app-root';
import { Core } from '../../core/core';
import { formatProblem, loadConfig } from '../../core/config/load';
import { LOGIN_TICKET_PARAM } from '../../shared/wire';
import { SessionAuth } from '../web/session-auth';
import { startWebHost, type StartedWebHost, type WebHostOptions } from '../web/server';
import { WEB_STATE_FILE, loadWebState, rotateWebSecret, saveWebState, webSecretFile } from '../web/web-state';
import { heldEnv, takeSecretsFromEnvironment } from '../../core/environment/held-secrets';
import { writeLoginPage } from '../web/login-page';
import { loadConfigForHost, reportFirstRun } from '../../core/setup/config-file';
import { aiosCommand } from '../../core/aios-command';
import { commandArgs } from './args';

/** How long a login URL printed by --login-url stays usable. */
const LOGIN_URL_TTL_S = 120;

const HELP = `Usage: aios web [--port N] [--host H] [--login-page FILE]
       aios web --login-url
       aios web --rotate-secret

Serves the aios UI to a browser and prints a login URL; open it. The link
works once: it trades its ticket for a session cookie. The address, port and
of this install are kept in <data dir>/web.json and its secret in
<data dir>/secrets/web-secret (mode 0600, hidden from every command the AI
runs), so a restarted \`aios web\` comes back at the same place and an open
tab reconnects by itself. Stop with Ctrl-C.

  --port N          port to listen on (default: this install's, chosen once)
  --host H          address to bind (default: this install's own loopback
                    address, 127.x.y.z). Anything but loopback lets other
                    machines reach a shell as you: only with good reason.
  --login-page FILE write a page (mode 0600) that opens the login URL, and
                    print the address without a ticket: for a kiosk browser,
                    so no secret is ever on a command line.
  --login-url       print a fresh login URL for the running server (another
                    browser, a lost tab) and exit; it works once, within
                    ${LOGIN_URL_TTL_S} seconds.
  --rotate-secret   replace the secret that signs session cookies and exit:
                    every open tab must log in again, and a cookie made
                    with the old secret (one that leaked) is refused. Takes
                    effect when \`aios web\` next starts.`;

export async function run(args: string[]): Promise<number> {
  const parsed = commandArgs('web', HELP, {
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'login-page': { type: 'string' },
      'login-url': { type: 'boolean' },
      'rotate-secret': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (values['login-url']) return printLoginUrl();
  if (values['rotate-secret']) return rotateSecret();
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    process.stderr.write(`aios web: --port must be a whole number from 0 to 65535, not '${values.port}'\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const { loaded, firstRun } = loadConfigForHost(heldEnv());
  takeSecretsFromEnvironment({ patterns: loaded.config.commands.secret_env, names: [loaded.config.ai.api_key_env] });
  reportFirstRun(firstRun, log);
  for (const p of loaded.problems) log(`aios: config: ${formatProblem(p)}`);
  if (loaded.problems.length > 0)
    log('aios: config: the safe policy is in force (every command needs approval) until the file is fixed and aios restarted');
  const core = new Core({ host: 'web', env: heldEnv(), config: loaded });
  let started: StartedWebHost;
  try {
    const { state, file } = loadWebState(core.config.paths.dataDir);
    const base: WebHostOptions = { core, rendererDir: rendererDir(), secret: state.secret, log };
    started = await listen(base, values.host ?? state.address, port ?? state.port, log);
    // Remember where this install serves, so the next start (and an open tab) finds it again.
    if (values.host === undefined && port === undefined && (started.port !== state.port || started.host !== state.address)) {
      saveWebState(file, { ...state, address: started.host, port: started.port });
    }
  } catch (err) {
    core.dispose();
    process.stderr.write(`aios web: ${(err as Error).message}\n`);
    return 1;
  }
  if (values['login-page']) {
    const page = path.resolve(values['login-page']);
    writeLoginPage(page, started.url);
    process.stdout.write(`aios web is serving on ${started.baseUrl} (login page: ${page})\n`);
  } else {
    process.stdout.write(`aios web is serving on ${started.url}\n`);
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`aios web: ${signal}, shutting down\n`);
      if (values['login-page']) fs.rmSync(path.resolve(values['login-page']), { force: true });
      void started.close().then(() => {
        core.dispose();
        resolve(0);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The install's address and port; when the port is taken or the address cannot be bound, the next best, said out loud. */
async function listen(base: WebHostOptions, host: string, port: number, log: (l: string) => void): Promise<StartedWebHost> {
  try {
    return await startWebHost({ ...base, host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && port !== 0) {
      log(`aios web: port ${port} is taken; using another (an open tab must be given the new address)`);
      return listen(base, host, 0, log);
    }
    if (code === 'EADDRNOTAVAIL' && host !== '127.0.0.1') {
      log(`aios web: cannot bind ${host}; using 127.0.0.1, where other local services also receive the session cookie`);
      return startWebHost({ ...base, host: '127.0.0.1', port });
    }
    throw err;
  }
}

function rotateSecret(): number {
  const { dataDir } = loadConfig({ env: heldEnv() }).paths;
  rotateWebSecret(dataDir);
  process.stdout.write(
    `aios web: a new secret is in ${webSecretFile(dataDir)}; restart \`aios web\` to use it (open tabs must log in again)\n`,
  );
  return 0;
}

function printLoginUrl(): number {
  const { dataDir } = loadConfig({ env: heldEnv() }).paths;
  const file = path.join(dataDir, WEB_STATE_FILE);
  if (!fs.existsSync(file)) {
    process.stderr.write(`aios web: ${file} does not exist: \`${aiosCommand('web')}\` has never run for this install\n`);
    return 1;
  }
  const { state } = loadWebState(dataDir);
  if (state.port === 0) {
    process.stderr.write('aios web: this install has no fixed port yet (it ran with --port or --host); use the URL it printed\n');
    return 1;
  }
  const ticket = SessionAuth.signedTicket(state.secret, LOGIN_URL_TTL_S * 1000);
  process.stdout.write(`http://${state.address}:${state.port}/?${LOGIN_TICKET_PARAM}=${ticket}\n`);
  return 0;
}
