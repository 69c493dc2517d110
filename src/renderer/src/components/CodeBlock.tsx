import { useEffect, useState, type ComponentProps } from 'react';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain http, or permission denied): the old way.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'offscreen';
    document.body.appendChild(area);
    area.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    } finally {
      area.remove();
    }
  }
}

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
      <button type="button" className="copy-code" aria-label="Copy code" onClick={() => void copyText(text.replace(/\n$/, '')).then((ok) => setState(ok ? 'copied' : 'failed'))}>
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
      </button>
    </div>
  );
}
