/**
 * The shared memory: aigpt's SQLite file, read and written by aios, aigpt
 * and every container that mounts the folder.
 */
export { openMemoryStore, MemoryStore } from './store';
export { MemoryStoreError, type MemoryErrorKind } from './errors';
export { BUSY_TIMEOUT_MS, type OpenOptions } from './connection';
export type { SyncResult } from './fts';
export type { Memory, CreateAiOptions, ListOptions, SearchOptions, MemorySearchHit, BigFive, UserAnalysis } from './types';
export type { UserProfile, TraitScore } from './profile';
export type { RelationshipInference } from './relationships';
export { CommandLog, capOutput, OUTPUT_EXCERPT_MAX, type CommandHistoryEntry, type CommandHistoryRow, type HistoryQuery } from './history';
export { parseTimeRange, type TimeRange } from './time-range';
export { inspectMemoryFile, type MemoryFileReport } from './inspect';
export { sortedJson, memoryJson, searchHitJson, analysisJson, profileJson, relationshipJson } from './aigpt-json';
export { AIGPT_TIMESTAMP_RE, ULID_RE, isUlid } from './format';
