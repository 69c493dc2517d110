import { describe, expect, it } from 'vitest';
import { decisionLabel as guiLabel } from '../../src/renderer/src/chat/format';
import { HELP as GUI_HELP, parseInput } from '../../src/renderer/src/chat/slash';
import { decisionLabel as ttyLabel, HELP as TTY_HELP } from '../../src/hosts/tty/format';
import { makeStyle } from '../../src/hosts/tty/style';
import { DECISION_LABELS } from '../../src/shared/policy';
import { parseChatInput, SLASH_COMMANDS } from '../../src/shared/slash';

describe('the TTY and the GUI say the same things', () => {
  it('name every decision with the same words', () => {
    const plain = makeStyle(false);
    for (const d of Object.keys(DECISION_LABELS)) expect(ttyLabel(d, plain), d).toBe(guiLabel(d));
    expect(ttyLabel('auto_allow', plain)).toBe('auto-allowed');
    expect(ttyLabel('require_approval', plain, 'user')).toBe('approved by you');
  });

  it('read input with one grammar, each offering its own commands from one table', () => {
    for (const line of ['', '  ', '!ls -la', 'hello /etc', '/etc/fstab?', '/history apt install', '/HELP', '/?', '/nope']) {
      expect(parseInput(line), line).toEqual(parseChatInput(line, 'gui'));
    }
    expect(parseChatInput('/setup', 'tty')).toEqual({ kind: 'slash', name: 'setup', arg: '' });
    expect(parseChatInput('/setup', 'gui')).toEqual({ kind: 'slash', name: 'setup', arg: '' });
    expect(parseChatInput('/output', 'gui')).toEqual({ kind: 'unknown', name: 'output' });
    expect(parseChatInput('/quit', 'tty')).toEqual({ kind: 'slash', name: 'exit', arg: '' });
    for (const c of SLASH_COMMANDS) {
      if (c.hosts.includes('tty')) expect(TTY_HELP).toContain(c.usage);
      else expect(TTY_HELP).not.toContain(c.usage);
      if (c.hosts.includes('gui')) expect(GUI_HELP).toContain(c.usage);
      else expect(GUI_HELP).not.toContain(c.usage);
    }
  });
});
