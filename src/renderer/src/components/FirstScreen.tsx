import { useChat } from '../chat/chat-store';
import { useUi } from '../store';
import { useChatController } from './ChatContext';

/** Things a person can ask of this machine right away, each a real task aios handles. */
export const EXAMPLE_PROMPTS = ['what is using disk space?', 'install htop', 'what did I install yesterday?'] as const;

/**
 * The empty first screen: what aios is for, in three examples one click
 * sends. Gone as soon as the conversation has anything in it.
 */
export function FirstScreen() {
  const chat = useChatController();
  const empty = useChat((s) => s.rows.length === 0 && s.busy === null);
  const hasProvider = useUi((s) => typeof s.provider?.provider === 'string');
  if (!empty || !hasProvider) return null;
  return (
    <section className="first-screen" data-testid="first-screen" aria-label="Examples">
      <p className="first-screen-lead">For example:</p>
      <ul className="example-prompts">
        {EXAMPLE_PROMPTS.map((p) => (
          <li key={p}>
            <button type="button" data-testid="example-prompt" onClick={() => chat.submit(p)}>
              {p}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
