import type Database from 'better-sqlite3';
import { writeTransaction } from './connection';
import { formatDbTimestamp, formatJsonTimestamp, instantMs, nowInstant, parseTimestamp, toF32, type Instant } from './format';
import { getProfile, type LayerSource, type UserProfile } from './profile';
import type { Memory } from './types';

/**
 * aigpt's Layer 4: relationships inferred from memories' `related_entities`
 * and the user's profile, cached for five minutes in `relationship_cache`
 * (the whole list under entity_id ''), in aigpt's JSON shape.
 */

/** serde's field order for aigpt's `RelationshipInference`. */
export interface RelationshipInference {
  entity_id: string;
  interaction_count: number;
  avg_priority: number;
  days_since_last: number;
  bond_strength: number;
  relationship_type: string;
  confidence: number;
  /** JSON form (`…Z`). */
  inferred_at: string;
}

const CACHE_MINUTES = 5;
const DAY_MS = 86_400_000;
const ALL_KEY = '';

function extraversionOf(profile: UserProfile): number {
  return profile.dominant_traits.find((t) => t.name === 'extraversion')?.score ?? 0.5;
}

/** Introverts (extraversion < 0.5 among the top traits): count weighs more; others: priority does. */
export function bondStrength(count: number, avgPriority: number, profile: UserProfile): number {
  const bond =
    extraversionOf(profile) < 0.5 ? Math.min(count / 20, 1) * 0.6 + avgPriority * 0.4 : Math.min(count / 50, 1) * 0.4 + avgPriority * 0.6;
  return toF32(Math.min(1, Math.max(0, bond)));
}

export function relationshipType(count: number, avgPriority: number, bond: number): string {
  if (bond >= toF32(0.8)) return 'close_friend';
  if (bond >= toF32(0.6)) return 'friend';
  if (bond >= toF32(0.4)) return avgPriority >= toF32(0.6) ? 'valued_acquaintance' : 'acquaintance';
  return count >= 5 ? 'regular_contact' : 'distant';
}

export function confidence(count: number): number {
  let c: number;
  if (count === 0) c = 0;
  else if (count === 1) c = 0.2;
  else if (count === 2) c = 0.3;
  else if (count === 3) c = 0.4;
  else if (count === 4) c = 0.45;
  else if (count <= 9) c = 0.5 + (count - 5) * 0.05;
  else c = 0.8 + Math.min((count - 10) * 0.02, 0.2);
  return toF32(Math.min(1, Math.max(0, c)));
}

export function inferRelationship(
  entityId: string,
  memories: Memory[],
  profile: UserProfile,
  now: Instant = nowInstant(),
): RelationshipInference {
  const mine = memories.filter((m) => m.relatedEntities?.includes(entityId) ?? false);
  const scored = mine.filter((m) => m.priorityScore !== null);
  const avg = scored.length > 0 ? toF32(scored.reduce((s, m) => s + (m.priorityScore ?? 0), 0) / scored.length) : 0.5;
  const ages = mine
    .map((m) => parseTimestamp(m.createdAt))
    .filter((t): t is Instant => t !== undefined)
    .map((t) => Math.trunc((instantMs(now) - instantMs(t)) / DAY_MS));
  const bond = bondStrength(mine.length, avg, profile);
  return {
    entity_id: entityId,
    interaction_count: mine.length,
    avg_priority: avg,
    days_since_last: ages.length > 0 ? Math.min(...ages) : 999,
    bond_strength: bond,
    relationship_type: relationshipType(mine.length, avg, bond),
    confidence: confidence(mine.length),
    inferred_at: formatJsonTimestamp(now),
  };
}

function readCache(db: Database.Database, key: string): unknown {
  const row = db.prepare('SELECT data, cached_at FROM relationship_cache WHERE entity_id = ?').get(key) as
    { data: string; cached_at: string } | undefined;
  if (!row) return undefined;
  const cachedAt = parseTimestamp(row.cached_at);
  // aigpt: valid while (now - cached_at).num_minutes() < 5.
  if (!cachedAt || Math.trunc((instantMs(nowInstant()) - instantMs(cachedAt)) / 60_000) >= CACHE_MINUTES) return undefined;
  try {
    return JSON.parse(row.data) as unknown;
  } catch {
    return undefined;
  }
}

function writeCache(db: Database.Database, key: string, value: unknown): void {
  writeTransaction(db, () => {
    db.prepare('INSERT OR REPLACE INTO relationship_cache (entity_id, data, cached_at) VALUES (?, ?, ?)').run(
      key,
      JSON.stringify(value),
      formatDbTimestamp(nowInstant()),
    );
  });
}

function isInference(v: unknown): v is RelationshipInference {
  return typeof v === 'object' && v !== null && typeof (v as RelationshipInference).entity_id === 'string';
}

export function getRelationship(src: LayerSource, entityId: string): RelationshipInference {
  const cached = readCache(src.db, entityId);
  if (isInference(cached)) return cached;
  const memories = src.allMemories();
  const inference = inferRelationship(entityId, memories, getProfile(src));
  writeCache(src.db, entityId, inference);
  return inference;
}

/** Every entity, strongest bond first (the full list is cached; `limit` cuts the answer only). */
export function listRelationships(src: LayerSource, limit = 10): RelationshipInference[] {
  const cached = readCache(src.db, ALL_KEY);
  if (Array.isArray(cached) && cached.every(isInference)) return cached.slice(0, limit);
  const memories = src.allMemories();
  const profile = getProfile(src);
  const entities = new Set<string>();
  for (const m of memories) for (const e of m.relatedEntities ?? []) entities.add(e);
  const now = nowInstant();
  const all = [...entities].map((e) => inferRelationship(e, memories, profile, now)).sort((a, b) => b.bond_strength - a.bond_strength);
  writeCache(src.db, ALL_KEY, all);
  return all.slice(0, limit);
}
