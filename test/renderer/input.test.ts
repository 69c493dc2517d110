import { describe, expect, it } from 'vitest';
import { caretAllows, newInputHistory, recall, remember } from '../../src/renderer/src/chat/input-history';
import { parseInput } from '../../src/renderer/src/chat/slash';
import { clampScale, readScale, stepScale, applyScale, FONT_SCALE_KEY } from '../../src/renderer/src/font-scale';
import { matchShortcut, type KeyLike } from '../../src/renderer/src/keyboard';

describe('composer input', () => {
  it('tells messages, !commands and slash commands apart like aios chat', () => {
    expect(parseInput('  ')).toEqual({ kind: 'empty' });
    expect(parseInput('how full is the disk?')).toEqual({ kind: 'message', text: 'how full is the disk?' });
    expect(parseInput('!ls -la')).toEqual({ kind: 'direct', command: 'ls -la' });
    expect(parseInput('/history apt install')).toEqual({ kind: 'slash', name: 'history', arg: 'apt install' });
    expect(parseInput('/memory')).toEqual({ kind: 'slash', name: 'memory', arg: '' });
    expect(parseInput('/HELP')).toEqual({ kind: 'slash', name: 'help', arg: '' });
    expect(parseInput('/frobnicate now')).toEqual({ kind: 'unknown', name: 'frobnicate' });
    // A path is a question about a file, not a command.
    expect(parseInput('/etc/fstab looks odd')).toEqual({ kind: 'message', text: '/etc/fstab looks odd' });
  });

  it('recalls earlier inputs with ↑ and returns to the draft with ↓', () => {
    let h = remember(remember(newInputHistory(), 'first'), 'second');
    const up1 = recall(h, 'back', 'draft')!;
    expect(up1.text).toBe('second');
    const up2 = recall(up1.history, 'back', up1.text)!;
    expect(up2.text).toBe('first');
    expect(recall(up2.history, 'back', up2.text)).toBeNull();
    const down1 = recall(up2.history, 'forward', up2.text)!;
    expect(down1.text).toBe('second');
    const down2 = recall(down1.history, 'forward', down1.text)!;
    expect(down2.text).toBe('draft');
    expect(recall(down2.history, 'forward', 'draft')).toBeNull();
    h = remember(h, 'second');
    expect(h.entries).toEqual(['first', 'second']);
  });

  it('only recalls from the first line (↑) or the last line (↓)', () => {
    expect(caretAllows('back', 'one\ntwo', 2, 2)).toBe(true);
    expect(caretAllows('back', 'one\ntwo', 5, 5)).toBe(false);
    expect(caretAllows('forward', 'one\ntwo', 5, 5)).toBe(true);
    expect(caretAllows('forward', 'one\ntwo', 1, 1)).toBe(false);
    expect(caretAllows('back', 'one', 0, 2)).toBe(false);
  });
});

const key = (k: Partial<KeyLike>): KeyLike => ({ key: '', code: '', ctrlKey: false, altKey: false, metaKey: false, shiftKey: false, ...k });
const idle = { inTerminal: false, dialogOpen: false, busy: false };

describe('shortcuts', () => {
  it('maps the documented keys', () => {
    expect(matchShortcut(key({ ctrlKey: true, key: '`', code: 'Backquote' }), idle)).toBe('toggleTerminal');
    expect(matchShortcut(key({ ctrlKey: true, key: 'l', code: 'KeyL' }), idle)).toBe('clearView');
    expect(matchShortcut(key({ ctrlKey: true, key: '=', code: 'Equal' }), idle)).toBe('fontUp');
    expect(matchShortcut(key({ ctrlKey: true, key: '+', code: 'Equal', shiftKey: true }), idle)).toBe('fontUp');
    expect(matchShortcut(key({ ctrlKey: true, key: '-', code: 'Minus' }), idle)).toBe('fontDown');
    expect(matchShortcut(key({ ctrlKey: true, key: '0', code: 'Digit0' }), idle)).toBe('fontReset');
    expect(matchShortcut(key({ key: 'Escape', code: 'Escape' }), { ...idle, busy: true })).toBe('cancelTurn');
  });

  it('leaves keys to whoever owns them', () => {
    // Nothing to cancel; a dialog answers Esc itself; the shell keeps Esc and Ctrl+L.
    expect(matchShortcut(key({ key: 'Escape' }), idle)).toBeNull();
    expect(matchShortcut(key({ key: 'Escape' }), { ...idle, busy: true, dialogOpen: true })).toBeNull();
    expect(matchShortcut(key({ key: 'Escape' }), { ...idle, busy: true, inTerminal: true })).toBeNull();
    expect(matchShortcut(key({ ctrlKey: true, key: 'l' }), { ...idle, inTerminal: true })).toBeNull();
    // Ctrl+` still toggles from inside the terminal.
    expect(matchShortcut(key({ ctrlKey: true, code: 'Backquote', key: '`' }), { ...idle, inTerminal: true })).toBe('toggleTerminal');
    // Keys that belong to an IME conversion never trigger anything.
    expect(matchShortcut(key({ key: 'Escape', isComposing: true }), { ...idle, busy: true })).toBeNull();
    expect(matchShortcut(key({ ctrlKey: true, key: 'l', keyCode: 229 }), idle)).toBeNull();
    expect(matchShortcut(key({ ctrlKey: true, key: 'c' }), idle)).toBeNull();
  });
});

describe('font scale', () => {
  it('steps by a tenth within bounds and remembers', () => {
    expect(stepScale(1, 'up')).toBe(1.1);
    expect(stepScale(1.1, 'down')).toBe(1);
    expect(stepScale(2.5, 'up')).toBe(2.5);
    expect(stepScale(0.7, 'down')).toBe(0.7);
    expect(stepScale(1.7, 'reset')).toBe(1);
    expect(clampScale(Number.NaN)).toBe(1);
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const props = new Map<string, string>();
    const root = { style: { setProperty: (k: string, v: string) => void props.set(k, v) }, dataset: {} as Record<string, string> };
    applyScale(1.2, root, storage);
    expect(props.get('--font-scale')).toBe('1.2');
    expect(root.dataset.fontScale).toBe('1.2');
    expect(store.get(FONT_SCALE_KEY)).toBe('1.2');
    expect(readScale(storage)).toBe(1.2);
    expect(readScale({ getItem: () => 'garbage' })).toBe(1);
  });
});
