import { useEffect, useState, type ComponentProps } from 'react';
import { copyText } from '../copy-text';

/** A fenced code block with a copy button and a visible "Copied" state. */
export function CodeBlock({ text, children, ...rest }: ComponentProps<'pre'> & { text: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <div className="code-block">
      <pre {...rest}>{children}</pre>
      <button
        type="button"
        className="copy-code"
        aria-label="Copy code"
        onClick={() => void copyText(text.replace(/\n$/, '')).then((ok) => setState(ok ? 'copied' : 'failed'))}
      >
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
      </button>
    </div>
  );
}
