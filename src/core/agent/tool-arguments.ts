const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A call's arguments as a JSON object's text, or the reason they cannot be used. */
export function normaliseArguments(raw: string): { ok: true; text: string } | { ok: false } {
  const t = raw.trim();
  if (t === '') return { ok: true, text: '{}' };
  try {
    let v: unknown = JSON.parse(t);
    // Some servers encode the arguments twice: a JSON string holding the object.
    if (typeof v === 'string') v = JSON.parse(v);
    if (isRecord(v)) return { ok: true, text: JSON.stringify(v) };
  } catch {
    // Not JSON: reported below.
  }
  return { ok: false };
}
