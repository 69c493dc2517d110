import { create } from 'zustand';
import { emptyChat, type ChatData } from './types';

/** The conversation on screen; changed only through the pure functions in reducer.ts. */
export const useChat = create<ChatData>()(() => emptyChat);

export function applyChat(fn: (s: ChatData) => ChatData): void {
  useChat.setState((s) => fn(s), true);
}
