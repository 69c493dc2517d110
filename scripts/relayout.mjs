#!/usr/bin/env node
// Moves the sources into folders that show the architecture, with history
// kept (`git mv`) and every reference rewritten:
//
//   src/main/core/**                      → src/core/**
//   src/main/{electron,web,tty,cli,core-host}/** → src/hosts/<same>/**
//   src/main/cli.ts                       → src/hosts/cli.ts
//   src/main/core/policy/*.ts             → src/core/policy/{shell,programs,rules,}/*.ts
//
// electron-vite calls the Electron main process "main"; the core runs in a
// utility process and three of the four hosts are not Electron at all, so
// `src/main` named the wrong thing. The build output stays `out/main/`
// (electron-vite's own folder), so package.json `main`, bin/ and the
// packaging are untouched.
//
// It is written to be run once, at the end, on whatever main then holds:
// folders are mapped by rule, the policy by the table below, and a policy file
// the table does not know goes to the policy's top level (printed, so it can be
// added to the table and the run repeated on a fresh checkout).
//
// Usage: node scripts/relayout.mjs [--dry-run]   (from the repository root, clean tree)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dryRun = process.argv.includes('--dry-run');

/**
 * The policy's layers, each importing only the ones before it:
 * shell ← programs ← rules ← the top (the judge and the engine's entry).
 * `types.ts` is the vocabulary every layer uses, so it sits with the shell.
 */
const POLICY_LAYERS = {
  shell: [
    'braces',
    'expansions',
    'fidelity',
    'lexer',
    'parser',
    'paths',
    'redirects',
    'shapes',
    'shell-names',
    'types',
    'walk',
    'walk-state',
    'words',
  ],
  programs: [
    'carriers',
    'confinable',
    'danger',
    'deferred',
    'findings',
    'local-builds',
    'normalize',
    'option-table',
    'options',
    'outside-world',
    'protected-paths',
    'protected-writes',
    'root-programs',
    'rule-program-options',
    'secret-reads',
    'wrapper-options',
    'wrapper-semantics',
    'wrappers',
  ],
  rules: ['match', 'pattern', 'rules', 'rules-file', 'tool-rules'],
  '': ['analyze', 'describe', 'index', 'jail-decision', 'judge', 'tool-judge'],
};
const POLICY_LAYER_OF = new Map(Object.entries(POLICY_LAYERS).flatMap(([layer, names]) => names.map((n) => [n, layer])));
const HOSTS = ['electron', 'web', 'tty', 'cli', 'core-host'];
/** Text files whose `src/main/…` mentions are rewritten; the changelogs are history and keep theirs. */
const TEXT_EXT = /\.(ts|tsx|mts|cts|js|mjs|cjs|json|md|yml|yaml|html|sh|txt|toml)$/;
const KEEP_TEXT = [/^CHANGELOG\.md$/, /^changes\//, /^package-lock\.json$/, /^scripts\/relayout\.mjs$/];
const CODE_EXT = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const RESOLVE_EXT = ['', '.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.json', '/index.ts', '/index.tsx', '/index.js', '/index.mjs'];

function git(...args) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
}

const unknownPolicy = [];
const otherMain = [];

/** Where a repository path goes (unchanged when it does not move). */
function moved(p) {
  if (p.startsWith('src/main/core/policy/')) {
    const rest = p.slice('src/main/core/policy/'.length);
    if (rest.includes('/')) return `src/core/policy/${rest}`;
    const name = rest.replace(/\.[^.]+$/, '');
    let layer = POLICY_LAYER_OF.get(name);
    if (layer === undefined) {
      layer = '';
      if (!unknownPolicy.includes(p)) unknownPolicy.push(p);
    }
    return `src/core/policy/${layer ? `${layer}/` : ''}${rest}`;
  }
  if (p.startsWith('src/main/core/')) return `src/core/${p.slice('src/main/core/'.length)}`;
  if (p === 'src/main/cli.ts') return 'src/hosts/cli.ts';
  for (const host of HOSTS) if (p.startsWith(`src/main/${host}/`)) return `src/hosts/${p.slice('src/main/'.length)}`;
  if (p.startsWith('src/main/')) {
    if (!otherMain.includes(p)) otherMain.push(p);
    return `src/hosts/${p.slice('src/main/'.length)}`;
  }
  return p;
}

/** Where a folder goes: `src/main/core/policy` stays one folder (its files fan out into layers). */
function movedDir(d) {
  d = d.replace(/\/$/, '');
  if (d === 'src/main/core' || d.startsWith('src/main/core/')) return `src/core${d.slice('src/main/core'.length)}`;
  if (d === 'src/main/cli') return 'src/hosts/cli';
  if (d.startsWith('src/main/')) return `src/hosts/${d.slice('src/main/'.length)}`;
  return undefined;
}

const tracked = git('ls-files', '-z')
  .split('\0')
  .filter(Boolean)
  .filter((p) => fs.existsSync(path.join(root, p)));
const trackedSet = new Set(tracked);
const dirs = new Set(
  tracked.flatMap((p) =>
    p
      .split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
  ),
);
const toMove = tracked.filter((p) => p.startsWith('src/main/'));
if (toMove.length === 0) {
  console.log('relayout: nothing under src/main/ (already moved?)');
  process.exit(0);
}
const untracked = git('ls-files', '--others', '--exclude-standard', 'src/main').split('\n').filter(Boolean);
if (untracked.length > 0) {
  console.error(`relayout: untracked files under src/main would be left behind; commit or remove them first:\n  ${untracked.join('\n  ')}`);
  process.exit(1);
}

// --- 1. Rewrite relative import specifiers (against the old tree), then move.

/** The file a relative specifier names, and how it was spelled (extension, folder index). */
function resolveSpecifier(fromFile, spec) {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec));
  for (const ext of RESOLVE_EXT) {
    if (trackedSet.has(base + ext)) return { target: base + ext, suffix: ext };
  }
  // TypeScript's `./x.js` for `./x.ts`.
  const js = /\.(m|c)?js$/.exec(base);
  if (js) {
    const ts = base.slice(0, -js[0].length) + `.${js[1] ?? ''}ts`;
    if (trackedSet.has(ts)) return { target: ts, suffix: '', jsFor: js[0] };
  }
  return undefined;
}

function respell(fromNew, targetNew, how) {
  let written = targetNew;
  if (how.suffix.startsWith('/index')) written = path.posix.dirname(targetNew);
  else if (how.suffix) written = targetNew.slice(0, -how.suffix.length);
  else if (how.jsFor) written = targetNew.replace(/\.(m|c)?ts$/, how.jsFor);
  let rel = path.posix.relative(path.posix.dirname(fromNew), written);
  if (rel === '') rel = '.';
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

const SPECIFIER_PATTERNS = [
  /(\bfrom\s*)(['"])([^'"\n]+)\2/g,
  /(\bimport\s*)(['"])([^'"\n]+)\2/g,
  /(\bimport\(\s*)(['"])([^'"\n]+)\2(?=\s*\))/g,
  /(\brequire(?:\.resolve)?\(\s*)(['"])([^'"\n]+)\2(?=\s*\))/g,
  /(\bvi\.(?:mock|doMock|unmock|doUnmock|importActual|importMock)(?:<[^>]*>)?\(\s*)(['"])([^'"\n]+)\2/g,
];

const unresolved = [];
function rewriteImports(file, text) {
  const fromNew = moved(file);
  let out = text;
  for (const re of SPECIFIER_PATTERNS) {
    out = out.replace(re, (whole, lead, quote, spec) => {
      if (!spec.startsWith('./') && !spec.startsWith('../') && spec !== '.' && spec !== '..') return whole;
      const how = resolveSpecifier(file, spec);
      if (!how) {
        const aim = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        if (file.startsWith('src/main/') || aim.startsWith('src/main')) unresolved.push(`${file}: ${spec}`);
        return whole;
      }
      const targetNew = moved(how.target);
      if (targetNew === how.target && fromNew === file) return whole;
      const next = respell(fromNew, targetNew, how);
      return next === spec ? whole : `${lead}${quote}${next}${quote}`;
    });
  }
  return out;
}

// --- 2. Path strings (`src/main/...`) in code, configs and docs.

const bareMain = [];
function rewritePaths(file, text) {
  return text.replace(/(?<![\w.-])src\/main\/([\w./*-]*)/g, (whole, rest, offset) => {
    let p = `src/main/${rest}`;
    let trail = '';
    // A sentence's full stop or a trailing slash is not part of the path.
    while (/[./]$/.test(p) && !trackedSet.has(p) && !dirs.has(p)) {
      trail = p.slice(-1) + trail;
      p = p.slice(0, -1);
    }
    if (p === 'src/main') {
      bareMain.push(`${file}:${text.slice(0, offset).split('\n').length}`);
      return whole;
    }
    if (trackedSet.has(p)) return moved(p) + trail;
    for (const ext of ['.ts', '.tsx', '.mjs', '.js']) if (trackedSet.has(p + ext)) return moved(p + ext).slice(0, -ext.length) + trail;
    // A folder, or a glob below one: map the folder part.
    const segs = p.split('/');
    const globAt = segs.findIndex((s) => s.includes('*'));
    const dirPart = segs.slice(0, globAt < 0 ? segs.length : globAt).join('/');
    const dirNew = movedDir(dirPart);
    if (dirNew !== undefined) return dirNew + p.slice(dirPart.length) + trail;
    return whole;
  });
}

/** `path.join(root, 'src', 'main', 'cli.ts')`: the same paths, spelled as segments. */
function rewriteSegments(file, text) {
  return text.replace(/(['"])src\1,\s*(['"])main\2((?:,\s*(['"])[\w.-]+\4)*)/g, (whole, q, _q2, rest) => {
    const segs = [...rest.matchAll(/(['"])([\w.-]+)\1/g)].map((m) => m[2]);
    const mapped = rewritePaths(file, `src/main/${segs.join('/')}`);
    if (mapped.startsWith('src/main')) return whole;
    return mapped
      .split('/')
      .map((seg) => `${q}${seg}${q}`)
      .join(', ');
  });
}

// --- 3. Configs that name the old folders other than as a `src/main/x` path.

function rewriteTsconfig(text) {
  return text.replace(/"src\/main\/\*\*\/\*"/g, '"src/core/**/*", "src/hosts/**/*"');
}

function rewriteEslint(text) {
  let out = text.replace(/'\*\*\/main\/\*\*'/g, "'**/core/**', '**/hosts/**'");
  if (!out.includes('relayout: layers')) {
    const end = out.lastIndexOf(');');
    if (end < 0) throw new Error('eslint.config.js: cannot find the end of the config to add the layering rules');
    out = `${out.slice(0, end).replace(/\s*$/, '')}\n${ESLINT_LAYERS});\n`;
  }
  return out;
}

/**
 * The arrows inside the core, as import restrictions. They use the
 * typescript-eslint twin of `no-restricted-imports` so they add to (rather
 * than replace) the `no-restricted-imports` blocks above: ESLint keeps only the
 * last options given to one rule for a file.
 */
const ESLINT_LAYERS = `  // relayout: layers. Hosts sit above the core; inside the core the policy and
  // the jail never reach up into the agent or the gate, and the policy's own
  // layers import only downwards: shell ← programs ← rules ← judge.
  ...layerRules(),
`;
const LAYER_HELPER = `
/** The import arrows inside the core, one block per folder (last block wins per file, so each repeats the ones above it). */
function layerRules() {
  const rule = '@typescript-eslint/no-restricted-imports';
  const noHost = { regex: '(^|/)(hosts|renderer)(/|$)', message: 'The core never imports a host or the renderer: hosts sit above the core.' };
  const noAgent = { regex: '(^|/)\\\\.\\\\./(\\\\.\\\\./)*(agent|gate)(/|$)', message: 'The policy and the jail judge and confine; they never reach up into the agent or the gate.' };
  const policyTop = { regex: '^\\\\.\\\\.(/[^/]+)?$', message: "A policy layer never imports the policy's top (judge, analyze, index)." };
  const noRules = { regex: '^\\\\.\\\\./rules(/|$)', message: 'Lower policy layers never import the rules: shell ← programs ← rules.' };
  const noPrograms = { regex: '^\\\\.\\\\./programs(/|$)', message: 'The shell layer never imports the programs layer: shell ← programs ← rules.' };
  const block = (files, ...patterns) => ({ files, rules: { [rule]: ['error', { patterns }] } });
  return [
    block(['src/core/**/*.ts'], noHost),
    block(['src/core/jail/**/*.ts', 'src/core/policy/**/*.ts'], noHost, noAgent),
    block(['src/core/policy/rules/**/*.ts'], noHost, noAgent, policyTop),
    block(['src/core/policy/programs/**/*.ts'], noHost, noAgent, policyTop, noRules),
    block(['src/core/policy/shell/**/*.ts'], noHost, noAgent, policyTop, noRules, noPrograms),
  ];
}
`;

// --- Run.

const rewritten = new Map();
for (const file of tracked) {
  if (KEEP_TEXT.some((re) => re.test(file))) continue;
  const extensionless = !path.posix.basename(file).includes('.');
  if (!TEXT_EXT.test(file) && !extensionless) continue;
  const before = fs.readFileSync(path.join(root, file), 'utf8');
  if (before.includes('\0')) continue;
  let text = before;
  if (CODE_EXT.test(file)) text = rewriteImports(file, text);
  text = rewritePaths(file, text);
  if (CODE_EXT.test(file)) text = rewriteSegments(file, text);
  if (/^tsconfig.*\.json$/.test(file)) text = rewriteTsconfig(text);
  if (file === 'eslint.config.js') {
    text = rewriteEslint(text);
    if (!text.includes('function layerRules')) text = `${text.replace(/\s*$/, '\n')}${LAYER_HELPER}`;
  }
  if (text !== before) rewritten.set(file, text);
}

const byDest = new Map();
for (const p of toMove) {
  const dest = moved(p);
  const key = `${path.posix.dirname(dest)}\0${path.posix.basename(dest) === path.posix.basename(p) ? '' : path.posix.basename(dest)}`;
  if (!byDest.has(key)) byDest.set(key, []);
  byDest.get(key).push(p);
}

console.log(`relayout: ${toMove.length} files move, ${rewritten.size} files rewritten${dryRun ? ' (dry run)' : ''}`);
if (!dryRun) {
  for (const [key, sources] of byDest) {
    const [dir, rename] = key.split('\0');
    fs.mkdirSync(path.join(root, dir), { recursive: true });
    if (rename) for (const s of sources) git('mv', s, `${dir}/${rename}`);
    else for (let i = 0; i < sources.length; i += 200) git('mv', ...sources.slice(i, i + 200), `${dir}/`);
  }
  for (const [file, text] of rewritten) fs.writeFileSync(path.join(root, moved(file)), text);
  fs.rmSync(path.join(root, 'src/main'), { recursive: true, force: true });
  git('add', '-A', 'src');
  git('add', '-u');
}

if (unknownPolicy.length > 0) {
  console.log(
    `\nPolicy files the layer table does not know went to src/core/policy/ (add them to POLICY_LAYERS and rerun if they belong lower):`,
  );
  for (const p of unknownPolicy) console.log(`  ${p} → ${moved(p)}`);
}
if (otherMain.length > 0) {
  console.log('\nFiles under src/main outside the known folders went to src/hosts/:');
  for (const p of otherMain) console.log(`  ${p} → ${moved(p)}`);
}
if (unresolved.length > 0) {
  console.log('\nRelative imports that name no tracked file (left as they were):');
  for (const u of unresolved) console.log(`  ${u}`);
}
if (bareMain.length > 0) {
  console.log('\nMentions of the bare folder `src/main/` (left as they were; reword by hand if they mean core or hosts):');
  for (const b of bareMain) console.log(`  ${b}`);
}
