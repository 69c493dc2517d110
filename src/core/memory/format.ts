import { monotonicFactory } from 'ulid';

/**
 * aigpt's on-disk formats. aigpt parses every timestamp of every row it reads
 * with chrono's RFC 3339 parser and fails the whole read on one bad value, so
 * aios writes exactly what chrono's `to_rfc3339()` writes.
 */

/** ULID: 26 chars of upper-case Crockford base32; the first char is 0-7 (48-bit time). */
export const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** What aigpt writes: `+00:00` and 0, 3, 6 or 9 fraction digits. */
export const AIGPT_TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(?:\d{3}|\d{6}|\d{9}))?\+00:00$/;

/** What chrono's RFC 3339 parser accepts, which is what aigpt can read back. */
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * ulid's own random source asks the system for one byte per character (16
 * calls of crypto.getRandomValues per id, most of an id's cost); this takes
 * the same bytes, byte / 256 as ulid does, from a pool refilled 256 at a time.
 */
const randomPool = new Uint8Array(256);
let randomAt = randomPool.length;
function pooledRandom(): number {
  if (randomAt === randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomAt = 0;
  }
  return randomPool[randomAt++]! / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

export function newUlid(): string {
  return nextUlid();
}

export function isUlid(value: string): boolean {
  return ULID_RE.test(value);
}

/** An instant with nanosecond precision: whole epoch seconds plus nanos in the second. */
export interface Instant {
  seconds: number;
  nanos: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** chrono's AutoSi rule: no fraction for whole seconds, else the shortest of 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  if (nanos % 1_000_000 === 0) return `.${pad(nanos / 1_000_000, 3)}`;
  if (nanos % 1_000 === 0) return `.${pad(nanos / 1_000, 6)}`;
  return `.${pad(nanos, 9)}`;
}

function dateTimePart(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
}

/** The DB form: `2025-11-06T10:02:27.123456789+00:00`. */
export function formatDbTimestamp(instant: Instant): string {
  return `${dateTimePart(instant.seconds)}${fraction(instant.nanos)}+00:00`;
}

/** The JSON form serde gives a `DateTime<Utc>` in aigpt's tool results: same digits, `Z`. */
export function formatJsonTimestamp(instant: Instant): string {
  return `${dateTimePart(instant.seconds)}${fraction(instant.nanos)}Z`;
}

export function instantFromDate(date: Date): Instant {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Parses any RFC 3339 timestamp chrono accepts; undefined for anything else. */
export function parseTimestamp(value: string): Instant | undefined {
  const m = RFC3339_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(base)) return undefined;
  let offsetSeconds = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetSeconds = sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  }
  const nanos = frac ? Number(frac.slice(0, 9).padEnd(9, '0')) : 0;
  return { seconds: base / 1000 - offsetSeconds, nanos };
}

export function instantToDate(instant: Instant): Date {
  return new Date(instant.seconds * 1000 + Math.floor(instant.nanos / 1_000_000));
}

/** Milliseconds since the epoch, for age arithmetic. */
export function instantMs(instant: Instant): number {
  return instant.seconds * 1000 + instant.nanos / 1_000_000;
}

let lastNow: Instant = { seconds: 0, nanos: 0 };

/**
 * Now, with sub-millisecond digits like chrono's `Utc::now()`. Never goes
 * backwards within a process, so rows written in one burst keep their order.
 */
export function nowInstant(): Instant {
  // Wall-clock milliseconds (follows clock adjustments, unlike timeOrigin + now()),
  // with the monotonic clock's sub-millisecond part as the finer digits.
  const ms = Date.now();
  const seconds = Math.floor(ms / 1000);
  const subMs = Math.floor((performance.now() % 1) * 1_000_000);
  let nanos = (ms - seconds * 1000) * 1_000_000 + subMs;
  let now: Instant = { seconds, nanos };
  if (now.seconds < lastNow.seconds || (now.seconds === lastNow.seconds && now.nanos <= lastNow.nanos)) {
    nanos = lastNow.nanos + 1;
    now = nanos > 999_999_999 ? { seconds: lastNow.seconds + 1, nanos: 0 } : { seconds: lastNow.seconds, nanos };
  }
  lastNow = now;
  return now;
}

export function nowDbTimestamp(): string {
  return formatDbTimestamp(nowInstant());
}

/**
 * A DB timestamp as aigpt prints it in tool results. Values aigpt could not
 * parse are passed through unchanged rather than failing the whole answer.
 */
export function dbTimestampToJson(value: string): string {
  const instant = parseTimestamp(value);
  return instant ? formatJsonTimestamp(instant) : value;
}

/** aigpt stores `f32` scores; this is the exact double SQLite holds for one. */
export function toF32(value: number): number {
  return Math.fround(value);
}

/** The shortest decimal that reads back as the same f32, as serde prints an `f32`. */
export function f32ForJson(value: number): number {
  const f = Math.fround(value);
  if (!Number.isFinite(f)) return f;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** `related_entities` is a JSON array of strings; anything else reads as none, as in aigpt. */
export function parseRelatedEntities(value: unknown): string[] | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed) && parsed.every((e) => typeof e === 'string')) return parsed as string[];
  } catch {
    // aigpt ignores a malformed list too
  }
  return null;
}
