import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { APP_VERSION } from '../../shared/version';
import { MemoryStoreError } from '../memory/errors';
import { CommandLog } from '../memory/history';
import type { MemoryStore } from '../memory/store';
import { fail } from './tool-result';
import * as tools from './memory-tools';

/**
 * `aios memory-server`: aigpt's MCP tools (same names, input schemas and
 * result shapes, so a client set up for aigpt works unchanged) over aios's
 * store, plus aios's own `recall_history`.
 */
export interface MemoryServerOptions {
  /** Opens the store. Called again on later tool calls while it keeps failing (e.g. a lock that clears). */
  openStore: () => MemoryStore;
  /** aigpt's `--enable-layer4`: get_relationship and list_relationships. */
  enableLayer4?: boolean;
  /** Where diagnostics go (never stdout: that is the protocol). */
  log?: (line: string) => void;
}

const score = (name: string) =>
  z
    .number({ error: `${name} must be a number from 0.0 to 1.0` })
    .min(0, { error: `${name} must be at least 0.0` })
    .max(1, { error: `${name} must be at most 1.0` });
const text = (name: string, description: string) => z.string({ error: `${name} is required and must be a string` }).describe(description);
const count = (name: string, description: string, max?: number) => {
  const base = z
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(0, { error: `${name} must be 0 or more` });
  return (max === undefined ? base : base.max(max, { error: `${name} must be at most ${max}` })).optional().describe(description);
};

export interface MemoryMcpServer {
  server: McpServer;
  /** Opens the store now and brings its search index up to date, so the first search is quick. Never throws. */
  warmUp: () => void;
  close: () => void;
}

export function createMemoryMcpServer(options: MemoryServerOptions): MemoryMcpServer {
  const log = options.log ?? (() => undefined);
  let store: MemoryStore | undefined;
  let history: CommandLog | undefined;
  let lastError: string | undefined;

  const getStore = (): MemoryStore => {
    if (store) return store;
    try {
      store = options.openStore();
      history = new CommandLog(store);
      if (lastError) log(`memory database opened: ${store.path}`);
      lastError = undefined;
      return store;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== lastError) log(message);
      lastError = message;
      throw err;
    }
  };

  const run = (fn: (s: MemoryStore) => CallToolResult): CallToolResult => {
    try {
      return fn(getStore());
    } catch (err) {
      if (err instanceof MemoryStoreError || err instanceof TypeError || err instanceof RangeError) return fail(err.message);
      throw err;
    }
  };

  const server = new McpServer(
    { name: 'aios-memory', version: APP_VERSION },
    {
      instructions:
        'Long-term memory shared with aigpt and every aios machine. search_memories is ranked (best first); ' +
        'recall_history answers what commands ran, e.g. {"range":"yesterday","query":"install"}.',
    },
  );

  server.registerTool(
    'create_memory',
    {
      description: 'Create a new memory entry (Layer 1: simple storage)',
      inputSchema: { content: text('content', 'Content of the memory') },
    },
    (a) => run((s) => tools.createMemory(s, a)),
  );
  server.registerTool(
    'create_ai_memory',
    {
      description: 'Create a memory with AI interpretation and priority score (Layer 2)',
      inputSchema: {
        content: text('content', 'Original content of the memory'),
        ai_interpretation: z
          .string({ error: 'ai_interpretation must be a string' })
          .optional()
          .describe("AI's creative interpretation of the content (optional)"),
        priority_score: score('priority_score').optional().describe('Priority score from 0.0 (low) to 1.0 (high) (optional)'),
        related_entities: z
          .array(z.string().min(1), { error: 'related_entities must be a list of names' })
          .optional()
          .describe('People, places or things this memory is about, for relationship inference (optional, aios)'),
      },
    },
    (a) => run((s) => tools.createAiMemory(s, a)),
  );
  server.registerTool('get_memory', { description: 'Get a memory by ID', inputSchema: { id: text('id', 'Memory ID') } }, (a) =>
    run((s) => tools.getMemory(s, a)),
  );
  server.registerTool(
    'search_memories',
    {
      description: 'Search memories by content, best matches first (full-text, ranked; words match as prefixes)',
      inputSchema: {
        query: text('query', 'Search query'),
        limit: count('limit', `Maximum number of memories to return (default ${tools.DEFAULT_SEARCH_RESULTS}, aios)`, 1000),
      },
    },
    (a) => run((s) => tools.searchMemories(s, a)),
  );
  server.registerTool(
    'list_memories',
    {
      description: 'List memories, newest first. Use limit/offset to page through a large memory.',
      inputSchema: {
        limit: count('limit', 'Maximum number of memories to return (optional, aios)'),
        offset: count('offset', 'Number of memories to skip (optional, aios)'),
      },
    },
    (a) => run((s) => tools.listMemories(s, a)),
  );
  server.registerTool(
    'update_memory',
    {
      description: 'Update an existing memory entry',
      inputSchema: { id: text('id', 'ID of the memory to update'), content: text('content', 'New content for the memory') },
    },
    (a) => run((s) => tools.updateMemory(s, a)),
  );
  server.registerTool(
    'delete_memory',
    { description: 'Delete a memory entry', inputSchema: { id: text('id', 'ID of the memory to delete') } },
    (a) => run((s) => tools.deleteMemory(s, a)),
  );
  server.registerTool(
    'save_user_analysis',
    {
      description: "Save a Big Five personality analysis based on user's memories (Layer 3)",
      inputSchema: {
        openness: score('openness').describe('Openness to Experience (0.0-1.0)'),
        conscientiousness: score('conscientiousness').describe('Conscientiousness (0.0-1.0)'),
        extraversion: score('extraversion').describe('Extraversion (0.0-1.0)'),
        agreeableness: score('agreeableness').describe('Agreeableness (0.0-1.0)'),
        neuroticism: score('neuroticism').describe('Neuroticism (0.0-1.0)'),
        summary: text('summary', 'AI-generated summary of the personality analysis'),
      },
    },
    (a) => run((s) => tools.saveUserAnalysis(s, a)),
  );
  server.registerTool(
    'get_user_analysis',
    { description: 'Get the most recent Big Five personality analysis (Layer 3)', inputSchema: {} },
    () => run((s) => tools.getUserAnalysis(s)),
  );
  server.registerTool(
    'get_profile',
    {
      description:
        'Get integrated user profile - the essential summary of personality, interests, and values (Layer 3.5). This is the primary tool for understanding the user.',
      inputSchema: {},
    },
    () => run((s) => tools.getProfile(s)),
  );
  if (options.enableLayer4) {
    server.registerTool(
      'get_relationship',
      {
        description:
          'Get inferred relationship with a specific entity (Layer 4): bond strength and relationship type from memories and the user profile.',
        inputSchema: { entity_id: text('entity_id', "Entity identifier (e.g., 'alice', 'companion_miku')") },
      },
      (a) => run((s) => tools.getRelationship(s, a)),
    );
    server.registerTool(
      'list_relationships',
      {
        description: 'List all inferred relationships sorted by bond strength (Layer 4).',
        inputSchema: { limit: count('limit', 'Maximum number of relationships to return (default: 10)') },
      },
      (a) => run((s) => tools.listRelationships(s, a)),
    );
  }
  server.registerTool(
    'recall_history',
    {
      description:
        'Commands run or refused on any aios machine, newest first: time range ("today", "yesterday", "last week", "last 3 days", ISO dates) and words.',
      inputSchema: {
        since: z.string().optional().describe('Start: ISO time or an expression ("yesterday" means from its start)'),
        until: z.string().optional().describe('End (exclusive): ISO time or an expression ("yesterday" means up to its end)'),
        range: z.string().optional().describe('Both ends at once: "yesterday", "last week", "2025-11-01..2025-11-06"'),
        query: z.string().optional().describe('Words that must all appear in the command or its output'),
        limit: count('limit', 'Maximum number of entries (default 50)', 1000),
      },
    },
    (a) =>
      run(() => {
        if (!history) throw new MemoryStoreError('closed', '(memory)', 'history is not available', 'AIOS_CLOSED');
        return tools.recallHistory(history, a);
      }),
  );

  return {
    server,
    warmUp: () => {
      try {
        const synced = getStore().syncIndex();
        if (!synced.skipped && synced.added + synced.updated + synced.removed > 0) {
          log(`search index: ${synced.added} added, ${synced.updated} updated, ${synced.removed} removed`);
        }
      } catch {
        // getStore logged it; tools report it on every call until the file is usable.
      }
    },
    close: () => {
      history?.close();
      store?.close();
      store = undefined;
      history = undefined;
    },
  };
}
