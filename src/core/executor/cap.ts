/**
 * Keeps the head and the tail of a long text, which is where a command's
 * errors and results are, with a marker saying how much was left out.
 */
export function capHeadTail(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  const marker = (n: number) => `\n… [${n} characters omitted] …\n`;
  const room = Math.max(0, max - marker(text.length).length);
  const head = Math.ceil(room * 0.4);
  const tail = room - head;
  const omitted = text.length - head - tail;
  return { text: `${text.slice(0, head)}${marker(omitted)}${tail > 0 ? text.slice(text.length - tail) : ''}`, truncated: true };
}
