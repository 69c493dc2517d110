import fs from 'node:fs';
import { z } from 'zod';
import type { Env } from '../config/paths';
import { BUILTIN_SERVER } from '../policy/rules/tool-rules';

/**
 * mcp.json in the common `mcpServers` format:
 *   stdio:  {"command": "aigpt", "args": ["server"], "env": {"K": "${HOME}/x"}, "cwd": "…"}
 *   http:   {"type": "http", "url": "https://…/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}}
 * `${VAR}` and `${VAR:-default}` are expanded in every string from the
 * environment aios was given. Other keys other programs use are ignored.
 */

const StdioEntry = z.looseObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1, 'command may not be empty'),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  disabled: z.boolean().default(false),
  trust_annotations: z.boolean().default(false),
});

const HttpEntry = z.looseObject({
  type: z.enum(['http', 'streamable-http', 'streamableHttp']),
  url: z.string().min(1, 'url may not be empty'),
  headers: z.record(z.string(), z.string()).default({}),
  disabled: z.boolean().default(false),
  trust_annotations: z.boolean().default(false),
});

const McpFile = z.looseObject({ mcpServers: z.record(z.string(), z.unknown()).default({}) });

/**
 * `trustAnnotations` (`"trust_annotations": true`): the server's tool
 * annotations (`readOnlyHint`) may set the policy's default for tools no rule
 * names. The MCP spec calls annotations untrusted hints, so this is off.
 */
export type McpServerConfig =
  | {
      name: string;
      transport: 'stdio';
      command: string;
      args: string[];
      env: Record<string, string>;
      cwd?: string;
      disabled: boolean;
      trustAnnotations: boolean;
    }
  | { name: string; transport: 'http'; url: string; headers: Record<string, string>; disabled: boolean; trustAnnotations: boolean };

export interface McpConfigProblem {
  file: string;
  /** The server entry the problem is in, when there is one. */
  server?: string;
  message: string;
}

/** Problems that stop a server from being started (an unset variable: half a token must not be sent anywhere). */
export function problemsFor(name: string, problems: McpConfigProblem[]): McpConfigProblem[] {
  return problems.filter((p) => p.server === name);
}

export interface LoadedMcpConfig {
  file: string;
  exists: boolean;
  /** True when the file was missing and the shipped default (the seed's aigpt entry) is in use. */
  usingDefault: boolean;
  servers: McpServerConfig[];
  problems: McpConfigProblem[];
}

/** The seed's entry, used when there is no mcp.json: aigpt, or aios's built-in store in its place. */
export const DEFAULT_MCP_CONFIG = { mcpServers: { aigpt: { command: 'aigpt', args: ['server', '--enable-layer4'] } } };

/** A server name becomes the prefix of tool names (`server__tool`), which models accept only in this alphabet. */
const NAME_RE = /^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$/;

const VAR_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Expands `${VAR}` and `${VAR:-default}` (default when unset or empty); lists variables that were unset with no default. */
export function expandVars(value: string, env: Env): { value: string; missing: string[] } {
  const missing: string[] = [];
  const expanded = value.replace(VAR_RE, (_m, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
  return { value: expanded, missing };
}

function expandRecord(rec: Record<string, string>, env: Env, missing: Set<string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rec).map(([k, v]) => {
      const e = expandVars(v, env);
      e.missing.forEach((m) => missing.add(m));
      return [k, e.value];
    }),
  );
}

function parseEntry(name: string, raw: unknown, env: Env, file: string): { server?: McpServerConfig; problems: McpConfigProblem[] } {
  const problems: McpConfigProblem[] = [];
  if (name === BUILTIN_SERVER) {
    return {
      problems: [
        {
          file,
          server: name,
          message: `the name "${BUILTIN_SERVER}" is reserved for aios's own tools (rules name them mcp__${BUILTIN_SERVER}__…); rename this server`,
        },
      ],
    };
  }
  if (!NAME_RE.test(name)) {
    problems.push({
      file,
      server: name,
      message: 'a server name may use letters, digits, "-" and single "_" only (tools are named server__tool)',
    });
    return { problems };
  }
  const type = (raw as { type?: unknown } | null)?.type;
  if (type === 'sse') return { problems: [{ file, server: name, message: 'type "sse" is not supported; use "http" (streamable HTTP)' }] };
  const isHttp = typeof type === 'string' && type !== 'stdio';
  const parsed = isHttp ? HttpEntry.safeParse(raw) : StdioEntry.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ file, server: name, message: `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}` });
    }
    return { problems };
  }
  const missing = new Set<string>();
  const one = (v: string): string => {
    const e = expandVars(v, env);
    e.missing.forEach((m) => missing.add(m));
    return e.value;
  };
  let server: McpServerConfig;
  if (isHttp) {
    const d = parsed.data as z.infer<typeof HttpEntry>;
    server = {
      name,
      transport: 'http',
      url: one(d.url),
      headers: expandRecord(d.headers, env, missing),
      disabled: d.disabled,
      trustAnnotations: d.trust_annotations,
    };
    try {
      new URL(server.url);
    } catch {
      problems.push({ file, server: name, message: `url is not a URL: ${server.url}` });
    }
  } else {
    const d = parsed.data as z.infer<typeof StdioEntry>;
    server = {
      name,
      transport: 'stdio',
      command: one(d.command),
      args: d.args.map(one),
      env: expandRecord(d.env, env, missing),
      ...(d.cwd !== undefined ? { cwd: one(d.cwd) } : {}),
      disabled: d.disabled,
      trustAnnotations: d.trust_annotations,
    };
  }
  for (const m of missing)
    problems.push({ file, server: name, message: `\${${m}} is not set and has no default (write \${${m}:-default})` });
  return { server, problems };
}

export function parseMcpConfig(data: unknown, file: string, env: Env): { servers: McpServerConfig[]; problems: McpConfigProblem[] } {
  const top = McpFile.safeParse(data);
  if (!top.success)
    return { servers: [], problems: [{ file, message: 'expected an object with "mcpServers": { name: { command | url … } }' }] };
  const servers: McpServerConfig[] = [];
  const problems: McpConfigProblem[] = [];
  for (const [name, raw] of Object.entries(top.data.mcpServers)) {
    const r = parseEntry(name, raw, env, file);
    problems.push(...r.problems);
    // Listed even with a problem, so its status can say what is wrong; the manager does not start it.
    if (r.server) servers.push(r.server);
  }
  return { servers, problems };
}

/** Reads mcp.json; never throws. A missing file means the shipped default. */
export function loadMcpConfig(file: string, env: Env = process.env): LoadedMcpConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { file, exists: false, usingDefault: true, ...parseMcpConfig(DEFAULT_MCP_CONFIG, file, env) };
    return { file, exists: true, usingDefault: false, servers: [], problems: [{ file, message: `cannot read: ${e.message}` }] };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return {
      file,
      exists: true,
      usingDefault: false,
      servers: [],
      problems: [{ file, message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  return { file, exists: true, usingDefault: false, ...parseMcpConfig(data, file, env) };
}
