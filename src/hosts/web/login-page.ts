import fs from 'node:fs';
import path from 'node:path';

/**
 * A page that sends the browser to the one-time login URL. A kiosk opens
 * this file instead of the URL, so the ticket is never on a command line
 * (`/proc/<pid>/cmdline` is readable by every process). Mode 0600.
 */
export function writeLoginPage(file: string, loginUrl: string): void {
  const href = loginUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const html = `<!doctype html>
<meta charset="utf-8">
<meta http-equiv="refresh" content="0; url=${href}">
<title>aios</title>
<p>Opening aios… <a href="${href}">continue</a></p>
`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, html, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
