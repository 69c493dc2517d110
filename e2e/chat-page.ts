/**
 * The chat UI as the e2e specs see it: every selector of the DOM contract
 * between the chat UI and its tests lives here (roles, labels, test ids), so
 * a spec reads as what a person does and sees.
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { withParams } from './aios-web';

export type MessageRole = 'user' | 'assistant' | 'notice' | 'error' | 'system';
export type CardState = 'waiting' | 'running' | 'done' | 'refused' | 'cancelled' | 'timeout';

/** One command card and its parts. */
export class CommandCard {
  constructor(readonly root: Locator) {}
  get text(): Locator {
    return this.root.getByTestId('command-text');
  }
  get rule(): Locator {
    return this.root.getByTestId('command-rule');
  }
  get output(): Locator {
    return this.root.getByTestId('command-output');
  }
  get exit(): Locator {
    return this.root.getByTestId('command-exit');
  }
  get duration(): Locator {
    return this.root.getByTestId('command-duration');
  }
  get refusal(): Locator {
    return this.root.getByTestId('command-refusal');
  }
  get cancelButton(): Locator {
    return this.root.getByRole('button', { name: 'Cancel', exact: true });
  }
  async expectState(state: CardState): Promise<void> {
    await expect(this.root).toHaveAttribute('data-state', state);
  }
}

/** The browser host's approval modal. */
export class ApprovalDialog {
  readonly root: Locator;
  constructor(page: Page) {
    this.root = page.getByRole('dialog', { name: 'Approve command' });
  }
  get command(): Locator {
    return this.root.getByTestId('approval-command');
  }
  get cwd(): Locator {
    return this.root.getByTestId('approval-cwd');
  }
  get rule(): Locator {
    return this.root.getByTestId('approval-rule');
  }
  get approveButton(): Locator {
    return this.root.getByRole('button', { name: 'Approve', exact: true });
  }
  get denyButton(): Locator {
    return this.root.getByRole('button', { name: 'Deny', exact: true });
  }
}

export class ChatPage {
  constructor(readonly page: Page) {}

  /**
   * Opens the UI (the terminal in its DOM renderer so its text is readable)
   * and waits until the restored conversation and provider state are in.
   */
  static async open(page: Page, url: string, params: Record<string, string> = {}): Promise<ChatPage> {
    await page.goto(withParams(url, { terminal: 'dom', ...params }));
    const chat = new ChatPage(page);
    await expect(chat.main).toBeVisible();
    await expect(chat.conversation).toBeVisible();
    await expect(chat.input).toBeEditable();
    return chat;
  }

  get main(): Locator {
    return this.page.getByRole('main', { name: 'Conversation' });
  }
  /** The scrolling, virtualised list (role="log"). */
  get conversation(): Locator {
    return this.main.getByTestId('conversation');
  }
  messages(role?: MessageRole): Locator {
    const rows = this.conversation.getByTestId('message');
    return role ? rows.and(this.page.locator(`[data-role="${role}"]`)) : rows;
  }
  lastMessage(role?: MessageRole): Locator {
    return this.messages(role).last();
  }
  lastAssistant(): Locator {
    return this.lastMessage('assistant');
  }
  /** The rendered Markdown of the newest assistant message. */
  lastAnswer(): Locator {
    return this.lastAssistant().locator('.markdown');
  }
  streaming(): Locator {
    return this.conversation.locator('[data-testid="message"][data-streaming="true"]');
  }

  /** The model's reasoning rows: collapsed "Thinking" disclosures. */
  reasoning(): Locator {
    return this.conversation.getByTestId('reasoning');
  }

  cards(): Locator {
    return this.conversation.getByTestId('command-card');
  }
  /** The n-th command card (0-based; -1 is the newest). */
  card(n: number): CommandCard {
    return new CommandCard(this.cards().nth(n));
  }
  lastCard(): CommandCard {
    return new CommandCard(this.cards().last());
  }
  /** The card whose command text is exactly `command`. */
  cardFor(command: string): CommandCard {
    return new CommandCard(this.cards().filter({ has: this.page.getByTestId('command-text').getByText(command, { exact: true }) }));
  }

  approvalDialog(): ApprovalDialog {
    return new ApprovalDialog(this.page);
  }
  toasts(): Locator {
    return this.page.getByTestId('toast');
  }
  errorBanner(): Locator {
    return this.page.getByTestId('error-banner');
  }
  setupCard(): Locator {
    return this.page.getByTestId('setup-card');
  }

  get composer(): Locator {
    return this.page.getByTestId('composer');
  }
  get input(): Locator {
    return this.composer.getByRole('textbox', { name: 'Message' });
  }
  get sendButton(): Locator {
    return this.composer.getByRole('button', { name: 'Send', exact: true });
  }
  get stopButton(): Locator {
    return this.page.getByRole('button', { name: 'Stop', exact: true });
  }

  get status(): Locator {
    // The contract names the element; its implicit role depends on where it sits.
    return this.page.locator('footer[aria-label="Status"]');
  }
  statusPart(part: 'provider' | 'memory' | 'mcp' | 'machine' | 'busy'): Locator {
    return this.status.getByTestId(`status-${part}`);
  }

  /** Types `text` into the composer and presses Enter. */
  async send(text: string): Promise<void> {
    await this.input.fill(text);
    await this.input.press('Enter');
  }

  /** Waits until no turn runs: nothing streams and the busy indicator is gone. */
  async expectIdle(): Promise<void> {
    await expect(this.streaming()).toHaveCount(0);
    await expect(this.statusPart('busy')).toHaveCount(0);
  }

  async fontScale(): Promise<string | undefined> {
    return this.page.evaluate(() => document.documentElement.dataset.fontScale);
  }
}
