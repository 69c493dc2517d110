// Loads web-tree-sitter and the bash grammar the plain way, parses N short
// command lines, and ends: the "bare script", used by the exit
// benchmark and the parser-exit test as the control. Plain JavaScript (no tsx)
// so the measured process holds nothing but Node and the grammar.
//
//   node test/support/parse-lines.mjs N [V8FLAG…]
//
// V8 flags given after N are set with v8.setFlagsFromString before the wasm
// is compiled, as src/core/policy/shell/parser.ts does.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { Language, Parser } from 'web-tree-sitter';

const [count = '10', ...flags] = process.argv.slice(2);
for (const flag of flags) v8.setFlagsFromString(flag);
const require = createRequire(import.meta.url);
const runtimeWasm = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
await Parser.init({ locateFile: () => runtimeWasm, wasmBinary: fs.readFileSync(runtimeWasm) });
const language = await Language.load(fs.readFileSync(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm')));
const parser = new Parser();
parser.setLanguage(language);
let nodes = 0;
for (let i = 0; i < Number(count); i++) {
  const tree = parser.parse(`ls -la /tmp/dir${i} | grep -v foo && echo "line ${i}" > /tmp/out${i}.txt`);
  if (!tree) throw new Error('no tree');
  nodes += tree.rootNode.descendantCount;
  tree.delete();
}
parser.delete();
process.stdout.write(`${nodes}\n`);
