import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  AIGPT_TIMESTAMP_RE,
  dbTimestampToJson,
  f32ForJson,
  formatDbTimestamp,
  formatJsonTimestamp,
  isUlid,
  newUlid,
  nowDbTimestamp,
  parseRelatedEntities,
  parseTimestamp,
  toF32,
} from '../../src/core/memory/format';

describe("aigpt's timestamp format", () => {
  it('writes chrono to_rfc3339 forms: no fraction, or 3, 6 or 9 digits, and +00:00', () => {
    const s = Date.UTC(2025, 10, 6, 10, 2, 27) / 1000;
    expect(formatDbTimestamp({ seconds: s, nanos: 0 })).toBe('2025-11-06T10:02:27+00:00');
    expect(formatDbTimestamp({ seconds: s, nanos: 123_000_000 })).toBe('2025-11-06T10:02:27.123+00:00');
    expect(formatDbTimestamp({ seconds: s, nanos: 123_456_000 })).toBe('2025-11-06T10:02:27.123456+00:00');
    expect(formatDbTimestamp({ seconds: s, nanos: 123_456_789 })).toBe('2025-11-06T10:02:27.123456789+00:00');
    expect(formatDbTimestamp({ seconds: s, nanos: 5 })).toBe('2025-11-06T10:02:27.000000005+00:00');
    expect(formatJsonTimestamp({ seconds: s, nanos: 120_000_000 })).toBe('2025-11-06T10:02:27.120Z');
  });

  it('round-trips any instant through its DB form, and every form matches the strict pattern', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), fc.integer({ min: 0, max: 999_999_999 }), (seconds, nanos) => {
        const text = formatDbTimestamp({ seconds, nanos });
        const back = parseTimestamp(text);
        return AIGPT_TIMESTAMP_RE.test(text) && back?.seconds === seconds && back.nanos === nanos;
      }),
    );
  });

  it('reads offsets and Z as chrono does and prints them the way aigpt shows them', () => {
    expect(parseTimestamp('2025-11-06T19:02:27+09:00')).toEqual(parseTimestamp('2025-11-06T10:02:27Z'));
    expect(dbTimestampToJson('2025-11-06T10:02:27.123456789+00:00')).toBe('2025-11-06T10:02:27.123456789Z');
    expect(dbTimestampToJson('2025-11-06T10:02:27.500+00:00')).toBe('2025-11-06T10:02:27.500Z');
    expect(dbTimestampToJson('not a time')).toBe('not a time');
    expect(parseTimestamp('2025-11-06 10:02:27')).toBeUndefined();
  });

  it('gives increasing, well-formed timestamps for now', () => {
    const seen = Array.from({ length: 200 }, () => nowDbTimestamp());
    for (const t of seen) expect(t).toMatch(AIGPT_TIMESTAMP_RE);
    const instants = seen.map((t) => parseTimestamp(t)!);
    for (let i = 1; i < instants.length; i++) {
      const [a, b] = [instants[i - 1]!, instants[i]!];
      expect(b.seconds > a.seconds || (b.seconds === a.seconds && b.nanos > a.nanos)).toBe(true);
    }
  });
});

describe('ids, scores and entity lists', () => {
  it('makes upper-case Crockford ULIDs and rejects other strings', () => {
    const ids = Array.from({ length: 100 }, () => newUlid());
    for (const id of ids) expect(isUlid(id)).toBe(true);
    expect(new Set(ids).size).toBe(100);
    expect([...ids].sort()).toEqual(ids);
    expect(isUlid('01jcli0000000000000000000a')).toBe(false);
    expect(isUlid('01JCLI0000000000000000000U')).toBe(false);
    expect(isUlid('8ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBe(false);
  });

  it('stores scores as the double an f32 widens to and prints them as serde prints an f32', () => {
    expect(toF32(0.8)).toBe(0.800000011920929);
    expect(f32ForJson(0.800000011920929)).toBe(0.8);
    expect(f32ForJson(0.65)).toBe(0.65);
    expect(f32ForJson(1)).toBe(1);
    fc.assert(fc.property(fc.float({ min: 0, max: 1, noNaN: true }), (x) => Math.fround(f32ForJson(x)) === Math.fround(x)));
  });

  it('reads related_entities as aigpt does: a JSON list of strings, else none', () => {
    expect(parseRelatedEntities('["alice","bob"]')).toEqual(['alice', 'bob']);
    expect(parseRelatedEntities('[]')).toEqual([]);
    expect(parseRelatedEntities(null)).toBeNull();
    expect(parseRelatedEntities('alice')).toBeNull();
    expect(parseRelatedEntities('[1,2]')).toBeNull();
  });
});

describe('newUlid from the pooled random source', () => {
  it('gives valid, distinct ids whose random part is fresh for every millisecond, across pool refills', () => {
    let ms = Date.UTC(2026, 11, 5);
    const now = vi.spyOn(Date, 'now').mockImplementation(() => ++ms);
    try {
      const ids = Array.from({ length: 100 }, () => newUlid()); // 1,600 random characters: several refills of 256 bytes
      expect(ids.every((id) => isUlid(id))).toBe(true);
      const randomParts = new Set(ids.map((id) => id.slice(10)));
      expect(randomParts.size).toBe(ids.length);
      // Every one of the 32 characters turns up somewhere, as from a uniform source.
      expect(new Set(ids.join('').slice(10)).size).toBeGreaterThanOrEqual(32);
    } finally {
      now.mockRestore();
    }
  });
});
