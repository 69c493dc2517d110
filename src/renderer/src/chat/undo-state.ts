import { create } from 'zustand';

/**
 * Where each card's change stands after its Undo or Redo in this window:
 * keyed by the record the card was born with, it holds whether the change is
 * undone now and the record the next action takes (the undo's record to
 * redo, or the redo's record to undo again). A card with no entry offers its
 * own record's Undo; the core refuses what was already undone elsewhere.
 */
export interface CardUndoState {
  undone: boolean;
  /** The record the card's next Undo (or Redo) passes to `undo.run`. */
  next: string;
}

interface UndoStates {
  byCard: Record<string, CardUndoState>;
  set(cardRecord: string, state: CardUndoState): void;
  clear(): void;
}

export const useCardUndo = create<UndoStates>()((set) => ({
  byCard: {},
  set: (cardRecord, state) => set((s) => ({ byCard: { ...s.byCard, [cardRecord]: state } })),
  clear: () => set({ byCard: {} }),
}));
