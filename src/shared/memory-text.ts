/** What every host says when a memory search finds nothing: the CLI, the TTY's /memory and the web chat. */
export function noMemoryMatches(query: string): string {
  return `No memory matches “${query}”.`;
}
