// What the Playwright scripts (driver, walk, graph walk) share: loading playwright-core from the
// harness cache, the workbench URL with the extension under development, a headless Chromium with
// the flags this offline machine needs, and a logger that also writes to a log file.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** playwright-core lives in the harness cache, not in the repo's node_modules. */
export function loadChromium(harnessDir) {
  return createRequire(path.join(harnessDir, 'package.json'))('playwright-core').chromium;
}

/**
 * The workbench URL that opens `folder` with the extension at `ext` loaded (and `tests` run, when
 * given); without `ext`, only the installed extensions run. code-server takes the remote authority from
 * the Host header: the payload URIs use the same.
 */
export function workbenchUrl(base, folder, ext, tests) {
  const remote = (p) => `vscode-remote://${new URL(base).host}${p}`;
  const payload = [
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  if (ext) payload.unshift(['extensionDevelopmentPath', remote(ext)]);
  if (tests) payload.push(['extensionTestsPath', remote(tests)]);
  return `${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/**
 * Headless Chromium with a fresh profile each run (Playwright refuses --user-data-dir in args, hence
 * the persistent context); its crashpad/dconf state is kept out of $HOME. Resolves to [context, page].
 */
export async function launchBrowser(chromium, profile) {
  fs.rmSync(profile, { recursive: true, force: true });
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    env: {
      ...process.env,
      XDG_CONFIG_HOME: path.join(profile, 'xdg-config'),
      XDG_CACHE_HOME: path.join(profile, 'xdg-cache'),
    },
    // Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return [ctx, ctx.pages()[0] ?? (await ctx.newPage())];
}

/** `say` prints to stdout and the log file, `quiet` to the log file only, `status` adds a timed prefix. */
export function createLogger(prefix, logFile) {
  const t0 = Date.now();
  const stream = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
  const say = (line, out = process.stdout) => {
    out.write(`${line}\n`);
    stream?.write(`${line}\n`);
  };
  return {
    t0,
    say,
    quiet: (line) => stream?.write(`${line}\n`),
    status: (msg) => say(`[${prefix} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`),
    close: () => new Promise((resolve) => (stream ? stream.end(resolve) : resolve())),
  };
}
