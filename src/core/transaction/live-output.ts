import type { SecretSet } from '../environment/redact';
import { OUTPUT_MAX } from './engine';

type Stream = 'stdout' | 'stderr';

/**
 * A transaction's output as it comes: each piece redacted (a secret split
 * across two pieces is held back until the next shows whether it is one),
 * passed on at once, and kept for the result, up to the same limit per
 * stream as the run's own output files; past it, one line says so.
 */
export function liveOutput(secrets: SecretSet | undefined, onOutput: (data: string, stream: Stream) => void) {
  const kept: Record<Stream, string> = { stdout: '', stderr: '' };
  const full: Record<Stream, boolean> = { stdout: false, stderr: false };
  const redactors = secrets ? { stdout: secrets.stream(), stderr: secrets.stream() } : null;
  const take = (text: string, stream: Stream) => {
    if (!text || full[stream]) return;
    const room = OUTPUT_MAX - kept[stream].length;
    const part = text.slice(0, room);
    if (part) {
      kept[stream] += part;
      onOutput(part, stream);
    }
    if (text.length > room) {
      full[stream] = true;
      const note = `\n[aios] ${stream} past ${OUTPUT_MAX} characters is not kept\n`;
      kept[stream] += note;
      onOutput(note, stream);
    }
  };
  return {
    push: (chunk: string, stream: Stream): void => take(redactors ? redactors[stream].push(chunk) : chunk, stream),
    /** Releases what a redactor held back; the whole of each stream, as shown. */
    end: (): Record<Stream, string> => {
      if (redactors) for (const s of ['stdout', 'stderr'] as const) take(redactors[s].end(), s);
      return kept;
    },
  };
}
