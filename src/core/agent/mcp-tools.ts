import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpManager } from '../mcp/manager';
import type { ExternalTools } from './tools';

function text(r: CallToolResult): string {
  const body = r.content.map((c) => (c.type === 'text' ? c.text : `[${c.type} content]`)).join('\n');
  return r.isError ? JSON.stringify({ success: false, error: body }) : body;
}

/** Every tool of every server in mcp.json, as the agent offers them (`server__tool`). */
export function mcpExternalTools(manager: McpManager): ExternalTools {
  return {
    async list() {
      const tools = await manager.listTools();
      return tools.map((t) => ({
        tool: t.tool,
        server: t.server,
        trustAnnotations: t.trustAnnotations,
        ...(t.annotations ? { annotations: t.annotations } : {}),
        ...(t.known ? { known: t.known } : {}),
        spec: {
          type: 'function' as const,
          function: { name: t.name, description: `[${t.server}] ${t.description}`.slice(0, 1000), parameters: t.inputSchema },
        },
      }));
    },
    async call(name, args, signal) {
      return text(await manager.callTool(name, args, { signal }));
    },
  };
}
