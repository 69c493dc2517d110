import { Composer } from './Composer';
import { ConfigBanner } from './ConfigBanner';
import { ErrorBanner } from './ErrorBanner';
import { MessageList } from './MessageList';
import { SetupCard } from './SetupCard';

/** The default screen: the conversation, and the input under it. */
export function ChatView() {
  return (
    <main className="chat" aria-label="Conversation">
      <ConfigBanner />
      <SetupCard />
      <MessageList />
      <ErrorBanner />
      <Composer />
    </main>
  );
}
