/**
 * How Debian's Chromium is launched, for the e2e suite and the render
 * benchmark alike (`npx playwright install` cannot download a browser here).
 */
export const CHROMIUM_EXECUTABLE = process.env.AIOS_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
