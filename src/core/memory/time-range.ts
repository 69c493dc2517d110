/**
 * Natural time ranges for history questions ("what did I install
 * yesterday?"), in the machine's local time. Calendar words name whole
 * calendar units: "yesterday", "last week" (the previous Monday-to-Monday
 * week), "this month". Counted spans are rolling and end now: "last 3 days",
 * "past week", "24h". ISO dates ("2025-11-06", "2025-11") name that day or
 * month; an ISO date-time starts a range that ends now. Two of these joined
 * by "..", " to " or "between … and …" make a range; "since X" runs to now.
 * `until` is exclusive.
 */
export interface TimeRange {
  since: Date;
  until: Date;
}

type Unit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

const UNIT_ALIASES: Record<string, Unit> = {
  m: 'minute',
  min: 'minute',
  mins: 'minute',
  minute: 'minute',
  minutes: 'minute',
  h: 'hour',
  hr: 'hour',
  hrs: 'hour',
  hour: 'hour',
  hours: 'hour',
  d: 'day',
  day: 'day',
  days: 'day',
  w: 'week',
  wk: 'week',
  wks: 'week',
  week: 'week',
  weeks: 'week',
  mo: 'month',
  month: 'month',
  months: 'month',
  y: 'year',
  yr: 'year',
  yrs: 'year',
  year: 'year',
  years: 'year',
};

const JAPANESE: Record<string, string> = {
  今日: 'today',
  本日: 'today',
  昨日: 'yesterday',
  一昨日: '2 days ago',
  おととい: '2 days ago',
  今週: 'this week',
  先週: 'last week',
  今月: 'this month',
  先月: 'last month',
  今年: 'this year',
  去年: 'last year',
  昨年: 'last year',
};

const startOfDay = (d: Date): Date => new Date(d.getFullYear(), d.getMonth(), d.getDate());
const addDays = (d: Date, n: number): Date =>
  new Date(d.getFullYear(), d.getMonth(), d.getDate() + n, d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());
const addMonths = (d: Date, n: number): Date =>
  new Date(d.getFullYear(), d.getMonth() + n, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());
/** Monday 00:00 of the week `d` is in. */
const startOfWeek = (d: Date): Date => addDays(startOfDay(d), -((d.getDay() + 6) % 7));
const startOfMonth = (d: Date): Date => new Date(d.getFullYear(), d.getMonth(), 1);
const startOfYear = (d: Date): Date => new Date(d.getFullYear(), 0, 1);

function subtract(now: Date, n: number, unit: Unit): Date {
  switch (unit) {
    case 'minute':
      return new Date(now.getTime() - n * 60_000);
    case 'hour':
      return new Date(now.getTime() - n * 3_600_000);
    case 'day':
      return addDays(now, -n);
    case 'week':
      return addDays(now, -7 * n);
    case 'month':
      return addMonths(now, -n);
    case 'year':
      return addMonths(now, -12 * n);
  }
}

function calendarUnit(unit: Unit, now: Date, back: number): TimeRange | undefined {
  switch (unit) {
    case 'day': {
      const since = addDays(startOfDay(now), -back);
      return { since, until: addDays(since, 1) };
    }
    case 'week': {
      const since = addDays(startOfWeek(now), -7 * back);
      return { since, until: addDays(since, 7) };
    }
    case 'month': {
      const since = addMonths(startOfMonth(now), -back);
      return { since, until: addMonths(since, 1) };
    }
    case 'year': {
      const since = addMonths(startOfYear(now), -12 * back);
      return { since, until: addMonths(since, 12) };
    }
    default:
      return undefined;
  }
}

function parseIso(expr: string, now: Date): TimeRange | undefined {
  let m = /^(\d{4})-(\d{2})$/.exec(expr);
  if (m) {
    const since = new Date(Number(m[1]), Number(m[2]) - 1, 1);
    return Number.isNaN(since.getTime()) ? undefined : { since, until: addMonths(since, 1) };
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expr);
  if (m) {
    const since = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (since.getMonth() !== Number(m[2]) - 1) return undefined;
    return { since, until: addDays(since, 1) };
  }
  if (/^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}/i.test(expr)) {
    // Without an offset, ECMAScript reads a date-time as local time, which is what a person means.
    const t = new Date(expr.toUpperCase().replace(' ', 'T'));
    if (Number.isNaN(t.getTime())) return undefined;
    return { since: t, until: t.getTime() > now.getTime() ? t : now };
  }
  return undefined;
}

function parseSingle(raw: string, now: Date): TimeRange | undefined {
  const expr = JAPANESE[raw] ?? raw;
  if (expr === 'today') return calendarUnit('day', now, 0);
  if (expr === 'yesterday') return calendarUnit('day', now, 1);
  let m = /^(this|last|previous) (day|week|month|year)$/.exec(expr);
  if (m) return calendarUnit(m[2] as Unit, now, m[1] === 'this' ? 0 : 1);
  m = /^(?:(?:last|past) )?(\d+) ?([a-z]+)$/.exec(expr);
  if (m) {
    const unit = UNIT_ALIASES[m[2]!];
    const n = Number(m[1]);
    if (unit && n >= 0) return { since: subtract(now, n, unit), until: now };
  }
  m = /^past ([a-z]+)$/.exec(expr) ?? /^last (minute|hour)$/.exec(expr);
  if (m) {
    const unit = UNIT_ALIASES[m[1]!];
    if (unit) return { since: subtract(now, 1, unit), until: now };
  }
  m = /^(\d+) (day|days|week|weeks|month|months|year|years) ago$/.exec(expr);
  if (m) return calendarUnit(UNIT_ALIASES[m[2]!]!, now, Number(m[1]));
  return parseIso(raw, now);
}

export function parseTimeRange(expr: string, now: Date = new Date()): TimeRange | undefined {
  const text = expr.trim().replace(/\s+/g, ' ');
  const lower = text.toLowerCase();
  if (lower === '') return undefined;
  let m = /^since (.+)$/.exec(lower);
  if (m) {
    const from = parseSingle(m[1]!, now);
    return from ? { since: from.since, until: from.since.getTime() > now.getTime() ? from.until : now } : undefined;
  }
  m = /^(?:between (.+) and (.+)|from (.+) (?:to|until) (.+)|(.+?) ?\.\. ?(.+)|(.+) to (.+))$/.exec(lower);
  if (m) {
    const [a, b] = [m[1] ?? m[3] ?? m[5] ?? m[7], m[2] ?? m[4] ?? m[6] ?? m[8]];
    const from = a ? parseSingle(a.trim(), now) : undefined;
    const to = b ? parseSingle(b.trim(), now) : undefined;
    if (from && to && from.since.getTime() <= to.until.getTime()) return { since: from.since, until: to.until };
    if (!(from && to)) return parseSingle(lower, now);
    return undefined;
  }
  return parseSingle(lower, now);
}
