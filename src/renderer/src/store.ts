import { create } from 'zustand';
import type { AppInfo } from '../../shared/contract';
import type { ConnectionState } from './bridge/websocket-bridge';

export type TerminalRenderer = 'webgl' | 'dom';

export interface UiState {
  info: AppInfo | undefined;
  connection: ConnectionState;
  terminalVisible: boolean;
  terminalRenderer: TerminalRenderer | undefined;
  terminalStatus: 'starting' | 'running' | 'exited';
  setInfo(info: AppInfo): void;
  setConnection(state: ConnectionState): void;
  toggleTerminal(): void;
  setTerminalRenderer(renderer: TerminalRenderer): void;
  setTerminalStatus(status: UiState['terminalStatus']): void;
}

export const useUi = create<UiState>((set) => ({
  info: undefined,
  connection: 'open',
  terminalVisible: false,
  terminalRenderer: undefined,
  terminalStatus: 'starting',
  setInfo: (info) => set({ info }),
  setConnection: (connection) => set({ connection }),
  toggleTerminal: () => set((s) => ({ terminalVisible: !s.terminalVisible })),
  setTerminalRenderer: (terminalRenderer) => set({ terminalRenderer }),
  setTerminalStatus: (terminalStatus) => set({ terminalStatus }),
}));
