/**
 * Splits Markdown at blank lines outside fenced code, so a long answer is
 * parsed block by block: while it streams only the last block changes, and
 * the blocks before it keep their rendering.
 */
export function markdownBlocks(text: string): string[] {
  const blocks: string[] = [];
  let fence: { char: string; length: number } | null = null;
  let start = 0;
  let pos = 0;
  let sawContent = false;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl + 1;
    const line = text.slice(pos, nl === -1 ? text.length : nl);
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (marker && marker[1]![0] === fence.char && marker[1]!.length >= fence.length && line.trim() === marker[1]) fence = null;
    } else if (marker) {
      fence = { char: marker[1]![0]!, length: marker[1]!.length };
    }
    const blank = line.trim() === '';
    if (!fence && blank && sawContent && nl !== -1) {
      blocks.push(text.slice(start, end));
      start = end;
      sawContent = false;
    } else if (!fence && blank && !sawContent && start === pos && blocks.length > 0 && nl !== -1) {
      // More blank lines: they belong to the block before them.
      blocks[blocks.length - 1] += text.slice(pos, end);
      start = end;
    } else if (!blank) {
      sawContent = true;
    }
    pos = end;
  }
  if (start < text.length) {
    // Trailing blank lines belong to the block before them.
    const rest = text.slice(start);
    if (rest.trim() === '' && blocks.length > 0) blocks[blocks.length - 1] += rest;
    else blocks.push(rest);
  }
  return blocks;
}
