import { useState } from 'react';

/** Lines of a tool call's arguments shown before "Show all". */
export const ARGUMENT_PREVIEW_LINES = 8;

import { visibleText } from '../../../shared/visible-text';

/** A tool call's arguments as pretty JSON, cut to a few lines until the person asks for all of them. */
export function ToolArguments({ pretty, testId }: { pretty: string; testId: string }) {
  const [all, setAll] = useState(false);
  const lines = pretty.split('\n');
  const long = lines.length > ARGUMENT_PREVIEW_LINES;
  const shown = all || !long ? pretty : `${lines.slice(0, ARGUMENT_PREVIEW_LINES).join('\n')}\n…`;
  return (
    <div className="tool-arguments">
      <pre data-testid={testId} data-expanded={all || !long ? 'true' : 'false'} tabIndex={0}>
        {visibleText(shown)}
      </pre>
      {long && (
        <button type="button" className="link-button" data-testid={`${testId}-toggle`} onClick={() => setAll((v) => !v)}>
          {all ? 'Show less' : `Show all ${lines.length} lines`}
        </button>
      )}
    </div>
  );
}
