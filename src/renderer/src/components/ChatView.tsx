import { Composer } from './Composer';
import { ErrorBanner } from './ErrorBanner';
import { MessageList } from './MessageList';
import { SetupCard } from './SetupCard';

/** The default screen: the conversation, and the input under it. */
export function ChatView() {
  return (
    <main className="chat" aria-label="Conversation">
      <SetupCard />
      <MessageList />
      <ErrorBanner />
      <Composer />
    </main>
  );
}
