/** What the message says about an attachment, so the model knows where it is and how to read it. */
export function attachmentNote(a: { path: string; lines: number; bytes: number }): string {
  const kb = Math.max(1, Math.round(a.bytes / 1024));
  return `[attached: ${a.path} (${a.lines} lines, ${kb} KB); read it with commands such as head, grep or sed -n]`;
}
