import { dbTimestampToJson, f32ForJson } from './format';
import type { Memory, MemorySearchHit, UserAnalysis } from './types';
import { dominantTrait, type UserProfile } from './profile';
import type { RelationshipInference } from './relationships';

/**
 * aigpt's tool-result shapes. aigpt builds results with serde_json, whose
 * objects are sorted maps: keys come out in sorted order at every depth.
 * Timestamps are serde's `DateTime<Utc>` form (`…Z`), scores are f32.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value as Json;
}

/** Compact JSON with keys sorted at every depth, as serde_json prints a `json!` value. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

const f32OrNull = (v: number | null): number | null => (v === null ? null : f32ForJson(v));

/** The memory object of get_memory, list_memories and search_memories. */
export function memoryJson(m: Memory): Record<string, unknown> {
  return {
    ai_interpretation: m.aiInterpretation,
    content: m.content,
    created_at: dbTimestampToJson(m.createdAt),
    id: m.id,
    priority_score: f32OrNull(m.priorityScore),
    updated_at: dbTimestampToJson(m.updatedAt),
  };
}

/** A search hit: aigpt's memory object plus aios's `snippet` and `score` (extra keys, same shape). */
export function searchHitJson(h: MemorySearchHit): Record<string, unknown> {
  return { ...memoryJson(h.memory), score: Math.round(h.score * 1e4) / 1e4, snippet: h.snippet };
}

export function analysisJson(a: UserAnalysis): Record<string, unknown> {
  return {
    agreeableness: f32ForJson(a.agreeableness),
    analyzed_at: dbTimestampToJson(a.analyzedAt),
    conscientiousness: f32ForJson(a.conscientiousness),
    dominant_trait: dominantTrait(a),
    extraversion: f32ForJson(a.extraversion),
    id: a.id,
    neuroticism: f32ForJson(a.neuroticism),
    openness: f32ForJson(a.openness),
    summary: a.summary,
  };
}

export function profileJson(p: UserProfile): Record<string, unknown> {
  return {
    core_interests: p.core_interests,
    core_values: p.core_values,
    data_quality: f32ForJson(p.data_quality),
    dominant_traits: p.dominant_traits.map((t) => ({ name: t.name, score: f32ForJson(t.score) })),
    key_memory_ids: p.key_memory_ids,
    last_updated: p.last_updated,
  };
}

export function relationshipJson(r: RelationshipInference, withInferredAt: boolean): Record<string, unknown> {
  return {
    avg_priority: f32ForJson(r.avg_priority),
    bond_strength: f32ForJson(r.bond_strength),
    confidence: f32ForJson(r.confidence),
    days_since_last: r.days_since_last,
    entity_id: r.entity_id,
    ...(withInferredAt ? { inferred_at: r.inferred_at } : {}),
    interaction_count: r.interaction_count,
    relationship_type: r.relationship_type,
  };
}
