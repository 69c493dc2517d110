/** Terminal output → styled runs, for React to render as spans (never as HTML). */
import Anser from 'anser';

export interface AnsiRun {
  text: string;
  className: string | undefined;
  color: string | undefined;
  background: string | undefined;
}

const BASIC = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

/** xterm's 256-colour palette entries 16..255. */
export function paletteColor(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return undefined;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const i = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
}

/** Progress bars redraw a line with \r: keep what the line finally says. */
export function collapseCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => {
      const parts = line.split('\r');
      // A trailing \r (the line is being redrawn) shows the last complete state.
      const last = parts[parts.length - 1] === '' ? parts[parts.length - 2] : parts[parts.length - 1];
      return last ?? '';
    })
    .join('\n');
}

function colourOf(name: string | null, truecolor: string | null, layer: 'fg' | 'bg'): { className?: string; css?: string } {
  if (!name) return {};
  if (name === 'ansi-truecolor' && truecolor) return { css: `rgb(${truecolor})` };
  const palette = /^ansi-palette-(\d+)$/.exec(name);
  if (palette) {
    const n = Number(palette[1]);
    if (n < 16) return { className: `ansi-${n >= 8 ? 'bright-' : ''}${BASIC[n % 8]}-${layer}` };
    const css = paletteColor(n);
    return css ? { css } : {};
  }
  return /^ansi-(?:bright-)?[a-z]+$/.test(name) ? { className: `${name}-${layer}` } : {};
}

export function ansiRuns(raw: string): AnsiRun[] {
  const text = collapseCarriageReturns(raw);
  if (!text.includes('\x1b')) return text ? [{ text, className: undefined, color: undefined, background: undefined }] : [];
  const entries = Anser.ansiToJson(text, { json: true, use_classes: true, remove_empty: true });
  return entries
    .filter((e) => e.content !== '')
    .map((e) => {
      const fg = colourOf(e.fg, e.fg_truecolor, 'fg');
      const bg = colourOf(e.bg, e.bg_truecolor, 'bg');
      const classes = [fg.className, bg.className, ...e.decorations.map((d) => `ansi-${d}`)].filter(Boolean);
      return { text: e.content, className: classes.length > 0 ? classes.join(' ') : undefined, color: fg.css, background: bg.css };
    });
}

/** Splits output into blocks of whole lines so unchanged blocks keep their rendering while more arrives. */
export function lineBlocks(text: string, linesPerBlock = 100): string[] {
  const blocks: string[] = [];
  let start = 0;
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (++lines === linesPerBlock) {
      blocks.push(text.slice(start, i + 1));
      start = i + 1;
      lines = 0;
    }
  }
  if (start < text.length) blocks.push(text.slice(start));
  return blocks;
}
