/**
 * The chat image `aios` as a person gets it: built by nspawn/build-image,
 * loaded by Docker (Debian's dockerd 20.10) and podman from the one archive,
 * pushed by nspawn/publish-image to a real registry on loopback (Debian's
 * docker-registry), pulled by podman under its short name (the alias file of
 * nspawn/install --registry) and by Docker under its full name, then run with
 * `run -it --rm` and the memory folder as a volume in both engines, under their
 * default seccomp profiles. Every daemon, store and folder is the test's own
 * and removed afterwards; the machine's /etc/containers is never read for the
 * alias nor written.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, repoRoot } from '../support/process';
import { makeTempDir, type TempDir } from '../support/temp';
import { startDocker, startRegistry, type DockerDaemon, type Registry } from './daemons';
import { gate, missingRequirement, nspawnDir } from './helpers';
import { podmanStore, type PodmanStore } from './podman';
import { stopTmux, TmuxConsole } from './tmux-console';

const g = gate(missingRequirement(['podman', 'runc', 'dockerd', 'docker', 'docker-registry', 'skopeo', 'mmdebstrap', 'tmux', 'npm'], true));
const PROMPT = /\[aios\] >/;
// `[y/N]`, or `[y/N/a(lways)]` when the question offers to remember a rule.
const APPROVAL = /Run it\? \[y\/N/;
/** Shared with the booted-machine test: the .debs, checked by apt on each use. */
const DEB_CACHE = '/var/cache/aios-test/debs';
const KIOSK_UID = 1000;
const VERSION = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const LOADED = `localhost/aios:${VERSION}`;
const MEMORY_IN_IMAGE = '/home/ai/.config/syui/ai';

interface ImageConfig {
  User: string;
  Cmd: string[];
  Volumes: Record<string, unknown>;
  WorkingDir: string;
  Labels: Record<string, string>;
}
interface Manifest {
  config: { digest: string };
  layers: Array<{ digest: string; size: number }>;
}

let tmp: TempDir;
let builder: PodmanStore;
let loader: PodmanStore;
let puller: PodmanStore;
let docker: DockerDaemon;
let registry: Registry;
let archive: string;
const tmuxSocket = `aios-images-${process.pid}`;

function note(text: string): void {
  console.log(`test/nspawn/container-images: ${text}`);
}

function script(name: string, args: string[], env: Record<string, string> = process.env as Record<string, string>): { stdout: string; stderr: string } {
  const r = spawnSync(path.join(nspawnDir, name), args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${name} ${args.join(' ')} failed (status ${r.status}):\n${(r.stderr || r.stdout).slice(-4000)}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

function buildChatImage(store: PodmanStore, out: string, tag = `aios:${VERSION}`, more: string[] = []): void {
  script('build-image', ['--image', 'chat', '--cache', DEB_CACHE, '--out', out, '--tag', tag, ...more], store.env);
}

const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
/** The first release's manifest and the update's, as the registry holds them. */
let release: Manifest;
let update: Manifest;
const hexes = (m: Manifest) => m.layers.map((l) => l.digest.replace('sha256:', ''));
/** Of the blobs moved, the layers of these images (not their configs), in order. */
const layersIn = (moved: string[], ...images: Manifest[]) => moved.filter((d) => images.some((m) => hexes(m).includes(d)));

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** A folder for the memory volume, owned by the image's user as a host user's own would be. */
function memoryFolder(name: string): string {
  const dir = tmp.join(name);
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chownSync(dir, KIOSK_UID, KIOSK_UID);
  return dir;
}

/**
 * In a chat started with `run -it`: an auto-allowed command runs, confined
 * or, where the engine's seccomp profile keeps the jail from starting, as
 * notify; a memory is added after approval; Ctrl-D ends the container.
 */
async function chatSession(window: string, command: string[], memory: string, memoryText: string, jail: 'confined' | 'notify'): Promise<string> {
  const panePid = TmuxConsole.start(tmuxSocket, window, command);
  // Ended means exited, not reaped: tmux has been seen to miss the SIGCHLD of a pane's program and keep it a zombie.
  const alive = () => isRunning(panePid);
  const chat = new TmuxConsole(tmuxSocket, window, alive);
  await chat.waitScreen(PROMPT, 120_000);

  let prompts = chat.count(PROMPT);
  chat.type('!uname');
  await chat.waitScreen(PROMPT, 60_000, prompts);
  const unameTurn = chat.screen().slice(chat.screen().lastIndexOf('!uname'));
  if (jail === 'notify') {
    expect(unameTurn).toMatch(/^\$ uname {2}\[notify\] \(auto_allow: "uname"\)$/m);
    expect(unameTurn).toContain('running (notify, auto_allow: "uname"): uname');
  } else {
    expect(unameTurn).toMatch(/^\$ uname {2}\[[^\]]+\] \(auto_allow: "uname"\)$/m);
    expect(unameTurn).not.toMatch(/\[notify\]|running \(notify/);
  }
  expect(unameTurn).toMatch(/^Linux$/m);
  expect(unameTurn).toMatch(/\[exit 0 /);

  const line = `!aios memory add "${memoryText}"`;
  const asks = chat.count(APPROVAL);
  chat.type(line);
  await chat.waitScreen(APPROVAL, 30_000, asks);
  prompts = chat.count(PROMPT);
  chat.type('y');
  await chat.waitScreen(PROMPT, 60_000, prompts);
  expect(chat.screen().slice(chat.screen().lastIndexOf(line))).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/m);

  chat.key('C-d');
  // The chat ends at once; the engine's --rm clean-up of the container can take a while on a loaded machine.
  const end = Date.now() + 150_000;
  while (alive() && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  expect(alive(), `Ctrl-D did not end the container; its console:\n${chat.screen().trimEnd().split('\n').slice(-20).join('\n')}`).toBe(false);

  const db = new Database(path.join(memory, 'gpt/memory.db'), { readonly: true });
  try {
    expect(db.prepare('SELECT content FROM memories').pluck().all()).toEqual([memoryText]);
  } finally {
    db.close();
  }
  for (const name of fs.readdirSync(path.join(memory, 'gpt'))) expect(fs.statSync(path.join(memory, 'gpt', name)).uid).toBe(KIOSK_UID);
  return chat.screen();
}

describe.skipIf(g.skip)('the chat image aios: docker load and podman load, a loopback registry, pull by short name, run -it in both engines', () => {
  beforeAll(async () => {
    g.check();
    for (const f of ['out/main/cli.js', 'node_modules/node/bin/node']) {
      if (!fs.existsSync(path.join(repoRoot, f))) throw new Error(`${f} is missing: run npm ci && npm run build first (the image copies the built app)`);
    }
    tmp = makeTempDir('aios-images-');
    fs.chmodSync(tmp.path, 0o755);
    builder = podmanStore(tmp.join('build-store'));
    loader = podmanStore(tmp.join('load-store'));
    puller = podmanStore(tmp.join('pull-store'), { CONTAINERS_REGISTRIES_CONF: tmp.join('registries.conf') });
    archive = tmp.join('aios-image.tar');
    buildChatImage(builder, archive);
    registry = await startRegistry(tmp.join('registry'));
    docker = await startDocker(tmp.join('docker'));
  }, 1_200_000);

  afterAll(async () => {
    if (g.skip) return;
    stopTmux(tmuxSocket);
    await docker?.stop();
    await registry?.stop();
    for (const store of [builder, loader, puller]) await store?.destroy();
    // Each stop() and destroy() removed its daemon's or store's folder.
    const left = ['docker', 'registry', 'build-store', 'load-store', 'pull-store', 'rebuild-store'].filter((d) => tmp && fs.existsSync(tmp.join(d)));
    tmp?.cleanup();
    expect(left).toEqual([]);
  }, 300_000);

  it('is one docker-archive that docker load and podman load accept, with USER ai, aios chat, the memory volume and the labels, in three layers', async () => {
    const entries = execFileSync('tar', ['-tvf', archive], { encoding: 'utf8' }).split('\n');
    expect(entries.some((e) => e.endsWith(' manifest.json'))).toBe(true);
    const layerSizes = entries.filter((e) => e.startsWith('-') && /[0-9a-f]{64}\.tar$/.test(e)).map((e) => Number(e.split(/\s+/)[2]));
    expect(layerSizes).toHaveLength(3);
    note(`chat image archive ${MB(fs.statSync(archive).size)}; layers (OS, dependencies, app) uncompressed: ${layerSizes.map(MB).join(', ')}`);

    expect((await docker.docker(['load', '--input', archive], 300_000)).stdout).toContain(`Loaded image: ${LOADED}`);
    expect((await loader.podman(['load', '--input', archive], 300_000)).stdout).toContain(`Loaded image: ${LOADED}`);
    const fromDocker = JSON.parse((await docker.docker(['image', 'inspect', LOADED, '--format', '{{json .Config}}'])).stdout) as ImageConfig;
    const fromPodman = JSON.parse((await loader.podman(['image', 'inspect', LOADED, '--format', '{{json .Config}}'])).stdout) as ImageConfig;
    for (const config of [fromDocker, fromPodman]) {
      expect(config).toMatchObject({ User: 'ai', Cmd: ['aios', 'chat'], WorkingDir: '/home/ai', Volumes: { [MEMORY_IN_IMAGE]: {} } });
      expect(config.Labels).toMatchObject({
        'org.opencontainers.image.title': 'aios',
        'org.opencontainers.image.version': VERSION,
        'org.opencontainers.image.source': 'https://github.com/syui/aios',
        'org.opencontainers.image.licenses': 'MIT',
      });
    }
    const layers = JSON.parse((await docker.docker(['image', 'inspect', LOADED, '--format', '{{json .RootFS.Layers}}'])).stdout) as string[];
    expect(layers).toHaveLength(3);
    // No kiosk, browser or VNC in the chat image; the jail's bubblewrap is there.
    const files = (await docker.docker(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', LOADED, '-c', 'ls /usr/bin'])).stdout.split('\n');
    expect(files).toContain('bwrap');
    for (const kiosk of ['cage', 'chromium', 'wayvnc', 'Xwayland', 'sudo']) expect(files).not.toContain(kiosk);
  }, 600_000);

  it('publish-image pushes the version and latest; an update of the app alone keeps the OS and dependency layers, and pushing it uploads only the app layer', async () => {
    const pushed = script('publish-image', ['--registry', registry.address, '--archive', archive, '--insecure']);
    expect(pushed.stderr).toContain(`publish-image: pushed ${registry.address}/aios:${VERSION} and ${registry.address}/aios:latest`);
    expect(((await registry.get('/v2/aios/tags/list')) as { tags: string[] }).tags.sort()).toEqual([VERSION, 'latest'].sort());
    release = (await registry.get(`/v2/aios/manifests/${VERSION}`, MANIFEST_V2)) as Manifest;
    expect(release.layers).toHaveLength(3);
    note(`chat image in the registry (gzip): ${release.layers.map((l) => MB(l.size)).join(', ')}; total ${MB(release.layers.reduce((n, l) => n + l.size, 0))}`);

    // The next version: the same checkout with one change in the built app,
    // built from scratch in a store that has never seen the image.
    const checkout = tmp.join('update-checkout');
    fs.mkdirSync(checkout);
    for (const f of ['bin', 'cfg', 'resources', 'out', 'package.json', 'package-lock.json']) fs.cpSync(path.join(repoRoot, f), path.join(checkout, f), { recursive: true });
    fs.appendFileSync(path.join(checkout, 'out/main/cli.js'), '\n// the next version\n');
    // The checkout's node_modules is a read-only bind mount of ours, not hard links: linking and unlinking change
    // every file's ctime, and a build-rootfs reading node_modules at the same time (the booted-machine test) fails
    // with "file changed as we read it".
    const modules = path.join(checkout, 'node_modules');
    fs.mkdirSync(modules);
    execFileSync('mount', ['--bind', path.join(repoRoot, 'node_modules'), modules]);
    const again = podmanStore(tmp.join('rebuild-store'));
    const updated = tmp.join('aios-image-update.tar');
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', modules]);
      buildChatImage(again, updated, `aios:${VERSION}-update`, ['--app', checkout]);
    } finally {
      execFileSync('umount', [modules]);
      await again.destroy();
      fs.rmSync(checkout, { recursive: true, force: true });
    }
    const before = registry.uploads().length;
    script('publish-image', ['--registry', registry.address, '--archive', updated, '--insecure']);
    fs.rmSync(updated);
    update = (await registry.get(`/v2/aios/manifests/${VERSION}-update`, MANIFEST_V2)) as Manifest;
    expect(update.layers.slice(0, 2).map((l) => l.digest)).toEqual(release.layers.slice(0, 2).map((l) => l.digest));
    expect(update.layers[2]!.digest).not.toBe(release.layers[2]!.digest);
    // From the registry's own log: the first push uploaded the three layers, the update only its app layer.
    expect(layersIn(registry.uploads().slice(0, before), release).sort()).toEqual(hexes(release).sort());
    expect(layersIn(registry.uploads().slice(before), update, release)).toEqual([hexes(update)[2]]);
  }, 900_000);

  it('podman pulls it as `aios` through the alias file of nspawn/install --registry, Docker by its full name; the update downloads only the app layer', async () => {
    const hostRoot = tmp.join('host-root');
    script('install', ['--user', 'root', '--registry', registry.address, '--containers-only'], { ...(process.env as Record<string, string>), AIOS_ROOT: hostRoot });
    const aliases = fs.readFileSync(path.join(hostRoot, 'etc/containers/registries.conf.d/50-aios.conf'), 'utf8');
    expect(aliases).toContain(`"aios" = "${registry.address}/aios"`);
    // The test's registries.conf: the installed aliases, the loopback registry without TLS.
    fs.writeFileSync(tmp.join('registries.conf'), `short-name-mode = "enforcing"\n${aliases}\n[[registry]]\nlocation = "${registry.address}"\ninsecure = true\n`);

    let seen = registry.downloads().length;
    await puller.podman(['pull', `aios:${VERSION}`], 300_000);
    expect(layersIn(registry.downloads().slice(seen), release).sort()).toEqual(hexes(release).sort());
    seen = registry.downloads().length;
    await puller.podman(['pull', 'aios'], 300_000);
    expect(layersIn(registry.downloads().slice(seen), update, release)).toEqual([hexes(update)[2]]);
    // `aios` is latest, which is now the update.
    const [pulledLatest] = JSON.parse((await puller.podman(['image', 'inspect', 'aios'])).stdout) as Array<{ Id: string; RepoTags: string[] }>;
    expect(pulledLatest?.RepoTags).toContain(`${registry.address}/aios:latest`);
    expect(`sha256:${pulledLatest?.Id}`).toBe(update.config.digest);

    // Docker drops the loaded image first, so the pull really fetches the layers.
    await docker.docker(['rmi', LOADED]);
    expect((await docker.docker(['image', 'ls', '--quiet'])).stdout.trim()).toBe('');
    seen = registry.downloads().length;
    const pulled = await docker.docker(['pull', `${registry.address}/aios:${VERSION}`], 300_000);
    expect(pulled.stdout).toContain(`Downloaded newer image for ${registry.address}/aios:${VERSION}`);
    expect(layersIn(registry.downloads().slice(seen), release).sort()).toEqual(hexes(release).sort());
    seen = registry.downloads().length;
    await docker.docker(['pull', `${registry.address}/aios:latest`], 300_000);
    expect(layersIn(registry.downloads().slice(seen), update, release)).toEqual([hexes(update)[2]]);
  }, 600_000);

  it('podman run -it --rm aios (the short name) does the same under its default seccomp profile, the jail as doctor reports it', async () => {
    // Podman's default seccomp profile (containers-common) lets bubblewrap make
    // its namespaces, so there the jail works; what doctor says, the chat does.
    const doctor = await puller.podman(['run', '--rm', '--network', 'none', 'aios', 'sh', '-c', 'aios doctor || true']);
    const jail = /bubblewrap {3}\S+ [\d.]+: auto-allowed commands run confined/.test(doctor.stdout) ? 'confined' : 'notify';
    if (jail === 'notify') expect(doctor.stdout).toContain('auto-allowed commands run as notify');
    note(`podman's default seccomp profile: the jail ${jail === 'confined' ? 'starts (commands run confined)' : 'cannot start (commands run as notify)'}`);
    const memory = memoryFolder('memory-podman');
    const env = ['CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF', 'CONTAINERS_REGISTRIES_CONF'].map((k) => `${k}=${puller.env[k]}`);
    await chatSession('podman', ['env', ...env, 'podman', 'run', '-it', '--rm', '--network', 'none', '--name', 'aios-chat-podman', '-v', `${memory}:${MEMORY_IN_IMAGE}`, 'aios'], memory, 'added inside podman', jail);
    expect((await puller.podman(['ps', '--all', '--quiet'])).stdout.trim()).toBe('');
  }, 300_000);

  it('docker run -it --rm as ai with the memory folder as a volume: the chat, the jail falling back to notify, a memory in the host folder, Ctrl-D, removed', async () => {
    const image = `${registry.address}/aios:latest`;
    // doctor exits 1 when something needs attention (here: no AI provider).
    const doctor = await docker.docker(['run', '--rm', '--network', 'none', image, 'sh', '-c', 'aios doctor || true']);
    expect(doctor.stdout).toMatch(/bubblewrap {3}unavailable: bubblewrap cannot create the jail here/);
    expect(doctor.stdout).toContain('auto-allowed commands run as notify');
    // The jail needs a PID namespace with a /proc of its own; Docker's default seccomp profile refuses the namespaces,
    // and even without it Docker's masked /proc paths keep an unprivileged user namespace from mounting one.
    const unconfined = await docker.docker(['run', '--rm', '--network', 'none', '--security-opt', 'seccomp=unconfined', image, 'sh', '-c', 'aios doctor || true']);
    expect(unconfined.stdout).toMatch(/bubblewrap {3}unavailable: bubblewrap cannot create the jail here \(bwrap: Can't mount proc/);
    expect(unconfined.stdout).toContain('auto-allowed commands run as notify');
    const memory = memoryFolder('memory-docker');
    const screen = await chatSession('docker', ['docker', '-H', docker.host, 'run', '-it', '--rm', '--network', 'none', '--name', 'aios-chat-docker', '-v', `${memory}:${MEMORY_IN_IMAGE}`, image], memory, 'added inside Docker', 'notify');
    expect(screen).toMatch(/aios chat · no AI provider/);
    expect((await docker.docker(['ps', '--all', '--quiet'])).stdout.trim()).toBe('');
    expect(fs.statSync(path.join(memory, 'config.toml')).uid).toBe(KIOSK_UID);
  }, 300_000);
});
