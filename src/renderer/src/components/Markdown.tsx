import { memo, type ComponentProps } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import { markdownBlocks } from '../chat/markdown-blocks';
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
// Sanitise first (the default schema keeps `language-*` on code), then
// highlight: highlighting only adds spans and classes built from text.
const rehypePlugins = [rehypeSanitize, [rehypeHighlight, { detect: false }]] as ComponentProps<typeof ReactMarkdown>['rehypePlugins'];

const Block = memo(function Block({ text }: { text: string }) {
  return (
    <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
      {text}
    </ReactMarkdown>
  );
});

/**
 * GitHub-flavoured Markdown from the model, sanitised; no raw HTML passes.
 * Parsed per block, so a streaming answer re-parses only its last block.
 */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const blocks = markdownBlocks(text);
  return (
    <div className="markdown">
      {blocks.map((b, i) => (
        <Block key={i} text={b} />
      ))}
    </div>
  );
});
