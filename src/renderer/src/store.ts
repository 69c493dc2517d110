import { create } from 'zustand';
import type { AppInfo, AppStatus } from '../../shared/contract';
import type { ConnectionState } from './bridge/connection';

export type TerminalRenderer = 'webgl' | 'dom';

export interface Toast {
  id: number;
  text: string;
}

/** Whether the chat has a model: undefined until the core has said. */
export interface ProviderInfo {
  provider: string | null;
  problem: string | null;
}

export interface UiState {
  info: AppInfo | undefined;
  status: AppStatus | undefined;
  provider: ProviderInfo | undefined;
  connection: ConnectionState;
  terminalVisible: boolean;
  terminalRenderer: TerminalRenderer | undefined;
  terminalStatus: 'starting' | 'running' | 'exited';
  toasts: Toast[];
  /** Bumped to bring the setup card into view; `focus` for the status bar's "how to set one up". */
  setupRequest: { seq: number; focus: boolean };
  setInfo(info: AppInfo): void;
  setStatus(status: AppStatus): void;
  setProvider(p: ProviderInfo): void;
  setConnection(state: ConnectionState): void;
  toggleTerminal(): void;
  showTerminal(): void;
  setTerminalRenderer(renderer: TerminalRenderer): void;
  setTerminalStatus(status: UiState['terminalStatus']): void;
  addToast(text: string): void;
  removeToast(id: number): void;
  showSetup(focus: boolean): void;
}

let toastSeq = 0;

export const useUi = create<UiState>((set) => ({
  info: undefined,
  status: undefined,
  provider: undefined,
  connection: 'open',
  terminalVisible: false,
  terminalRenderer: undefined,
  terminalStatus: 'starting',
  toasts: [],
  setupRequest: { seq: 0, focus: false },
  setInfo: (info) => set({ info }),
  setStatus: (status) => set({ status, provider: { provider: status.provider, problem: status.problem } }),
  setProvider: (provider) => set({ provider }),
  setConnection: (connection) => set({ connection }),
  toggleTerminal: () => set((s) => ({ terminalVisible: !s.terminalVisible })),
  showTerminal: () => set({ terminalVisible: true }),
  setTerminalRenderer: (terminalRenderer) => set({ terminalRenderer }),
  setTerminalStatus: (terminalStatus) => set({ terminalStatus }),
  // Keep the last few: a burst of notify commands must not bury the screen.
  addToast: (text) => set((s) => ({ toasts: [...s.toasts, { id: ++toastSeq, text }].slice(-4) })),
  removeToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  showSetup: (focus) => set((s) => ({ setupRequest: { seq: s.setupRequest.seq + 1, focus } })),
}));
