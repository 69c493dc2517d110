/**
 * MCP tool calls in the browser host go through the same gate as commands:
 * the approval modal shows server, tool and pretty arguments (cut, with
 * "Show all"); Deny calls nothing; the tool's row carries its decision.
 * The MCP server is the test's stdio fake with an unannotated writing tool.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lastMessage } from '../test/support/llm-server';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test } from './fixtures';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const FAKE = path.join(ROOT, 'test', 'support', 'fake-mcp-server.ts');

test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: {} } });

test('an MCP write waits in the modal with server, tool and arguments; Deny writes nothing', async ({ world, page }, testInfo) => {
  fs.writeFileSync(
    path.join(path.dirname(world.configFile), 'mcp.json'),
    JSON.stringify({ mcpServers: { notes: { command: TSX, args: [FAKE], env: { FAKE_WRITE_TOOLS: '1' } } } }),
  );
  await world.restart();
  const target = world.canary('note.txt');
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
  world.llm.push(
    { toolCalls: [{ name: 'notes__write_note', arguments: { path: target, content: 'from the model', lines } }] },
    { text: 'Not written.' },
  );
  const chat = await ChatPage.open(page, world.url);
  await chat.send('write a note');

  const dialog = page.getByRole('dialog', { name: 'Approve tool call' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('approval-server')).toHaveText('notes');
  await expect(dialog.getByTestId('approval-tool')).toHaveText('write_note');
  await expect(dialog.getByRole('button', { name: 'Deny', exact: true })).toBeFocused();
  const args = dialog.getByTestId('approval-arguments');
  await expect(args).toContainText(`"path": "${target}"`);
  await expect(args).not.toContainText('"line 19"');
  await expect(args).toHaveAttribute('data-expanded', 'false');
  await dialog.getByTestId('approval-arguments-toggle').click();
  await expect(args).toContainText('"line 19"');
  await expect(dialog.getByTestId('approval-because')).toContainText('no rule covers the tool');
  await expect(dialog.getByTestId('approval-rule')).toContainText('none matched');
  const row = chat.conversation.getByTestId('tool-call').last();
  await expect(row).toHaveAttribute('data-decision', 'require_approval');
  await expect(row).toHaveAttribute('data-state', 'pending');
  await page.screenshot({ path: testInfo.outputPath('tool-approval-modal.png') });

  await dialog.getByRole('button', { name: 'Deny', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toHaveAttribute('data-state', 'refused');
  await expect(row).toContainText('declined by the person');
  await expect(chat.lastAnswer()).toContainText('Not written.');
  expect(fs.existsSync(target)).toBe(false);
  expect(lastMessage(world.llm.requests[1]!.body, 'tool')).toContain('"ran":false');
});

test('the memory tools run without a question and their rows say so', async ({ world, page }) => {
  world.llm.push({ toolCalls: [{ name: 'aigpt__search_memories', arguments: { query: 'tea' } }] }, { text: 'Searched.' });
  const chat = await ChatPage.open(page, world.url);
  await chat.send('what tea do I like?');
  await expect(chat.lastAnswer()).toContainText('Searched.');
  const row = chat.conversation.getByTestId('tool-call').last();
  await expect(row).toHaveAttribute('data-decision', 'auto_allow');
  await expect(row).toHaveAttribute('data-state', 'done');
  await expect(row.getByTestId('tool-server')).toHaveText('aigpt');
  await expect(page.getByRole('dialog')).toHaveCount(0);
});
