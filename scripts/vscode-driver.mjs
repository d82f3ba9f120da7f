// Drives a running code-server (real VS Code 1.100 web workbench + Node extension host) from headless
// Chromium with playwright-core. Used by scripts/vscode-test.sh.
//
//   node scripts/vscode-driver.mjs --mode test       --harness DIR --base URL --folder DIR --ext DIR --tests FILE --profile DIR [--timeout S] [--log FILE]
//   node scripts/vscode-driver.mjs --mode screenshot --harness DIR --base URL --folder DIR [--ext DIR] --png FILE --profile DIR [--timeout S] [--log FILE]
//
// test:       opens the workbench with the payload extensionDevelopmentPath + extensionTestsPath, as the
//             VS Code test runner does. The extension host loads the tests module and calls its run();
//             the workbench then calls window.codeAutomationExit(code). Exit status: that code, 124 on
//             timeout, 2 when the workbench itself could not be driven.
// screenshot: opens the workbench with the extension (no tests), clicks the "Alembic" activity-bar item
//             as a user would, waits for rows in the "Revisions" view and saves a PNG. Exit status 0/1.
//             With --open FILE (relative to --folder) it then opens that file through Quick Open and,
//             with --wait-text TEXT, waits for a CodeLens showing TEXT before the picture. Without --ext,
//             the installed extensions run (a .vsix installed into the server's extensions folder).
//             --row-text TEXT: a row of the view must show TEXT. --walkthrough TITLE: then opens that
//             walkthrough (Welcome: Open Walkthrough...) and pictures it in --walkthrough-png FILE.
import fs from 'node:fs';
import path from 'node:path';
import { format, parseArgs } from 'node:util';
import { createLogger, launchBrowser, loadChromium, workbenchUrl } from './vscode-browser.mjs';

const { values: opt } = parseArgs({
  options: {
    mode: { type: 'string' },
    harness: { type: 'string' },
    base: { type: 'string' },
    folder: { type: 'string' },
    ext: { type: 'string' },
    tests: { type: 'string' },
    png: { type: 'string' },
    profile: { type: 'string' },
    timeout: { type: 'string', default: '180' },
    log: { type: 'string' },
    container: { type: 'string', default: 'Alembic' },
    view: { type: 'string', default: 'Revisions' },
    open: { type: 'string' },
    'wait-text': { type: 'string' },
    'row-text': { type: 'string' },
    walkthrough: { type: 'string' },
    'walkthrough-png': { type: 'string' },
  },
});
for (const k of ['mode', 'harness', 'base', 'folder', 'profile']) {
  if (!opt[k]) usage(`--${k} is required`);
}
if (opt.mode === 'test' && !(opt.tests && opt.ext)) usage('--tests and --ext are required in test mode');
if (opt.walkthrough && !opt['walkthrough-png']) usage('--walkthrough needs --walkthrough-png');
if (opt.mode === 'screenshot' && !opt.png) usage('--png is required in screenshot mode');
if (opt.mode !== 'test' && opt.mode !== 'screenshot') usage(`unknown --mode ${opt.mode}`);

function usage(msg) {
  console.error(`vscode-driver: ${msg}`);
  process.exit(2);
}

const chromium = loadChromium(opt.harness);
const log = createLogger('driver', opt.log);
const { say, status } = log;
/** Log file only: browser console noise (offline gallery fetches etc.) would drown the test output. */
const quiet = (line) => (process.env.VERBOSE ? say(line) : log.quiet(line));
// Start-up chatter of the workbench and offline gallery errors: log file only.
const WORKBENCH_NOISE =
  /open-vsx\.org|vsda|Extension host .* ended|^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin extensions cache|\[Service Worker\]|ChatSessionStore)/i;

const url = workbenchUrl(opt.base, opt.folder, opt.ext, opt.mode === 'test' ? opt.tests : undefined);
const timeoutMs = Number(opt.timeout) * 1000;

let ctx;
async function closeBrowser() {
  const c = ctx;
  ctx = undefined;
  await c?.close().catch(() => {});
}
async function finish(code) {
  await closeBrowser();
  await log.close();
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void finish(130));

async function main() {
  let page;
  [ctx, page] = await launchBrowser(chromium, opt.profile);
  const clean = (t) =>
    t
      .replace(/%c/g, '')
      .replace(/\s*(color|font-weight|background)[^;]*;?/g, '')
      .trim();
  page.on('console', (m) => quiet(`[browser:${m.type()}] ${clean(m.text())}`));
  page.on('pageerror', (e) => quiet(`[pageerror] ${e.message}`));

  let reportExit;
  const exited = new Promise((resolve) => (reportExit = resolve));
  if (opt.mode === 'test') {
    // The workbench calls these in test mode (they must exist before the page loads):
    // codeAutomationLog receives the extension host's console output (mocha's reporter),
    // codeAutomationExit the exit code once the tests module's run() settles.
    await page.exposeFunction('codeAutomationExit', (code) => reportExit(code));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = format(...args);
      if (WORKBENCH_NOISE.test(line)) return quiet(`[workbench:${type}] ${line}`);
      say(line, type === 'error' ? process.stderr : process.stdout);
    });
  }

  status(`open ${url}`);
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  status('workbench loaded');

  if (opt.mode === 'test') {
    let timer;
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    if (code === 'timeout') {
      status(`TIMEOUT: the extension host reported no result within ${opt.timeout}s`);
      return 124;
    }
    status(`extension host reported exit code ${code}`);
    return typeof code === 'number' ? code : 1;
  }
  return screenshot(page);
}

async function screenshot(page) {
  const deadline = Date.now() + timeoutMs;
  // Time left for a step, capped: a missing item should fail in seconds, not use up the whole budget.
  const left = (capMs) => Math.max(1000, Math.min(capMs, deadline - Date.now()));
  try {
    // The activity-bar item's aria-label starts with the view container title (a keybinding may follow).
    const item = page.locator(`.activitybar [aria-label^="${opt.container}"]`).first();
    await item.waitFor({ timeout: left(20000) }); // extensions are registered soon after load
    status(`activity-bar item "${opt.container}" found`);
    // A view container's pane; with a single view the header is hidden but the pane is still there.
    const pane = page
      .locator('.sidebar .pane', { has: page.locator(`.pane-header[aria-label^="${opt.view}"]`) })
      .first();
    // Click unless the container is already open (state restored from a profile): a click would close it.
    if (!(await pane.isVisible())) await item.click();
    await page.mouse.move(800, 500); // no hover tooltip over the activity bar in the picture
    const rows = pane.locator('.monaco-list-row');
    await rows.first().waitFor({ timeout: left(45000) }); // the extension reads the project first
    await page.waitForTimeout(500); // let the tree finish rendering icons/descriptions
    const rowText = opt['row-text'];
    if (rowText)
      await rows
        .filter({ hasText: rowText })
        .first()
        .waitFor({ timeout: left(45000) });
    status(`"${opt.view}" rows: ${JSON.stringify(await rows.allInnerTexts())}`);
    if (opt.open) await openFile(page, opt.open, opt['wait-text'], left(45000));
    fs.mkdirSync(path.dirname(opt.png), { recursive: true });
    await page.screenshot({ path: opt.png });
    status(`screenshot saved: ${opt.png}`);
    if (opt.walkthrough) await openWalkthrough(page, opt.walkthrough, opt['walkthrough-png'], left(30000));
    return 0;
  } catch (e) {
    say(`[driver] screenshot step failed: ${e.message.split('\n')[0]}`, process.stderr);
    const failed = `${opt.png.replace(/\.png$/, '')}.failed.png`;
    await page.screenshot({ path: failed }).then(
      () => say(`[driver] what the page showed: ${failed}`, process.stderr),
      () => {},
    );
    const sidebar = await page
      .locator('.sidebar')
      .innerText({ timeout: 2000 })
      .catch(() => '(no sidebar)');
    say(`[driver] sidebar text: ${JSON.stringify(sidebar.slice(0, 500))}`, process.stderr);
    return 1;
  }
}

/** Opens a workspace file as a user would (Quick Open), and waits for a CodeLens with `text` when given. */
async function openFile(page, file, text, timeout) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10000 });
  await input.fill(file);
  await page.locator('.quick-input-widget .monaco-list-row').first().waitFor({ timeout: 10000 });
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor').first().waitFor({ timeout: 10000 });
  status(`opened ${file}`);
  if (text) {
    await page.locator('.monaco-editor .codelens-decoration', { hasText: text }).first().waitFor({ timeout });
    status(`CodeLens "${text}" shown`);
  }
  await page.mouse.move(1200, 780); // no hover in the picture
  await page.waitForTimeout(500);
}

/** Opens a walkthrough from the palette as a user would, and pictures its first step. */
async function openWalkthrough(page, title, png, timeout) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10000 });
  await input.fill('>Welcome: Open Walkthrough');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Open Walkthrough' }).first().click();
  await input.fill(title);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().click();
  await page.locator('.gettingStartedContainer', { hasText: title }).first().waitFor({ timeout });
  await page.mouse.move(1200, 780);
  await page.waitForTimeout(1000); // the step's media (image or markdown) loads after the page
  status(`walkthrough "${title}" shown`);
  await page.screenshot({ path: png });
  status(`screenshot saved: ${png}`);
}

main().then(finish, async (e) => {
  say(`[driver] error: ${e?.stack ?? e}`, process.stderr);
  await finish(2);
});
