import { z } from 'zod';
import { visibleText } from './visible-text';

/**
 * What a preview saw a command do in a throwaway copy-on-write view of the
 * filesystem. Shown next to an approval and given to the model.
 */
export const PreviewChangeSchema = z.object({
  /** Absolute path on the real system. */
  path: z.string(),
  /** As a person reads it: relative to the command's cwd when inside it ("./build/a"), else absolute. */
  display: z.string(),
  kind: z.enum(['added', 'changed', 'deleted', 'mode']),
  type: z.enum(['file', 'dir', 'symlink', 'other']),
  /** Bytes after the command (added, changed, mode) or before it (deleted). */
  size: z.number().int(),
  oldSize: z.number().int().optional(),
  /** Octal modes, for a mode change ("644" → "755"). */
  oldMode: z.string().optional(),
  newMode: z.string().optional(),
  /** Unified diff, for small text files that changed. */
  diff: z.string().optional(),
  added: z.number().int().optional(),
  removed: z.number().int().optional(),
});
export type PreviewChange = z.infer<typeof PreviewChangeSchema>;

export const PreviewSchema = z.object({
  /** False when no preview could run; `limits` says why. */
  ran: z.boolean(),
  /** One line per group of changes: "would delete 3 files (12 B) in ./build". */
  lines: z.array(z.string()),
  /** What the preview could not see, said plainly. Empty means nothing known is missing. */
  limits: z.array(z.string()),
  /** Every change seen (up to a cap; `omitted` counts the rest). */
  changes: z.array(PreviewChangeSchema),
  omitted: z.number().int(),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  durationMs: z.number(),
});
export type Preview = z.infer<typeof PreviewSchema>;

/** The preview as plain text: summary lines, then limits; with `full`, every change listed (TTY, native dialog, the model). */
export function previewText(p: Preview, opts: { full?: boolean; maxList?: number } = {}): string {
  // File names and a failed preview's stderr come from the command: shown, never obeyed.
  const out = [...p.lines.map((l) => `  ${visibleText(l)}`), ...p.limits.map((l) => `  ⚠ ${visibleText(l)}`)];
  if (opts.full && p.changes.length > 0) {
    const max = opts.maxList ?? 50;
    for (const c of p.changes.slice(0, max)) {
      const detail = c.kind === 'mode' ? ` ${c.oldMode} → ${c.newMode}` : c.added !== undefined ? ` +${c.added} −${c.removed ?? 0}` : '';
      out.push(
        `    ${c.kind.padEnd(7)} ${visibleText(c.display, { tabs: false, newlines: false })}${c.type === 'dir' ? '/' : ''}${detail}`,
      );
    }
    const rest = p.changes.length - max + p.omitted;
    if (rest > 0) out.push(`    … ${rest} more`);
  }
  return out.join('\n');
}
