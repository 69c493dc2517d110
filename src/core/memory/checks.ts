import { toF32 } from './format';

/** Checks on what callers pass the memory store, made before the file is touched: TypeError/RangeError on bad values. */

export function checkText(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}

export function checkScore(value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`priority_score must be a number from 0.0 to 1.0 (got ${String(value)})`);
  }
  return toF32(value);
}

export function checkEntities(value: string[] | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || !value.every((e) => typeof e === 'string' && e.length > 0)) {
    throw new TypeError('related_entities must be a list of non-empty strings');
  }
  return JSON.stringify(value);
}

export function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}
