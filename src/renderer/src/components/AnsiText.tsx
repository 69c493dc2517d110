import { memo, useMemo } from 'react';
import { ansiRuns, lineBlocks } from '../chat/ansi';

const Block = memo(function Block({ text }: { text: string }) {
  const runs = useMemo(() => ansiRuns(text), [text]);
  return (
    <>
      {runs.map((r, i) =>
        r.className || r.color || r.background ? (
          <span
            key={i}
            className={r.className}
            style={r.color || r.background ? { color: r.color, backgroundColor: r.background } : undefined}
          >
            {r.text}
          </span>
        ) : (
          r.text
        ),
      )}
    </>
  );
});

/** Output with ANSI colours as spans; only the block that grew is parsed again. */
export const AnsiText = memo(function AnsiText({ text, className }: { text: string; className?: string }) {
  const blocks = lineBlocks(text);
  return (
    <span className={className}>
      {blocks.map((b, i) => (
        <Block key={i} text={b} />
      ))}
    </span>
  );
});
