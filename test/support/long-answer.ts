/** Prose in paragraphs of 150-400 characters, with a list and a code block now and then: a model's long answer. */
export function longAnswer(bytes: number): string {
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const p =
      i % 17 === 0
        ? '```sh\nsystemctl status sshd\n```'
        : i % 11 === 0
          ? '- one **item**\n- two'
          : `Paragraph ${i} ${'the service restarted '.repeat(7 + (i % 12))}`;
    out.push(p);
    size += p.length + 2;
  }
  return out.join('\n\n');
}
