import path from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { formatProblem, loadConfig } from '../../core/config/load';
import { createMemoryMcpServer } from '../../core/mcp/memory-server';
import { openMemoryStore } from '../../core/memory';
import { commandArgs } from './args';

const HELP = `Usage: aios memory-server [--enable-layer4] [--db FILE] [--config FILE]

An MCP server on stdio with aigpt's memory tools (create_memory, search_memories,
list_memories, get_profile, …) over the shared memory database, plus
recall_history. Configure it in mcp.json in place of, or beside, aigpt:

  {"mcpServers":{"memory":{"command":"aios","args":["memory-server","--enable-layer4"]}}}

  --enable-layer4  offer get_relationship and list_relationships, as aigpt's flag does
  --db FILE        the memory database (default: [paths] memory_db, i.e.
                   <config dir>/gpt/memory.db)
  --config FILE    read this config.toml instead of <config dir>/config.toml`;

export async function run(args: string[]): Promise<number> {
  const parsed = commandArgs('memory-server', HELP, {
    args,
    options: {
      'enable-layer4': { type: 'boolean' },
      db: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const log = (line: string): void => void process.stderr.write(`aios memory-server: ${line}\n`);
  const loaded = loadConfig(values.config ? { file: values.config } : {});
  for (const p of loaded.problems) log(`config: ${formatProblem(p)}`);
  const dbPath = values.db ? path.resolve(values.db) : loaded.paths.memoryDb;

  const memory = createMemoryMcpServer({ openStore: () => openMemoryStore(dbPath), enableLayer4: values['enable-layer4'] ?? false, log });
  const transport = new StdioServerTransport();
  await memory.server.connect(transport);
  log(`serving ${dbPath}${values['enable-layer4'] ? ' (layer 4 on)' : ''}`);
  setImmediate(memory.warmUp);

  return new Promise<number>((resolve) => {
    let done = false;
    const stop = (why: string): void => {
      if (done) return;
      done = true;
      if (why !== 'stdin closed') log(why);
      void memory.server.close().finally(() => {
        memory.close();
        resolve(0);
      });
    };
    // The client closing our stdin is the normal way an stdio MCP server is told to go.
    process.stdin.once('end', () => stop('stdin closed'));
    process.stdin.once('close', () => stop('stdin closed'));
    process.once('SIGINT', () => stop('SIGINT, shutting down'));
    process.once('SIGTERM', () => stop('SIGTERM, shutting down'));
  });
}
