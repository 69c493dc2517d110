/** Text size for a kiosk that may be a TV: a root CSS variable, remembered. */
export const FONT_SCALE_KEY = 'aios.fontScale';
export const MIN_SCALE = 0.7;
export const MAX_SCALE = 2.5;
const STEP = 0.1;

const round = (v: number) => Math.round(v * 10) / 10;

export function clampScale(v: number): number {
  if (!Number.isFinite(v)) return 1;
  return round(Math.min(MAX_SCALE, Math.max(MIN_SCALE, v)));
}

export function stepScale(current: number, change: 'up' | 'down' | 'reset'): number {
  if (change === 'reset') return 1;
  return clampScale(current + (change === 'up' ? STEP : -STEP));
}

export function readScale(storage: { getItem(key: string): string | null } | undefined): number {
  const raw = storage?.getItem(FONT_SCALE_KEY);
  return raw ? clampScale(Number(raw)) : 1;
}

/** The document element, or anything with a style and a dataset. */
export interface ScaleRoot {
  style: { setProperty(name: string, value: string): void };
  dataset: Record<string, string | undefined>;
}

export function applyScale(scale: number, root: ScaleRoot, storage?: { setItem(key: string, value: string): void }): void {
  root.style.setProperty('--font-scale', String(scale));
  root.dataset.fontScale = String(scale);
  try {
    storage?.setItem(FONT_SCALE_KEY, String(scale));
  } catch {
    // storage full or denied: the size still applies to this page
  }
}

/** `[ui] font_size` from the config: the size the scale multiplies (15 px when unset). */
export function applyBaseFontSize(px: number, root: Pick<ScaleRoot, 'style'>): void {
  root.style.setProperty('--base-font-size', `${px}px`);
}
