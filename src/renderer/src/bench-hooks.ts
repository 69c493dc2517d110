/** `?bench=1` only: what a render benchmark reads. */
import { useChat } from './chat/chat-store';

export interface ChatStats {
  messages: number;
  streaming: boolean;
  /** Characters of the newest row's text (a streamed answer's length so far). */
  lastChars: number;
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
    const last = s.rows[s.rows.length - 1];
    window.__aiosChatStats = {
      messages: s.rows.length,
      streaming: s.streamingId !== null || s.busy !== null,
      lastChars: last?.kind === 'message' ? last.text.length : 0,
    };
  };
  update();
  useChat.subscribe(update);
}
