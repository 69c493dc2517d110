import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProblem, loadConfig, type LoadedConfig } from '../../core/config/load';
import type { Env } from '../../core/config/paths';
import { inspectMemoryFile } from '../../core/memory';
import { recoverySteps } from '../../core/memory/errors';
import { describeLogs } from '../../core/log';
import { environProblem, heldEnv, heldNames } from '../../core/environment/held-secrets';
import { McpManager } from '../../core/mcp';
import { providerSection } from './doctor-provider';
import { PolicyEngine } from '../../core/policy';
import { commandEnvironment } from '../../core/environment';
import { Sandbox } from '../../core/executor/sandbox';

const HELP = `Usage: aios doctor [--json] [--config FILE]

Checks what aios depends on and says what is wrong: config files and their
problems, the permission policy (where each list comes from: the shipped
floor, config.toml, or config.toml alone with replace_shipped), the shared
memory database (schema, journal mode, row counts, search index, formats aigpt
can read), the AI provider (asked for its models at <base_url>/models), and
each MCP server in mcp.json (started, asked for its tools, stopped with its
whole process group). Nothing is changed. Exit code 1 when
something needs attention.

  --json         print the findings as JSON
  --config FILE  read this config.toml instead of <config dir>/config.toml`;

/** One part of the report. Sections are independent functions so more can be added. */
export interface DoctorSection {
  name: string;
  ok: boolean;
  /** What the header says when `ok` and more than "ok" is true (e.g. defaults in use); never hides a problem. */
  status?: string;
  /** Human-readable lines, already indented by the printer. */
  lines: string[];
  data: unknown;
}

export interface DoctorContext {
  env: Env;
  loaded: LoadedConfig;
}

const exists = (p: string): string => (fs.existsSync(p) ? p : `${p} (missing)`);

export function configSection(ctx: DoctorContext): DoctorSection {
  const { loaded } = ctx;
  const p = loaded.paths;
  const lines = [
    `config dir   ${exists(p.configDir)}`,
    `config.toml  ${loaded.exists ? loaded.file : `${loaded.file} (missing: defaults in use)`}`,
    `mcp.json     ${fs.existsSync(p.mcpConfigFile) ? p.mcpConfigFile : `${p.mcpConfigFile} (missing: the aigpt entry is assumed)`}`,
    `memory db    ${p.memoryDb}`,
    `data dir     ${p.dataDir}`,
    ...loaded.problems.map((pr) => `problem      ${formatProblem(pr)}`),
    ...(loaded.warnings ?? []).map((w) => `warning      ${formatProblem(w)}`),
  ];
  // "ok" above "(missing)" reads as a contradiction: say what is really in use.
  const status = loaded.exists ? undefined : 'uses the defaults (no config.toml yet; the first start of aios chat, web or app writes it)';
  return {
    name: 'config',
    ok: loaded.problems.length === 0,
    ...(status ? { status } : {}),
    lines,
    data: { file: loaded.file, exists: loaded.exists, paths: p, problems: loaded.problems },
  };
}

const LISTS = ['deny', 'require_approval', 'notify', 'auto_allow'] as const;

/** The effective policy: each list's source, the profile, protected paths, and whether the engine runs on the safe fallback. */
export async function policySection(ctx: DoctorContext): Promise<DoctorSection> {
  const { loaded } = ctx;
  const engine = await PolicyEngine.create({ config: loaded });
  const sources = loaded.policySources;
  const replaced = sources?.replaceShipped ?? false;
  const fileName = loaded.exists ? loaded.file : 'config.toml (missing)';
  const lines: string[] = [];
  if (engine.fallback) {
    lines.push('mode         SAFE FALLBACK: every command and tool call needs approval; only the shipped deny list applies');
    for (const p of engine.problems) lines.push(`problem      ${formatProblem(p)}`);
  } else if (replaced) {
    lines.push(
      `mode         shipped rules DROPPED by [permissions] replace_shipped = true in ${loaded.file}: only its own lists apply (no shipped deny list)`,
    );
  } else {
    lines.push(`mode         shipped floor + ${fileName}`);
  }
  for (const list of LISTS) {
    const n = sources?.lists[list] ?? { shipped: 0, own: 0 };
    const parts = [
      ...(n.shipped > 0 ? [`${n.shipped} shipped`] : []),
      ...(n.own > 0 ? [`${n.own} from ${loaded.file} (permissions.${list})`] : []),
    ];
    lines.push(
      `${list.padEnd(16)} ${parts.length > 0 ? parts.join(' + ') : '(empty)'}${engine.fallback ? ' (not in force: safe fallback)' : ''}`,
    );
  }
  if (engine.profile) lines.push(`profile      ${engine.profile} (adds its rules; it can only tighten)`);
  const extra = loaded.protectedPaths ?? [];
  lines.push(
    `protected    aios's config and memory, shell start-up files, ~/.ssh, ~/.gnupg, .git/hooks, .git/config, user units, crontabs, autostart${extra.length > 0 ? `, plus ${extra.join(', ')}` : ''}`,
  );
  return {
    name: 'policy',
    ok: !engine.fallback,
    lines,
    data: {
      fallback: engine.fallback,
      replaceShipped: replaced,
      profile: engine.profile ?? null,
      lists: sources?.lists ?? null,
      protectedPaths: extra,
      problems: engine.problems,
    },
  };
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Why this user cannot write the memory file (or create it), or null when it can. */
function writeProblem(file: string, exists: boolean): string | null {
  const target = exists ? file : path.dirname(file);
  try {
    if (exists) fs.accessSync(path.dirname(file), fs.constants.W_OK);
    if (fs.existsSync(target)) fs.accessSync(target, fs.constants.W_OK);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return `${e.code === 'EROFS' ? 'read-only file system' : e.code === 'EACCES' ? 'no write permission' : (e.code ?? 'error')} on ${exists ? `${file} or its folder` : target}`;
  }
}

export function memorySection(ctx: DoctorContext): DoctorSection {
  const r = inspectMemoryFile(ctx.loaded.paths.memoryDb);
  const lines = [`file         ${r.path}${r.exists ? ` (${size(r.sizeBytes ?? 0)})` : ' (missing: created on first use)'}`];
  let ok = true;
  if (r.error) {
    ok = false;
    lines.push(`error        ${r.error.kind}: ${r.error.message}`);
  } else if (r.exists) {
    lines.push(`journal      ${r.journalMode}${r.journalMode === 'wal' ? '' : ' (aios switches it to wal when it next writes)'}`);
    const schemaNotes = [
      r.missingAigptTables?.length ? `missing tables ${r.missingAigptTables.join(', ')}` : 'aigpt tables present',
      r.missingMemoryColumns?.length ? `older aigpt file: no ${r.missingMemoryColumns.join(', ')} (aios adds them)` : undefined,
      r.aiosSchemaVersion ? `aios tables v${r.aiosSchemaVersion}` : 'no aios tables yet',
    ].filter(Boolean);
    lines.push(`schema       ${schemaNotes.join('; ')}`);
    lines.push(`columns      memories(${(r.memoryColumns ?? []).join(', ')})`);
    lines.push(
      `rows         ${Object.entries(r.rowCounts ?? {})
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}`,
    );
    if (r.fts)
      lines.push(
        `search       ${r.fts.present ? `full-text index: ${r.fts.indexedRows} rows, ${r.fts.pendingRows} to index at the next search` : 'no full-text index yet (built at the first search)'}`,
      );
    const fp = r.formatProblems;
    if (fp) {
      const bad = fp.badIds + fp.badTimestamps + fp.badRelatedEntities;
      if (bad === 0) lines.push("formats      every row is in aigpt's formats");
      else {
        ok = false;
        lines.push(`formats      ${bad} values aigpt cannot read (aigpt fails every read while they exist): ${fp.examples.join('; ')}`);
      }
    }
    lines.push(`check        quick_check ${r.quickCheck ?? 'not run'}`);
    if (r.quickCheck !== undefined && r.quickCheck !== 'ok') {
      ok = false;
      lines.push(`damaged      aios will not write to it${recoverySteps(r.path)}`);
    }
    if (typeof r.aiosSchemaVersion === 'number' && r.aiosSchemaVersion > r.expectedAiosSchemaVersion) {
      ok = false;
      lines.push(
        `newer        written by a newer aios (schema v${r.aiosSchemaVersion}, this aios knows v${r.expectedAiosSchemaVersion}): opened read-only, never relabelled; update aios to write to it`,
      );
    }
  }
  if (r.exists && r.error?.kind === 'corrupt') lines.push(`recover      aios will not write to it${recoverySteps(r.path)}`);
  const cannotWrite = writeProblem(r.path, r.exists);
  if (cannotWrite) {
    ok = false;
    lines.push(`write        cannot write: ${cannotWrite} (memories can be read; nothing new is saved)`);
  }
  return { name: 'memory', ok, lines, data: r };
}

export async function mcpSection(ctx: DoctorContext): Promise<DoctorSection> {
  const logs: string[] = [];
  const manager = new McpManager({
    configFile: ctx.loaded.paths.mcpConfigFile,
    env: ctx.env,
    log: (line) => logs.push(line),
    builtinMemory: { dbPath: ctx.loaded.paths.memoryDb },
    timeouts: { connectMs: 15_000, listMs: 10_000 },
  });
  try {
    await manager.listTools();
    const status = manager.status();
    const lines: string[] = [];
    if (manager.config.usingDefault) lines.push('(no mcp.json: using the default aigpt entry)');
    for (const pr of manager.problems) if (!pr.server) lines.push(`problem      ${pr.message}`);
    // Entries mcp.json rejected outright have no status: say why here, not only in --json.
    const known = new Set(status.map((s) => s.name));
    for (const pr of manager.problems)
      if (pr.server && !known.has(pr.server)) lines.push(`${pr.server.padEnd(12)} rejected: ${pr.message}`);
    for (const s of status) {
      lines.push(`${s.name.padEnd(12)} ${s.state} (${s.transport})${s.tools.length ? `, ${s.tools.length} tools` : ''}`);
      if (s.note) lines.push(`${''.padEnd(12)} ${s.note}`);
      if (s.lastError) lines.push(`${''.padEnd(12)} error: ${s.lastError}`);
      for (const l of s.state === 'ready' ? [] : s.stderrTail.slice(-3)) lines.push(`${''.padEnd(12)} stderr: ${l}`);
    }
    if (status.length === 0) lines.push(manager.problems.length > 0 ? 'no usable servers' : 'no servers configured');
    const ok = manager.problems.length === 0 && status.every((s) => s.state === 'ready' || s.state === 'disabled');
    return {
      name: 'mcp',
      ok,
      lines,
      data: { file: manager.config.file, usingDefault: manager.config.usingDefault, problems: manager.problems, servers: status },
    };
  } finally {
    await manager.close();
  }
}

/** Where the Electron app's main-process log is (it rotates by size). */
export function logsSection(ctx: DoctorContext): DoctorSection {
  const logs = describeLogs(ctx.loaded.paths);
  const lines = [
    `log file     ${logs.size > 0 ? `${logs.file} (${size(logs.size)})` : `${logs.file} (none yet: the app has not run)`}`,
    ...logs.rotated.map((f) => `rotated      ${f}`),
  ];
  return { name: 'logs', ok: true, lines, data: logs };
}

type Section = (ctx: DoctorContext) => DoctorSection | Promise<DoctorSection>;
/** Wall 1: whether auto-allowed commands can run in bubblewrap (a real probe run). */
export function sandboxSection(ctx: DoctorContext): DoctorSection {
  const c = ctx.loaded.config.commands;
  const st = new Sandbox({ bwrap: c.bwrap, env: ctx.env, disabled: !c.confine_auto_allowed }).status();
  const lines = st.available
    ? [`bubblewrap   ${st.bwrap} ${st.version}: auto-allowed commands run confined (read-only except the working tree)`]
    : [`bubblewrap   unavailable: ${st.reason}`, 'effect       auto-allowed commands run as notify (you are told each time)'];
  const env = commandEnvironment(ctx.loaded.config, ctx.env);
  lines.push(
    `environment  ${env.removed.length > 0 ? `not passed to commands: ${env.removed.sort().join(', ')}` : 'no secret-named variables to leave out'}`,
  );
  const blank = environProblem();
  if (heldNames().length > 0)
    lines.push(
      `             ${blank ? `${blank}: /proc/<aios pid>/environ may still show them` : `taken out of aios's own /proc/<pid>/environ too`}`,
    );
  return { name: 'sandbox', ok: st.available, lines, data: { ...st, removedEnv: env.removed } };
}

const SECTIONS: Section[] = [configSection, policySection, providerSection, memorySection, mcpSection, sandboxSection, logsSection];

export async function run(args: string[]): Promise<number> {
  let values: { json?: boolean; config?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    process.stderr.write(`aios doctor: ${(err as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const env = heldEnv();
  const ctx: DoctorContext = { env, loaded: loadConfig({ env, ...(values.config ? { file: values.config } : {}) }) };
  const sections: DoctorSection[] = [];
  for (const section of SECTIONS) sections.push(await section(ctx));
  const ok = sections.every((s) => s.ok);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ ok, sections: Object.fromEntries(sections.map((s) => [s.name, { ok: s.ok, ...(s.data as object) }])) }, null, 2)}\n`,
    );
  } else {
    for (const s of sections) {
      process.stdout.write(`${s.name} ${s.ok ? (s.status ?? 'ok') : 'NEEDS ATTENTION'}\n${s.lines.map((l) => `  ${l}`).join('\n')}\n\n`);
    }
  }
  return ok ? 0 : 1;
}
