import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../core/log';

export const WINDOW_STATE_FILE = 'window-state.json';

const coordinate = z.number().int().min(-100_000).max(100_000);
const extent = z.number().int().min(200).max(16_384);

/** What `<data dir>/window-state.json` may hold; anything else is ignored. */
export const WindowStateSchema = z.strictObject({
  x: coordinate.optional(),
  y: coordinate.optional(),
  width: extent,
  height: extent,
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A window this much inside some display can still be grabbed and moved. */
const MIN_VISIBLE = 64;

export function windowStateFile(dataDir: string): string {
  return path.join(dataDir, WINDOW_STATE_FILE);
}

/**
 * Reads the remembered window state. A missing file is the first run; a
 * corrupt or invalid one is logged and ignored (defaults). A position that
 * no longer lies on any display (a monitor was unplugged) is dropped so the
 * window opens centred instead of off screen.
 */
export function loadWindowState(file: string, logger: Logger, displays: readonly Rect[] = []): WindowState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn(`window state ${file} is unreadable; using the default size`, err);
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    logger.warn(`window state ${file} is not JSON; using the default size`, (err as Error).message);
    return undefined;
  }
  const parsed = WindowStateSchema.safeParse(raw);
  if (!parsed.success) {
    logger.warn(
      `window state ${file} is invalid; using the default size`,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
    return undefined;
  }
  const state = parsed.data;
  if (state.x !== undefined && state.y !== undefined && displays.length > 0) {
    const bounds = { x: state.x, y: state.y, width: state.width, height: state.height };
    if (!displays.some((d) => overlaps(bounds, d))) {
      logger.info(`window state ${file}: position ${state.x},${state.y} is off every display; centring the window`);
      return { width: state.width, height: state.height, maximized: state.maximized };
    }
  }
  return state;
}

function overlaps(a: Rect, b: Rect): boolean {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w >= MIN_VISIBLE && h >= MIN_VISIBLE;
}

/** Writes through a temp file and a rename, so a crash mid-write leaves the old state. */
export function saveWindowState(file: string, state: WindowState, logger: Logger): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    logger.warn(`cannot save the window state to ${file}`, err);
  }
}

export interface TrackableWindow {
  on(event: 'resize' | 'move' | 'close', listener: () => void): unknown;
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isDestroyed(): boolean;
}

/** Saves the window's size and place after it settles, and when it closes. */
export function trackWindowState(window: TrackableWindow, file: string, logger: Logger, settleMs = 500): () => void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (window.isDestroyed()) return;
    const b = window.getNormalBounds();
    const state = WindowStateSchema.safeParse({
      x: Math.round(b.x),
      y: Math.round(b.y),
      width: Math.round(b.width),
      height: Math.round(b.height),
      maximized: window.isMaximized(),
    });
    if (state.success) saveWindowState(file, state.data, logger);
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, settleMs);
    timer.unref();
  };
  window.on('resize', later);
  window.on('move', later);
  window.on('close', save);
  return save;
}
