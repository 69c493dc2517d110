/**
 * A small stdio MCP server for client tests. Tools: echo, env (reports the
 * variables it was given), slow (waits), crash (exits with an error); with
 * FAKE_WRITE_TOOLS=1 also write_note (writes a file, no annotations) and
 * peek (reads one, annotated readOnlyHint). Each
 * start appends a line to $START_LOG and says hello on stderr.
 */
import fs from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

if (process.env.START_LOG) fs.appendFileSync(process.env.START_LOG, `${process.pid}\n`);
process.stderr.write(`fake server starting pid=${process.pid}\n`);

const server = new McpServer({ name: 'fake', version: '1.0.0' });
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

server.registerTool('echo', { description: 'Echoes text', inputSchema: { text: z.string() } }, ({ text: t }) => text(t));
server.registerTool('env', { description: 'Reports the environment', inputSchema: {} }, () =>
  text(
    JSON.stringify(
      Object.fromEntries(
        ['HOME', 'XDG_CONFIG_HOME', 'AIOS_CONFIG_DIR', 'FROM_CONFIG', 'NOT_PASSED'].map((k) => [k, process.env[k] ?? null]),
      ),
    ),
  ),
);
server.registerTool('slow', { description: 'Waits ms milliseconds', inputSchema: { ms: z.number() } }, async ({ ms }) => {
  await new Promise((r) => setTimeout(r, ms));
  return text('done');
});
server.registerTool('crash', { description: 'Exits with status 3', inputSchema: {} }, () => {
  process.stderr.write('fake server: crashing on purpose\n');
  process.exit(3);
});

// With FAKE_WRITE_TOOLS=1: a writing tool without annotations, and a reading one that claims readOnlyHint.
if (process.env.FAKE_WRITE_TOOLS === '1') {
  server.registerTool(
    'write_note',
    { description: 'Writes content to the file at path', inputSchema: { path: z.string(), content: z.string() } },
    ({ path: p, content }) => {
      fs.writeFileSync(p, content);
      return text(`wrote ${p}`);
    },
  );
  server.registerTool(
    'peek',
    { description: 'Reads the file at path', inputSchema: { path: z.string() }, annotations: { readOnlyHint: true } },
    ({ path: p }) => text(fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : 'missing'),
  );
}

await server.connect(new StdioServerTransport());
process.stdin.on('end', () => process.exit(0));
