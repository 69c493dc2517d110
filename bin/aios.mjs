#!/usr/bin/env node
// The installed `aios` command: checks the Node it runs on, then runs the
// built CLI. The check comes first because the native modules (better-sqlite3,
// node-pty) crash or fail obscurely on an older Node (Node 20 segfaults in
// `aios memory count`); a person should read which Node is needed instead.
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The lowest Node major version in package.json's `engines.node` (">=22"), or undefined if it says something else. */
function requiredNodeMajor() {
  try {
    const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node;
    const match = /^\s*>=\s*(\d+)/.exec(range ?? '');
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** An argument as a person would type it into a POSIX shell. */
function shellWord(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

const needed = requiredNodeMajor();
const running = Number(process.versions.node.split('.')[0]);
if (needed !== undefined && running < needed) {
  const bundled = join(root, 'node_modules', '.bin', 'node');
  const ways = existsSync(bundled)
    ? `From the checkout, \`npm run aios -- ${process.argv.slice(2).map(shellWord).join(' ')}\` runs it on the Node installed in ${bundled}; or install Node ${needed} or newer.`
    : `Install Node ${needed} or newer (for example from your distribution or nodejs.org) and run aios with it.`;
  process.stderr.write(`aios needs Node ${needed} or newer; this is Node ${process.versions.node} (${process.execPath}). ${ways}\n`);
  process.exit(1);
}

const cli = join(root, 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(`aios is not built (${cli} is missing); run \`npm run build\` in ${root}.\n`);
  process.exit(1);
}
/**
 * Caches V8's compiled JavaScript between runs (Node ≥ 22.1), so short
 * commands start faster. In the person's own cache folder (as
 * src/core/config/paths.ts resolveCacheDir), not Node's default under /tmp:
 * another user could plant compiled code there. Where that folder cannot be
 * made, aios runs without the cache. The folder is made here, one level at a
 * time: Node's own recursive mkdir (enableCompileCache's too) never returns
 * where a parent refuses new entries with ENOENT (a HOME under /proc).
 */
function enableCompileCache() {
  if (!module.enableCompileCache || process.env.NODE_COMPILE_CACHE !== undefined) return;
  const xdg = process.env.XDG_CACHE_HOME;
  const home = process.env.HOME || homedir();
  const dir = join(xdg && isAbsolute(xdg) ? xdg : join(home, '.cache'), 'aios', 'node-compile-cache');
  try {
    const missing = [];
    for (let d = dir; !existsSync(d) && missing.length < 16; d = dirname(d)) missing.unshift(d);
    for (const d of missing) mkdirSync(d, { mode: 0o700 });
    accessSync(dir, constants.W_OK);
    module.enableCompileCache(dir);
  } catch {
    // No cache: only slower.
  }
}
enableCompileCache();
await import(pathToFileURL(cli).href);
