/**
 * The settings view: reachable from the status bar and with `/setup` in the
 * web chat, it changes the provider of a running aios (base URL, key
 * variable, model) with "Test connection" and Save through the setup
 * service. A provider failure's banner points to it, and clears once the
 * provider answers again.
 */
import { startLlmServer } from '../test/support/llm-server';
import { ChatPage } from './chat-page';
import { expect, test } from './fixtures';

test('the provider fails, the banner points to Settings, a new provider is tested and saved, and the banner clears', async ({
  world,
  page,
}, testInfo) => {
  const replacement = await startLlmServer();
  try {
    world.llm.push({ status: 401, body: { error: { message: 'invalid api key' } } });
    const chat = await ChatPage.open(page, world.url);
    await chat.send('hello');
    await expect(chat.errorBanner()).toBeVisible();
    await expect(chat.errorBanner()).toContainText('Settings');

    await chat.errorBanner().getByRole('button', { name: 'Settings', exact: true }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await expect(settings).toBeVisible();
    await expect(settings.getByTestId('settings-base-url')).toHaveValue(world.llm.baseUrl);
    await expect(settings.getByTestId('settings-model')).toHaveValue('scripted');
    await expect(settings.getByTestId('settings-base-url')).toBeFocused();

    await settings.getByTestId('settings-base-url').fill(replacement.baseUrl);
    await settings.getByTestId('settings-test').click();
    await expect(settings.getByTestId('settings-result')).toContainText('Connected: 1 model (scripted)');
    await settings.getByTestId('settings-save').click();
    await expect(settings.getByTestId('settings-result')).toContainText('Saved to');
    await page.screenshot({ path: testInfo.outputPath('settings-view.png') });
    await settings.getByRole('button', { name: 'Close' }).click();
    await expect(settings).toHaveCount(0);

    replacement.push({ text: 'Hello from the new provider.' });
    await chat.send('hello again');
    await expect(chat.lastAnswer()).toContainText('Hello from the new provider.');
    // The provider answers again: the stale banner is gone.
    await expect(chat.errorBanner()).toHaveCount(0);
    await expect(chat.statusPart('provider')).toContainText(replacement.baseUrl);
  } finally {
    await replacement.close();
  }
});

test('the status bar and /setup open the settings view', async ({ world, page }) => {
  const chat = await ChatPage.open(page, world.url);
  await chat.status.getByTestId('status-settings').click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await expect(settings).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(settings).toHaveCount(0);

  await chat.send('/setup');
  await expect(settings).toBeVisible();
  await expect(settings.getByTestId('settings-model')).toHaveValue('scripted');
});
