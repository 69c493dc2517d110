import { describe, expect, it } from 'vitest';
import { parseTimeRange } from '../../src/core/memory/time-range';

// Wednesday 2025-11-12 15:30 local time; expectations are built in local time too.
const now = new Date(2025, 10, 12, 15, 30, 0);
const local = (y: number, m: number, d: number, h = 0, min = 0): Date => new Date(y, m - 1, d, h, min);
const range = (expr: string) => parseTimeRange(expr, now);

describe('parseTimeRange', () => {
  it('reads calendar days', () => {
    expect(range('today')).toEqual({ since: local(2025, 11, 12), until: local(2025, 11, 13) });
    expect(range('yesterday')).toEqual({ since: local(2025, 11, 11), until: local(2025, 11, 12) });
    expect(range('  Yesterday ')).toEqual(range('yesterday'));
    expect(range('3 days ago')).toEqual({ since: local(2025, 11, 9), until: local(2025, 11, 10) });
  });

  it('reads "last week" as the previous Monday-to-Monday week and "this week" as the current one', () => {
    expect(range('last week')).toEqual({ since: local(2025, 11, 3), until: local(2025, 11, 10) });
    expect(range('this week')).toEqual({ since: local(2025, 11, 10), until: local(2025, 11, 17) });
    expect(range('last month')).toEqual({ since: local(2025, 10, 1), until: local(2025, 11, 1) });
    expect(range('this year')).toEqual({ since: local(2025, 1, 1), until: local(2026, 1, 1) });
  });

  it('reads counted spans as rolling windows ending now', () => {
    expect(range('last 3 days')).toEqual({ since: local(2025, 11, 9, 15, 30), until: now });
    expect(range('past 2 weeks')).toEqual({ since: local(2025, 10, 29, 15, 30), until: now });
    expect(range('24h')).toEqual({ since: local(2025, 11, 11, 15, 30), until: now });
    expect(range('90 minutes')).toEqual({ since: local(2025, 11, 12, 14, 0), until: now });
    expect(range('past week')).toEqual({ since: local(2025, 11, 5, 15, 30), until: now });
    expect(range('last hour')).toEqual({ since: local(2025, 11, 12, 14, 30), until: now });
  });

  it('reads ISO dates, months, date-times and ranges', () => {
    expect(range('2025-11-06')).toEqual({ since: local(2025, 11, 6), until: local(2025, 11, 7) });
    expect(range('2025-02')).toEqual({ since: local(2025, 2, 1), until: local(2025, 3, 1) });
    expect(range('2025-11-12T09:00')).toEqual({ since: local(2025, 11, 12, 9), until: now });
    expect(range('2025-11-01..2025-11-06')).toEqual({ since: local(2025, 11, 1), until: local(2025, 11, 7) });
    expect(range('between 2025-11-01 and yesterday')).toEqual({ since: local(2025, 11, 1), until: local(2025, 11, 12) });
    expect(range('since monday')).toBeUndefined();
    expect(range('since 2025-11-10')).toEqual({ since: local(2025, 11, 10), until: now });
  });

  it('reads the Japanese words for the same days', () => {
    expect(range('昨日')).toEqual(range('yesterday'));
    expect(range('先週')).toEqual(range('last week'));
    expect(range('今日')).toEqual(range('today'));
  });

  it('says undefined for what it cannot read', () => {
    for (const bad of ['', 'soon', 'last fortnight', '2025-13-01', '2025-02-30', 'tomorrow..yesterday', 'x days ago']) {
      expect(range(bad), bad).toBeUndefined();
    }
  });
});
