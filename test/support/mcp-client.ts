import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cliEntry, projectPath, repoRoot, tsxBin } from './process';

/** `aios memory-server ARGS` from source, driven by the SDK's own client over stdio. */
export async function connectMemoryServer(
  args: string[],
  env: Record<string, string>,
): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: tsxBin,
    args: [cliEntry, 'memory-server', ...args],
    cwd: repoRoot,
    // The SDK passes only HOME, LOGNAME, PATH, SHELL, TERM and USER by itself.
    env: { ...env, PATH: projectPath(env.PATH) },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const client = new Client({ name: 'aios-test', version: '0' });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

export interface ToolAnswer {
  isError: boolean;
  text: string;
  json: Record<string, unknown> | undefined;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> {
  const r = await client.callTool({ name, arguments: args });
  const content = r.content as { type: string; text: string }[];
  const text = content[0]?.text ?? '';
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { isError: r.isError === true, text, json };
}

/** True when every object in the JSON text has its keys in sorted order, as serde_json prints them. */
export function keysSorted(text: string): boolean {
  const check = (v: unknown): boolean => {
    if (Array.isArray(v)) return v.every(check);
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      return keys.every((k, i) => i === 0 || keys[i - 1]! < k) && Object.values(v).every(check);
    }
    return true;
  };
  return check(JSON.parse(text));
}
