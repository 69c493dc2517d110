/** MCP: aios's own memory server, and the client side that runs the servers in mcp.json. */
export { McpManager, type McpManagerOptions, type NamespacedTool } from './manager';
export { McpServerError, type McpServerStatus, type McpServerState, type McpErrorKind } from './server-connection';
export { loadMcpConfig, expandVars, DEFAULT_MCP_CONFIG, type LoadedMcpConfig, type McpServerConfig, type McpConfigProblem } from './config';
export { createMemoryMcpServer, type MemoryServerOptions, type MemoryMcpServer } from './memory-server';
