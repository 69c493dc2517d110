// Scans the built main and preload bundles for settings that would undo the
// Electron security model, in source or minified spelling. Exits non-zero,
// naming file, line and setting, when one is found.
//   node scripts/check-bundles.mjs [--out DIR]   (default: ./out)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const TRUE = String.raw`(?:true|!0|1(?![\d.]))`;
const FALSE = String.raw`(?:false|!1|0(?![\d.]))`;
// `key: value`, `"key": value`, `obj.key = value`; not `==`/`===` comparisons.
const setting = (key, value) => new RegExp(String.raw`["'\x60]?\b${key}\b["'\x60]?\s*(?:\]\s*)?(?::|=(?!=))\s*${value}`, 'g');

export const FORBIDDEN = [
  { name: 'nodeIntegration: true', why: 'gives the renderer Node', re: setting('nodeIntegration(?:InWorker|InSubFrames)?', TRUE) },
  { name: 'contextIsolation: false', why: 'lets the page reach the preload', re: setting('contextIsolation', FALSE) },
  { name: 'sandbox: false', why: 'runs the renderer unsandboxed', re: setting('sandbox', FALSE) },
  { name: 'webSecurity: false', why: 'turns off the same-origin policy', re: setting('webSecurity', FALSE) },
  { name: 'webviewTag: true', why: 'allows <webview>', re: setting('webviewTag', TRUE) },
  { name: 'allowRunningInsecureContent: true', why: 'allows http content in the UI', re: setting('allowRunningInsecureContent', TRUE) },
  { name: 'experimentalFeatures: true', why: 'enables experimental web features', re: setting('experimentalFeatures', TRUE) },
  { name: 'enableRemoteModule', why: 'the remote module exposes the main process', re: /\benableRemoteModule\b/g },
  { name: 'enableBlinkFeatures', why: 'enables Blink features by hand', re: /\benableBlinkFeatures\b/g },
  { name: '--no-sandbox', why: 'turns off the Chromium sandbox', re: /["'\x60](?:--)?no-sandbox["'\x60]/g },
  { name: 'disable-web-security', why: 'turns off the same-origin policy', re: /\bdisable-web-security\b/g },
  { name: 'ELECTRON_DISABLE_SECURITY_WARNINGS', why: 'hides Electron security warnings', re: /\bELECTRON_DISABLE_SECURITY_WARNINGS\b/g },
];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(p);
    else if (/\.(?:c|m)?js$/.test(entry.name)) yield p;
  }
}

export function checkBundles(outDir) {
  const problems = [];
  const missing = ['main', 'preload'].filter((d) => !existsSync(join(outDir, d)) || !statSync(join(outDir, d)).isDirectory());
  if (missing.length > 0) return { problems, missing: missing.map((d) => join(outDir, d)), scanned: 0 };
  let scanned = 0;
  for (const sub of ['main', 'preload']) {
    for (const file of files(join(outDir, sub))) {
      scanned++;
      const text = readFileSync(file, 'utf8');
      for (const rule of FORBIDDEN) {
        for (const m of text.matchAll(rule.re)) {
          const line = text.slice(0, m.index).split('\n').length;
          problems.push({ file, line, setting: rule.name, why: rule.why, found: m[0] });
        }
      }
    }
  }
  return { problems, missing: [], scanned };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--out');
  const outDir = i > 0 && process.argv[i + 1] ? process.argv[i + 1] : join(import.meta.dirname, '..', 'out');
  const { problems, missing, scanned } = checkBundles(outDir);
  if (missing.length > 0) {
    process.stderr.write(`check-bundles: ${missing.join(' and ')} not found; build first (npx electron-vite build).\n`);
    process.exit(2);
  }
  for (const p of problems) {
    process.stderr.write(
      `check-bundles: ${relative(process.cwd(), p.file)}:${p.line}: forbidden setting ${p.setting} (${p.why}): ${p.found}\n`,
    );
  }
  if (problems.length > 0) process.exit(1);
  process.stdout.write(
    `check-bundles: ${scanned} bundle file(s) in ${relative(process.cwd(), outDir) || '.'}/{main,preload} hold no forbidden setting.\n`,
  );
}
