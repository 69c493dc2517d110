import { create } from 'zustand';

/** Whether the settings view is open; the status bar, `/setup` and the error banner open it. */
export const useSettings = create<{ open: boolean; show(): void; hide(): void }>((set) => ({
  open: false,
  show: () => set({ open: true }),
  hide: () => set({ open: false }),
}));
