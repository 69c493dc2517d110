import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppFrameUrl, serveAppRequest } from '../../src/hosts/electron/app-protocol';

let root: string;
let renderer: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-protocol-'));
  renderer = path.join(root, 'renderer');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>aios</title>');
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'SECRET');
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(renderer, 'assets', 'link-out.txt'));
  fs.symlinkSync(root, path.join(renderer, 'dir-out'));
  fs.symlinkSync('/etc/passwd', path.join(renderer, 'passwd'));
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('app:// protocol handler', () => {
  it('serves the UI with the strict CSP', async () => {
    const res = await serveAppRequest(renderer, 'app://aios/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("object-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await (await serveAppRequest(renderer, 'app://aios/assets/app.js')).text()).toBe('console.log(1)');
  });

  it('ignores query strings and fragments when mapping to a file', async () => {
    for (const url of ['app://aios/index.html?x=../../secret.txt', 'app://aios/index.html#../../secret.txt', 'app://aios/?q=%2e%2e']) {
      const res = await serveAppRequest(renderer, url);
      expect(res.status, url).toBe(200);
      expect(await res.text()).toContain('<title>aios</title>');
    }
  });

  // Each of these must be a 404 whose body is not the file outside the renderer.
  const attempts = [
    'app://aios/../secret.txt',
    'app://aios/../../../../etc/passwd',
    'app://aios/%2e%2e/secret.txt',
    'app://aios/%2E%2E/secret.txt',
    'app://aios/assets/%2e%2e/%2e%2e/secret.txt',
    'app://aios/.%2e/secret.txt',
    'app://aios/%2e%2e%2fsecret.txt',
    'app://aios/assets%2f..%2f..%2fsecret.txt',
    'app://aios/%252e%252e/secret.txt',
    'app://aios/..%5csecret.txt',
    'app://aios/assets\\..\\..\\secret.txt',
    'app://aios//etc/passwd',
    'app://aios/%2fetc%2fpasswd',
    'app://aios/%2Fetc%2Fpasswd',
    `app://aios/${encodeURIComponent(path.join(os.tmpdir(), 'x', '..', 'etc'))}`,
    'app://aios/index.html%00.js',
    'app://aios/%',
    'app://aios/assets/link-out.txt',
    'app://aios/dir-out/secret.txt',
    'app://aios/passwd',
    'app://aios/assets',
    'app://aios/missing.html',
    'app://other/index.html',
    'app://aios.evil.example/index.html',
    'app://aios:8080/index.html',
    'file:///etc/passwd',
    'https://aios/index.html',
  ];

  it.each(attempts)('refuses %s', async (url) => {
    const res = await serveAppRequest(renderer, url);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain('SECRET');
    expect(body).not.toContain('root:');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

it('refuses an absolute path to a real file outside the renderer', async () => {
  const res = await serveAppRequest(renderer, `app://aios/${encodeURIComponent(path.join(root, 'secret.txt'))}`);
  expect(res.status).toBe(404);
  expect(await res.text()).not.toContain('SECRET');
});

describe('isAppFrameUrl', () => {
  it.each([
    ['app://aios/index.html', true],
    ['app://aios/', true],
    ['app://aios.evil/index.html', false],
    ['app://other/', false],
    ['https://aios/', false],
    ['file:///index.html', false],
    ['not a url', false],
    ['', false],
  ])('%s → %s', (url, expected) => {
    expect(isAppFrameUrl(url)).toBe(expected);
  });
});
