import { SLASH_COMMANDS } from '../../../shared/slash';

export interface SlashItem {
  usage: string;
  name: string;
  does: string;
}

/** The slash commands the graphical chat offers whose name starts with what is typed after `/` (nothing once a space follows). */
export function slashMatches(text: string): SlashItem[] {
  const m = /^\/(\S*)$/.exec(text);
  if (!m) return [];
  const typed = m[1]!.toLowerCase();
  return SLASH_COMMANDS.filter(
    (c) => c.hosts.includes('gui') && (c.name.startsWith(typed) || c.aliases.some((a) => a.startsWith(typed))),
  ).map((c) => ({
    usage: c.usage,
    name: c.name,
    does: typeof c.does === 'string' ? c.does : c.does.gui,
  }));
}

/** The `/` popup above the input: the commands that match, one highlighted; Tab or a click takes it. */
export function SlashPopup({ items, active, onPick }: { items: SlashItem[]; active: number; onPick(item: SlashItem): void }) {
  if (items.length === 0) return null;
  return (
    <ul className="slash-popup" role="listbox" aria-label="Commands" data-testid="slash-popup" id="slash-popup">
      {items.map((item, i) => (
        <li
          key={item.name}
          id={`slash-${item.name}`}
          role="option"
          aria-selected={i === active}
          className={i === active ? 'active' : undefined}
          onMouseDown={(e) => {
            // Keep the focus in the input.
            e.preventDefault();
            onPick(item);
          }}
        >
          <code>{item.usage}</code> <span className="slash-does">{item.does}</span>
        </li>
      ))}
    </ul>
  );
}
