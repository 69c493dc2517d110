/** `?bench=1` only: what a render benchmark reads. */
import { useChat } from './chat/chat-store';

export interface ChatStats {
  messages: number;
  streaming: boolean;
}

declare global {
  interface Window {
    __aiosChatStats?: ChatStats;
  }
}

export function installBenchHooks(search: string): void {
  if (new URLSearchParams(search).get('bench') !== '1') return;
  const update = () => {
    const s = useChat.getState();
    window.__aiosChatStats = { messages: s.rows.length, streaming: s.streamingId !== null || s.busy !== null };
  };
  update();
  useChat.subscribe(update);
}
