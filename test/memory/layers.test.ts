import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore, type MemoryStore } from '../../src/core/memory';
import { formatDbTimestamp, formatJsonTimestamp, instantFromDate } from '../../src/core/memory/format';
import { dominantTrait, extractKeywords, generateProfile } from '../../src/core/memory/profile';
import { bondStrength, confidence, relationshipType } from '../../src/core/memory/relationships';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
let store: MemoryStore;
beforeEach(() => {
  tmp = makeTempDir('aios-layers-');
  store = openMemoryStore(tmp.join('memory.db'));
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const f32 = Math.fround;
const ago = (ms: number): string => formatDbTimestamp(instantFromDate(new Date(Date.now() - ms)));
const introvert = { openness: 0.9, conscientiousness: 0.8, extraversion: 0.3, agreeableness: 0.2, neuroticism: 0.1 };
const extrovert = { openness: 0.9, conscientiousness: 0.8, extraversion: 0.7, agreeableness: 0.2, neuroticism: 0.1 };

describe('Layer 3: user analysis', () => {
  it('keeps the latest analysis, clamps scores as aigpt does, and names the dominant trait', () => {
    store.saveAnalysis({ ...introvert, openness: 1.4, neuroticism: -0.1 }, 'first');
    const second = store.saveAnalysis(extrovert, 'second');
    const latest = store.latestAnalysis()!;
    expect(latest).toMatchObject({ id: second.id, summary: 'second', extraversion: f32(0.7) });
    const first = store.connection.prepare("SELECT openness, neuroticism FROM user_analyses WHERE summary = 'first'").get();
    expect(first).toEqual({ openness: 1, neuroticism: 0 });
    expect(dominantTrait(latest)).toBe('Openness');
    // Rust's max_by keeps the last of equal maxima.
    expect(dominantTrait({ openness: 0.5, conscientiousness: 0.5, extraversion: 0.5, agreeableness: 0.5, neuroticism: 0.5 })).toBe(
      'Neuroticism',
    );
  });
});

describe('Layer 3.5: profile', () => {
  it('takes the top 3 traits, the top 10 memories by priority and the data quality rule', () => {
    const made = Array.from({ length: 14 }, (_, i) => store.createAi(`memory ${i}`, { priorityScore: i / 13 }));
    store.create('unscored');
    let p = store.getProfile();
    expect(p.dominant_traits).toEqual([]);
    expect(p.data_quality).toBe(f32(Math.min(15 / 50, 1) * 0.5));
    expect(p.key_memory_ids).toEqual(
      made
        .slice(4)
        .reverse()
        .map((m) => m.id),
    );
    store.saveAnalysis(introvert, 'quiet');
    p = store.getProfile();
    expect(p.dominant_traits.map((t) => t.name)).toEqual(['openness', 'conscientiousness', 'extraversion']);
    expect(p.dominant_traits[2]!.score).toBe(f32(0.3));
    expect(p.data_quality).toBe(f32((15 / 50) * 0.5 + 0.5));
    const full = generateProfile(
      Array.from({ length: 80 }, (_, i) => ({
        id: String(i),
        content: '',
        aiInterpretation: null,
        priorityScore: null,
        relatedEntities: null,
        createdAt: '',
        updatedAt: '',
      })),
      store.latestAnalysis(),
    );
    expect(full.data_quality).toBe(1);
  });

  it('finds interests and values the way aigpt does', () => {
    expect(extractKeywords('Rust architecture design is important for scalability!')).toEqual([
      'rust',
      'architecture',
      'design',
      'important',
      'scalability',
    ]);
    expect(extractKeywords('the café ---- です 大切')).toEqual(['café', '大切']);
    store.createAi('Rust Rust Rust tooling', { aiInterpretation: 'values simple efficient tools', priorityScore: 0.9 });
    store.createAi('rust again', { aiInterpretation: 'simple', priorityScore: 0.2 });
    const p = store.getProfile();
    expect(p.core_interests[0]).toBe('rust');
    expect(p.core_values).toEqual(['values', 'simple', 'efficient']);
  });

  it('serves the cached profile until aigpt would regenerate it', () => {
    for (let i = 0; i < 5; i++) store.createAi(`m${i}`, { priorityScore: 0.5 });
    const mark = (extra: Record<string, unknown> = {}): void => {
      const p = store.getProfile();
      store.connection.prepare('UPDATE user_profiles SET data = ?').run(JSON.stringify({ ...p, core_interests: ['from-cache'], ...extra }));
    };
    const fromCache = (): boolean => store.getProfile().core_interests[0] === 'from-cache';
    mark();
    expect(fromCache()).toBe(true);
    // A week old.
    mark({ last_updated: formatJsonTimestamp(instantFromDate(new Date(Date.now() - 7 * 86_400_000 - 60_000))) });
    expect(fromCache()).toBe(false);
    mark({ last_updated: formatJsonTimestamp(instantFromDate(new Date(Date.now() - 6 * 86_400_000))) });
    expect(fromCache()).toBe(true);
    // A newer analysis.
    store.saveAnalysis(introvert, 'newer than the profile');
    expect(fromCache()).toBe(false);
    // More memories than key_memory_ids * 2 + 10 (5 * 2 + 10 = 20).
    mark();
    for (let i = 0; i < 15; i++) store.create(`more ${i}`);
    expect(fromCache()).toBe(true);
    store.create('the 21st memory');
    expect(fromCache()).toBe(false);
  });
});

describe('Layer 4: relationships', () => {
  it('counts interactions and averages scored priorities (0.5 when none)', () => {
    store.createAi('a', { priorityScore: 0.9, relatedEntities: ['alice', 'bob'] });
    store.createAi('b', { priorityScore: 0.5, relatedEntities: ['alice'] });
    store.createAi('c', { relatedEntities: ['alice'] });
    store.createAi('d', { relatedEntities: ['carol'] });
    const alice = store.getRelationship('alice');
    expect(alice.interaction_count).toBe(3);
    expect(alice.avg_priority).toBe(f32((f32(0.9) + f32(0.5)) / 2));
    expect(alice.days_since_last).toBe(0);
    expect(store.getRelationship('carol').avg_priority).toBe(0.5);
    const nobody = store.getRelationship('nobody');
    expect(nobody).toMatchObject({ interaction_count: 0, days_since_last: 999, confidence: 0, relationship_type: 'distant' });
  });

  it('weighs count for introverts and priority for everyone else', () => {
    const profile = (extraversion: number, inTop3: boolean) => ({
      dominant_traits: inTop3 ? [{ name: 'extraversion', score: extraversion }] : [{ name: 'openness', score: 0.9 }],
      core_interests: [],
      core_values: [],
      key_memory_ids: [],
      data_quality: 1,
      last_updated: '',
    });
    expect(bondStrength(10, 0.5, profile(0.3, true))).toBe(f32(Math.min(10 / 20, 1) * 0.6 + 0.5 * 0.4));
    expect(bondStrength(10, 0.5, profile(0.7, true))).toBe(f32(Math.min(10 / 50, 1) * 0.4 + 0.5 * 0.6));
    // Extraversion outside the top three traits counts as 0.5: not an introvert.
    expect(bondStrength(10, 0.5, profile(0.3, false))).toBe(f32(0.2 * 0.4 + 0.5 * 0.6));
    expect(bondStrength(40, 1, profile(0.3, true))).toBe(1);
  });

  it('names the relationship by bond, priority and count', () => {
    expect(relationshipType(1, 0.5, f32(0.8))).toBe('close_friend');
    expect(relationshipType(1, 0.5, f32(0.6))).toBe('friend');
    expect(relationshipType(1, f32(0.6), f32(0.4))).toBe('valued_acquaintance');
    expect(relationshipType(1, 0.59, f32(0.4))).toBe('acquaintance');
    expect(relationshipType(5, 0.1, 0.39)).toBe('regular_contact');
    expect(relationshipType(4, 0.1, 0.39)).toBe('distant');
    expect([0, 1, 2, 3, 4, 5, 9, 10, 20].map(confidence)).toEqual([0, 0.2, 0.3, 0.4, 0.45, 0.5, 0.7, 0.8, 1].map(f32));
  });

  it('lists entities by bond strength, and caches answers for five minutes until memories change', () => {
    store.saveAnalysis(introvert, 'quiet');
    for (let i = 0; i < 8; i++) store.createAi(`with alice ${i}`, { priorityScore: 0.9, relatedEntities: ['alice'] });
    store.createAi('with bob', { priorityScore: 0.2, relatedEntities: ['bob'] });
    const list = store.listRelationships();
    expect(list.map((r) => r.entity_id)).toEqual(['alice', 'bob']);
    expect(store.listRelationships(1)).toHaveLength(1);

    const fake = JSON.stringify({ ...store.getRelationship('alice'), relationship_type: 'cached-answer' });
    store.connection.prepare("UPDATE relationship_cache SET data = ?, cached_at = ? WHERE entity_id = 'alice'").run(fake, ago(4 * 60_000));
    expect(store.getRelationship('alice').relationship_type).toBe('cached-answer');
    store.connection.prepare("UPDATE relationship_cache SET cached_at = ? WHERE entity_id = 'alice'").run(ago(5 * 60_000 + 1000));
    expect(store.getRelationship('alice').relationship_type).not.toBe('cached-answer');

    store.connection.prepare("UPDATE relationship_cache SET data = ? WHERE entity_id = 'alice'").run(fake);
    store.create('any change to memories');
    expect(store.connection.prepare('SELECT count(*) FROM relationship_cache').pluck().get()).toBe(0);
    expect(store.getRelationship('alice').relationship_type).not.toBe('cached-answer');
    expect(() => store.getRelationship('')).toThrow(/entity_id is required/);
  });
});
