import { memo, useEffect, useRef, useState, type ComponentProps, type ReactElement } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import { VIEW_STEP } from '../chat/fold-view';
import { frameScheduler } from '../chat/frame-scheduler';
import { MessageView } from '../chat/message-view';
import type { TextLike } from '../chat/stream-text';
import { CodeBlock } from './CodeBlock';

interface HastLike {
  type: string;
  value?: string;
  children?: HastLike[];
}

function textOf(node: HastLike | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.value ?? '';
  return (node.children ?? []).map(textOf).join('');
}

function Link({ node: _node, href, children, ...rest }: ComponentProps<'a'> & { node?: unknown }) {
  // New windows are the host's business (Electron's main process guards them).
  return (
    <a {...rest} href={href} target="_blank" rel="noreferrer noopener">
      {children}
    </a>
  );
}

function Pre({ node, children, ...rest }: ComponentProps<'pre'> & { node?: HastLike }) {
  return (
    <CodeBlock text={textOf(node)} {...rest}>
      {children}
    </CodeBlock>
  );
}

const components: Components = { a: Link, pre: Pre };
const remarkPlugins = [remarkGfm];
// One highlighter for every block: rehype-highlight registers all its
// languages each time it is attached, and each block is its own processor.
const highlight = rehypeHighlight({ detect: false });
const sharedHighlight = () => highlight;
// Sanitise first (the default schema keeps `language-*` on code), then
// highlight: highlighting only adds spans and classes built from text.
const rehypePlugins = [rehypeSanitize, sharedHighlight] as ComponentProps<typeof ReactMarkdown>['rehypePlugins'];

/** What an answer is likely to hold (about 2 KB): the parser's and highlighter's code paths for it are compiled by the warm-up. */
const WARM_UP = [
  '# Heading',
  'Some *emphasis*, **bold**, `code` and a [link](https://example.org).',
  '- one\n- two\n\n1. first\n2. second',
  '> quoted',
  '```sh\nsystemctl status sshd\n```',
  '| a | b |\n| - | - |\n| 1 | 2 |',
  'The service restarted after the package update and the log shows no error in the kernel or network. '.repeat(12),
].join('\n\n');
/** Parses of the sample: V8 optimises the parser's hot functions after a few runs, not after one. */
const WARM_UP_ROUNDS = 8;

/**
 * Parses a sample a few times, one parse per idle moment of the page: the
 * first Markdown a page parses otherwise runs the parser cold, at several
 * times its warm cost, in the first frames of the first answer. The results
 * are thrown away.
 */
export function warmMarkdownWhenIdle(rounds = WARM_UP_ROUNDS): void {
  if (rounds <= 0) return;
  requestIdleCallback(
    () => {
      ReactMarkdown({ children: WARM_UP, remarkPlugins, rehypePlugins, components });
      warmMarkdownWhenIdle(rounds - 1);
    },
    { timeout: 5_000 },
  );
}

/** A block's Markdown parsed into React elements, outside React's render (the parse budget times it). */
function parseBlock(text: string): ReactElement {
  return ReactMarkdown({ children: text, remarkPlugins, rehypePlugins, components });
}

/** A block the parse budget already parsed: rendered again only when it is a new block. */
const Parsed = memo(function Parsed({ tree }: { tree: ReactElement }) {
  return tree;
});

const Block = memo(function Block({ text }: { text: string }) {
  return (
    <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
      {text}
    </ReactMarkdown>
  );
});

/** `cb` in the first frame at least `ms` from now; returns a cancel. */
function afterDelay(ms: number, cb: () => void): () => void {
  if (ms <= 0) return frameScheduler.request(cb);
  let cancelFrame: (() => void) | undefined;
  const timer = setTimeout(() => (cancelFrame = frameScheduler.request(cb)), ms);
  return () => {
    clearTimeout(timer);
    cancelFrame?.();
  };
}

/** Idle time a held block's parse may start in (ms): a block of IDLE_PARSE_MAX characters takes about 4 ms warm. */
const IDLE_PARSE_MIN_MS = 6;
/**
 * Parsing per idle callback (ms): an idle period with no frame due can last
 * 50 ms, and text that arrives meanwhile waits for the callback to end.
 */
const IDLE_PARSE_SLICE_MS = 4;

/**
 * Parses `view`'s held blocks in the page's idle time, one while enough of
 * the idle period and of the slice is left, and asks for a render after
 * each idle period that parsed some; it stops when none is held (`ended`).
 * Returns a cancel.
 */
function parseHeldWhenIdle(view: MessageView<ReactElement>, parsed: () => void, ended: () => void): () => void {
  let handle = 0;
  const run = (deadline: IdleDeadline) => {
    let any = false;
    const until = performance.now() + IDLE_PARSE_SLICE_MS;
    while (deadline.timeRemaining() >= IDLE_PARSE_MIN_MS && performance.now() < until && view.parseHeld()) any = true;
    if (any) parsed();
    if (view.hasHeld) handle = requestIdleCallback(run);
    else ended();
  };
  handle = requestIdleCallback(run);
  return () => cancelIdleCallback(handle);
}

function kb(chars: number): string {
  return chars >= 1_000_000 ? `${(chars / 1_000_000).toFixed(1)} MB` : `${Math.max(1, Math.round(chars / 1000))} KB`;
}

/** Says how much of a message is not on the page, and offers it. */
export function FoldBar({
  hiddenChars,
  onMore,
  onAll,
  busy,
}: {
  hiddenChars: number;
  onMore?: () => void;
  onAll: () => void;
  busy?: boolean;
}) {
  return (
    <div className="message-fold" data-testid="message-fold" role="group" aria-label="Part of this message is folded">
      <span>… {kb(hiddenChars)} of this message not shown …</span>
      {onMore && (
        <button type="button" onClick={onMore} disabled={busy}>
          Show {kb(Math.min(hiddenChars, VIEW_STEP))} more
        </button>
      )}
      <button type="button" onClick={onAll} disabled={busy}>
        {busy ? 'Loading…' : 'Show all'}
      </button>
    </div>
  );
}

/**
 * GitHub-flavoured Markdown from the model, sanitised; no raw HTML passes.
 * Parsed per block, and a long text folded to its head and tail, so a
 * streaming answer re-parses only its last block and the page holds a
 * bounded part of it whatever its length.
 */
export const Markdown = memo(function Markdown({ text, streaming = false }: { text: TextLike; streaming?: boolean }) {
  // One view per message: fed the text as it grows, it reads only what is new.
  // A message seen streaming parses its Markdown within a budget per frame; one shown whole (restored, short) at once.
  const [view] = useState(() => new MessageView(streaming, () => performance.now(), parseBlock));
  const [revealed, setRevealed] = useState(0);
  const [all, setAll] = useState(false);
  const [, nextFrame] = useState(0);
  const { segments, parsed, waiting, wakeInMs } = view.render(text, { revealed, all, streaming });
  // Blocks still plain: render again when the first is due (new text renders sooner, and this wait starts over).
  useEffect(() => (waiting ? afterDelay(wakeInMs, () => nextFrame((n) => n + 1)) : undefined));
  // Blocks held back while the message streams fast: parsed in idle time, by one loop at a time that outlives the renders.
  const idle = useRef<(() => void) | null>(null);
  useEffect(() => {
    if (view.hasHeld && !idle.current)
      idle.current = parseHeldWhenIdle(
        view,
        () => nextFrame((n) => n + 1),
        () => (idle.current = null),
      );
  });
  useEffect(
    () => () => {
      idle.current?.();
      idle.current = null;
    },
    [],
  );
  return (
    <div className="markdown">
      {segments.map((s) =>
        s.kind === 'markdown' ? (
          parsed?.has(s.key) ? (
            <Parsed key={s.key} tree={parsed.get(s.key)!} />
          ) : (
            <Block key={s.key} text={s.text} />
          )
        ) : s.kind === 'plain' ? (
          <p key={s.key} className="plain-block">
            {s.text}
          </p>
        ) : (
          <FoldBar key={s.key} hiddenChars={s.hiddenChars} onMore={() => setRevealed((r) => r + VIEW_STEP)} onAll={() => setAll(true)} />
        ),
      )}
    </div>
  );
});
