import type { z } from 'zod';
import { locate, type tomlPositions } from './locate';
import type { ConfigProblem } from './load';
import { ConfigSchema, PARSE_ONCE } from './schema';

/** Edit distance (insertions, deletions, substitutions): how far a typo is from a known key. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The known key closest to `key`, when it is close enough to be a typo of it. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (!best || d < best.d) best = { key: k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

type Positions = ReturnType<typeof tomlPositions>;

/** Sections whose mistakes put the permission policy on its safe fallback. */
const POLICY_SECTIONS = new Set(['permissions', 'profiles']);

function keyPath(issuePath: readonly PropertyKey[]): string {
  return issuePath.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

/** The keys a strict object schema knows, unwrapping .default()/.optional(). */
function knownKeys(schema: z.ZodType): string[] {
  let s = schema as unknown as { def?: { innerType?: unknown }; shape?: Record<string, unknown> };
  for (let i = 0; i < 5 && !s.shape && s.def?.innerType; i++) s = s.def.innerType as typeof s;
  return s.shape ? Object.keys(s.shape) : [];
}

function schemaAt(schema: z.ZodType, pathKeys: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const k of pathKeys) {
    if (!s || typeof k !== 'string') return undefined;
    let inner = s as unknown as { def?: { innerType?: unknown; valueType?: unknown }; shape?: Record<string, z.ZodType> };
    for (let i = 0; i < 5 && !inner.shape && inner.def?.innerType; i++) inner = inner.def.innerType as typeof inner;
    if (inner.shape) s = inner.shape[k];
    else if (inner.def?.valueType) s = inner.def.valueType as z.ZodType;
    else return undefined;
  }
  return s;
}

function deleteAt(obj: unknown, pathKeys: readonly PropertyKey[]): void {
  let o = obj as Record<PropertyKey, unknown> | undefined;
  for (const k of pathKeys.slice(0, -1)) o = o?.[k] as Record<PropertyKey, unknown> | undefined;
  const last = pathKeys[pathKeys.length - 1];
  if (o && typeof o === 'object' && last !== undefined) delete o[last];
}

export interface SectionResult {
  value: unknown;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

/**
 * Validates one top-level section on its own, so one mistake never costs
 * the others: an unknown key is a warning (with the closest known key) and
 * is ignored; a wrong value is an error and that key takes its default; a
 * section that still does not validate takes its defaults whole.
 */
export function parseSection(name: string, raw: unknown, file: string, positions: Positions): SectionResult {
  const schema = (ConfigSchema.shape as Record<string, z.ZodType>)[name]!;
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const work: unknown = raw === undefined ? undefined : structuredClone(raw);
  const at = (key: string) => {
    const p = locate(positions, key);
    return p ? { line: p.line, column: p.column } : {};
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = schema.safeParse(work, PARSE_ONCE);
    if (r.success) return { value: r.data, problems, warnings };
    let removed = false;
    for (const issue of r.error.issues) {
      const inner = [name, ...issue.path];
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeys(schemaAt(schema, issue.path) ?? schema);
        for (const k of issue.keys) {
          const key = keyPath([...inner, k]);
          const near = closestKey(k, known);
          // In the policy's sections a typo may be a rule meant to restrict: an error there (the safe policy holds), a warning elsewhere.
          const strict = POLICY_SECTIONS.has(name);
          (strict ? problems : warnings).push({
            file,
            ...at(key),
            key,
            message: `unknown key${strict ? '' : ', ignored'}${near ? ` (did you mean ${near}?)` : ''}`,
          });
          deleteAt(work, [...issue.path, k]);
          removed = true;
        }
      } else {
        const key = keyPath(inner);
        problems.push({ file, ...at(key), key, message: issue.message });
        // The first level below the section takes its default (a bad entry of a list drops that list).
        if (issue.path.length > 0) {
          deleteAt(
            work,
            issue.path.slice(0, Math.max(1, issue.path.length - (typeof issue.path[issue.path.length - 1] === 'number' ? 1 : 0))),
          );
          removed = true;
        }
      }
    }
    if (!removed) break;
  }
  const fallback = schema.safeParse(undefined, PARSE_ONCE);
  return { value: fallback.success ? fallback.data : undefined, problems, warnings };
}

/** Every section of config.toml, each on its own; unknown sections are warnings too. */
export function parseSections(
  raw: Record<string, unknown>,
  file: string,
  positions: Positions,
): { value: Record<string, unknown>; problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const names = Object.keys(ConfigSchema.shape);
  const value: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  for (const k of Object.keys(raw)) {
    if (names.includes(k)) continue;
    const near = closestKey(k, names);
    const p = locate(positions, k);
    // A misspelt [permissions] may hold rules meant to restrict: then it is an error, and the safe policy holds.
    const strict = near !== undefined && POLICY_SECTIONS.has(near);
    (strict ? problems : warnings).push({
      file,
      ...(p ? { line: p.line, column: p.column } : {}),
      key: k,
      message: `unknown key${strict ? '' : ', ignored'}${near ? ` (did you mean ${near}?)` : ''}`,
    });
  }
  for (const name of names) {
    const r = parseSection(name, raw[name], file, positions);
    value[name] = r.value;
    problems.push(...r.problems);
    warnings.push(...r.warnings);
  }
  return { value, problems, warnings };
}
