/**
 * The `aios` command. Each subcommand lives in `cli/<name>.ts` and exports
 * `run(args): Promise<number>` (the exit code); it is loaded only when used,
 * so `aios policy check` never pays for the web host or Electron.
 */
import { APP_VERSION } from '../shared/version';
import { takeSecretsFromEnvironment } from '../core/environment/held-secrets';

// First thing: the provider key and other secrets leave this process's
// environment (and its /proc environ), so nothing aios starts inherits them
// and no command can read them from /proc. Hosts hand them to the core.
takeSecretsFromEnvironment();

interface Subcommand {
  summary: string;
  load: () => Promise<{ run(args: string[]): Promise<number> }>;
}

const subcommands: Record<string, Subcommand> = {
  app: { summary: 'open the graphical app in Electron (the default)', load: () => import('./cli/app') },
  chat: { summary: 'the [aios] > prompt: talk to the AI in a text console', load: () => import('./cli/chat') },
  web: { summary: 'serve the app to a browser on loopback: aios web [--port N] [--host H]', load: () => import('./cli/web') },
  memory: {
    summary: 'the shared memory from the shell: aios memory add|search|list|count [--db FILE] [--json]',
    load: () => import('./cli/memory'),
  },
  'memory-server': {
    summary: "MCP server with aigpt's memory tools on stdio: aios memory-server [--enable-layer4] [--db FILE]",
    load: () => import('./cli/memory-server'),
  },
  policy: {
    summary: "explain the permission policy's decision: aios policy check [--json|--jsonl] -- 'COMMAND'",
    load: () => import('./cli/policy'),
  },
  undo: {
    summary: "put back what the newest command's transaction changed: aios undo [ID] [--redo] [--list]",
    load: () => import('./cli/undo'),
  },
  history: {
    summary: 'commands run or refused and what they changed: aios history [WORDS] [--since WHEN] [--changed DIR] [--package NAME]',
    load: () => import('./cli/history'),
  },
  'transaction-helper': {
    summary: 'not for people: the root side of transactions, started by aios itself through sudo -n',
    load: () => import('./cli/transaction-helper'),
  },
  doctor: { summary: 'check config, the memory database and MCP servers: aios doctor [--json]', load: () => import('./cli/doctor') },
};

function usage(): string {
  const width = Math.max(...Object.keys(subcommands).map((n) => n.length));
  const lines = Object.entries(subcommands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `aios ${APP_VERSION}: an AI conversation in place of a shell, with a permission policy and shared memory.`,
    '',
    'Usage: aios [command] [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  --version  print the version',
    '  --help     print this help (also: aios <command> --help)',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${APP_VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'app' : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  const sub = subcommands[name];
  if (!sub) {
    process.stderr.write(`aios: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const mod = await sub.load();
  return mod.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`aios: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
