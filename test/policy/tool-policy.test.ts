import { describe, expect, it } from 'vitest';
import type { ToolCallFacts } from '../../src/core/policy';
import { knownServerFor } from '../../src/core/policy';
import { compileToolPattern, ToolPatternError } from '../../src/core/policy/rules/tool-rules';
import { CTX, engineFromToml, shippedEngine } from '../support/policy';

/** MCP and built-in tool calls through the same gate as command lines. */

const call = (server: string, tool: string, args: Record<string, unknown> = {}, extra: Partial<ToolCallFacts> = {}): ToolCallFacts => ({
  server,
  tool,
  args,
  ...extra,
});

describe('tool rules', () => {
  it('name server and tool with globs in both parts', () => {
    const p = compileToolPattern('mcp__*__read_*');
    expect(p.server('fs') && p.tool('read_file')).toBe(true);
    expect(p.tool('write_file')).toBe(false);
    const q = compileToolPattern('mcp__fs__{read,list}_*');
    expect(q.tool('list_directory')).toBe(true);
    expect(q.server('fsx')).toBe(false);
  });

  it.each(['mcp__fs', 'mcp__fs__', 'mcp____x', 'mcp__fs__write file'])('refuses %j', (text) => {
    expect(() => compileToolPattern(text)).toThrow(ToolPatternError);
  });

  it('a bad tool rule puts the engine on the safe fallback with its place in the file', async () => {
    const { engine } = await engineFromToml('[permissions]\nauto_allow = ["ls", "mcp__fs"]\n');
    expect(engine.problems[0]).toMatchObject({ key: 'permissions.auto_allow[1]', line: 2 });
    expect(engine.decideTool(call('aios', 'search_memories'), CTX).decision).toBe('require_approval');
  });
});

describe('decideTool', () => {
  it('needs approval when no rule names the tool', async () => {
    const engine = await shippedEngine();
    const r = engine.decideTool(call('fs', 'write_file', { path: '/home/me/project/a', content: 'x' }), CTX);
    expect(r).toMatchObject({ decision: 'require_approval', server: 'fs', tool: 'write_file', fallback: false });
    expect(r.rule).toBeUndefined();
    expect(r.reasons[0]).toMatch(/no rule matches mcp__fs__write_file/);
  });

  it('keeps the shipped memory tools working: reads auto_allow, writes notify', async () => {
    const engine = await shippedEngine();
    const d = (s: string, t: string) => engine.decideTool(call(s, t), CTX).decision;
    expect(d('aios', 'search_memories')).toBe('auto_allow');
    expect(d('aios', 'recall_history')).toBe('auto_allow');
    expect(d('aios', 'create_ai_memory')).toBe('notify');
    expect(d('aigpt', 'get_memory')).toBe('auto_allow');
    expect(d('aigpt', 'list_memories')).toBe('auto_allow');
    expect(d('aigpt', 'search_memories')).toBe('auto_allow');
    expect(d('aigpt', 'create_ai_memory')).toBe('notify');
    expect(d('aigpt', 'update_memory')).toBe('notify');
    expect(d('aigpt', 'delete_memory')).toBe('notify');
    expect(d('aigpt', 'unheard_of')).toBe('require_approval');
    expect(d('other', 'search_memories')).toBe('require_approval');
  });

  it('takes the strictest rule: deny beats auto_allow, a profile only tightens', async () => {
    const toml = `[permissions]
auto_allow = ["mcp__fs__*", "mcp__*__read_*"]
deny = ["mcp__fs__move_file"]
[profiles.strict.permissions]
require_approval = ["mcp__fs__write_*"]
`;
    const { engine } = await engineFromToml(toml);
    expect(engine.decideTool(call('fs', 'read_file', { path: 'a' }), CTX).decision).toBe('auto_allow');
    expect(engine.decideTool(call('git', 'read_log'), CTX).decision).toBe('auto_allow');
    const moved = engine.decideTool(call('fs', 'move_file', { source: 'a', destination: 'b' }), CTX);
    expect(moved).toMatchObject({ decision: 'deny', rule: { list: 'deny', pattern: 'mcp__fs__move_file' } });
    expect(engine.decideTool(call('fs', 'write_file', { path: 'a' }), CTX).decision).toBe('auto_allow');
    const { engine: strict } = await engineFromToml(toml, { profile: 'strict' });
    expect(strict.decideTool(call('fs', 'write_file', { path: 'a' }), CTX)).toMatchObject({
      decision: 'require_approval',
      profile: 'strict',
    });
    // Tool rules never match command lines, nor command rules tools.
    expect(engine.decide('mcp__fs__read_file', CTX).decision).toBe('require_approval');
  });

  it('lets annotations set the default only for trusted servers', async () => {
    const engine = await shippedEngine();
    const ro = { annotations: { readOnlyHint: true } };
    expect(engine.decideTool(call('x', 'look', {}, ro), CTX).decision).toBe('require_approval');
    expect(engine.decideTool(call('x', 'look', {}, { ...ro, trustAnnotations: true }), CTX).decision).toBe('auto_allow');
    expect(
      engine.decideTool(call('x', 'look', {}, { annotations: { readOnlyHint: true, destructiveHint: true }, trustAnnotations: true }), CTX)
        .decision,
    ).toBe('require_approval');
    expect(engine.decideTool(call('x', 'look', {}, { annotations: { readOnlyHint: false }, trustAnnotations: true }), CTX).decision).toBe(
      'require_approval',
    );
  });

  it('needs approval for a path argument naming a protected place, whatever the rules', async () => {
    const { engine } = await engineFromToml('[permissions]\nauto_allow = ["mcp__fs__*", "mcp__notes__*"]\n');
    const fs = { known: 'filesystem' as const };
    const d = (tool: string, args: Record<string, unknown>, extra: Partial<ToolCallFacts> = fs, server = 'fs') =>
      engine.decideTool(call(server, tool, args, extra), CTX);
    expect(d('write_file', { path: '/home/me/project/notes.md', content: 'x' }).decision).toBe('auto_allow');
    expect(d('write_file', { path: '/home/me/.bashrc', content: 'x' }).decision).toBe('require_approval');
    expect(d('write_file', { path: '~/.ssh/authorized_keys', content: 'x' }).decision).toBe('require_approval');
    expect(d('write_file', { path: '../.profile', content: 'x' }).decision).toBe('require_approval');
    expect(d('edit_file', { path: '/home/me/project/.git/hooks/pre-commit', edits: [] }).decision).toBe('require_approval');
    expect(d('move_file', { source: '/home/me/project/a', destination: '/home/me/.config/autostart/a.desktop' }).decision).toBe(
      'require_approval',
    );
    expect(d('create_directory', { path: '/home/me/.config/systemd/user/x' }).decision).toBe('require_approval');
    // A known server's reads of a protected place are reads.
    expect(d('read_text_file', { path: '/home/me/.bashrc' }).decision).toBe('auto_allow');
    // Servers aios does not know: path-named arguments count.
    expect(d('write_note', { file_path: '/home/me/.zshrc' }, {}, 'notes').decision).toBe('require_approval');
    expect(d('write_note', { target: '/home/me/.ssh' }, {}, 'notes').decision).toBe('require_approval');
    expect(d('write_note', { text: '/home/me/.bashrc' }, {}, 'notes').decision).toBe('auto_allow');
    expect(d('write_many', { files: [{ path: '/home/me/project/a' }, { path: '/home/me/.profile' }] }, {}, 'notes').decision).toBe(
      'require_approval',
    );
    expect(d('write_many', { files: [{ path: '/home/me/project/a' }] }, {}, 'notes').decision).toBe('auto_allow');
    const r = d('write_file', { path: '/home/me/.bashrc', content: 'x' });
    expect(r.reasons.join('\n')).toMatch(/argument path names \/home\/me\/\.bashrc, a protected path/);
  });

  it('needs approval for every tool on the safe fallback', async () => {
    const { engine } = await engineFromToml('[permissions\n');
    expect(engine.decideTool(call('aios', 'search_memories'), CTX)).toMatchObject({ decision: 'require_approval', fallback: true });
  });
});

describe('knownServerFor', () => {
  it('recognises the filesystem server however it is started', () => {
    expect(knownServerFor(['npx', '-y', '@modelcontextprotocol/server-filesystem', '/home'])).toBe('filesystem');
    expect(knownServerFor(['npx', '@modelcontextprotocol/server-filesystem@2026.8.31', '/home'])).toBe('filesystem');
    expect(knownServerFor(['node', '/x/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'])).toBe('filesystem');
    expect(knownServerFor(['mcp-server-filesystem', '/home'])).toBe('filesystem');
    expect(knownServerFor(['aigpt', 'server'])).toBeUndefined();
  });
});
