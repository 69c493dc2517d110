import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Language, Parser, type Tree } from 'web-tree-sitter';

/**
 * The bash grammar (tree-sitter-bash) running in web-tree-sitter. Both wasm
 * files come from node_modules, resolved with createRequire so the paths stay
 * right when this module is bundled into `out/main/*.js`; nothing is fetched.
 */
export class ParserLoadError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ParserLoadError';
  }
}

export interface BashParser {
  /** Parses one script. The caller must `delete()` the tree. */
  parse(text: string): Tree;
  /** Milliseconds the first load took (wasm init + grammar), for the benchmark. */
  readonly loadMs: number;
}

let loading: Promise<BashParser> | undefined;

async function load(): Promise<BashParser> {
  const started = performance.now();
  const require = createRequire(import.meta.url);
  let runtimeWasm: string;
  let grammarWasm: string;
  try {
    runtimeWasm = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
    grammarWasm = require.resolve('tree-sitter-bash/tree-sitter-bash.wasm');
  } catch (err) {
    throw new ParserLoadError('cannot find the bash grammar: web-tree-sitter and tree-sitter-bash must be installed in node_modules', err);
  }
  try {
    await Parser.init({
      locateFile: () => runtimeWasm,
      // Handing over the bytes keeps emscripten from trying fetch() on a path.
      wasmBinary: fs.readFileSync(runtimeWasm),
    });
    const language = await Language.load(fs.readFileSync(grammarWasm));
    const parser = new Parser();
    parser.setLanguage(language);
    const loadMs = performance.now() - started;
    return {
      loadMs,
      parse(text: string): Tree {
        const tree = parser.parse(text);
        if (!tree) throw new Error('the bash parser returned no tree');
        return tree;
      },
    };
  } catch (err) {
    throw new ParserLoadError(`cannot load the bash grammar (${runtimeWasm}, ${grammarWasm}): ${(err as Error).message}`, err);
  }
}

/** The shared parser; the wasm is loaded once per process whatever the number of engines. */
export function getBashParser(): Promise<BashParser> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
