/**
 * A real stdio MCP server that will not stop when asked: it ignores SIGTERM
 * and the end of its stdin, and it starts a helper (a shell loop that also
 * ignores SIGTERM) that inherits its stdout and stderr, so the pipes stay open
 * even after the server itself is gone. Writes "<server pid> <helper pid>" to
 * $PIDS_FILE once both run. For the tests that a stop ends the whole group.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

process.on('SIGTERM', () => process.stderr.write('stubborn server: ignoring SIGTERM\n'));
const helper = spawn('/bin/sh', ['-c', 'trap "" TERM; while :; do sleep 1; done'], { stdio: ['ignore', 'inherit', 'inherit'] });
if (process.env.PIDS_FILE) fs.writeFileSync(process.env.PIDS_FILE, `${process.pid} ${helper.pid}\n`);

const server = new McpServer({ name: 'stubborn', version: '1.0.0' });
server.registerTool('ping', { description: 'Answers pong', inputSchema: {} }, () => ({
  content: [{ type: 'text' as const, text: 'pong' }],
}));
await server.connect(new StdioServerTransport());
// Unlike a well-behaved server, keep running when stdin ends.
setInterval(() => undefined, 60_000);
