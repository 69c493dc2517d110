export {
  beginTransaction,
  commitTransaction,
  discardTransaction,
  effectCounts,
  judgePending,
  TransactionConflict,
  TransactionUnavailable,
  type Committed,
  type PendingTransaction,
  type TransactionOptions,
} from './engine';
export { UndoStore, type Dropped, type StoreLimits } from './store';
export { newestFor, undoRecord, UndoRefused } from './undo';
export type { Effect, UndoRecord } from './types';
export { EFFECT_RULES, judgeEffects, type EffectFinding, type EffectRule } from './rules';
