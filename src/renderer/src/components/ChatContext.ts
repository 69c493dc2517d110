import { createContext, useContext } from 'react';
import type { ChatController } from '../chat/controller';

export const ChatContext = createContext<ChatController | null>(null);

export function useChatController(): ChatController {
  const c = useContext(ChatContext);
  if (!c) throw new Error('ChatContext is missing: render inside <ChatContext value={controller}>');
  return c;
}
