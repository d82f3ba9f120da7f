// A user's walk through the daily loop in the real VS Code web workbench (code-server), driven with the
// keyboard and the mouse from headless Chromium, with screenshots of each state for people to look at.
// Used by scripts/vscode-test.sh after the mocha suite, on a fresh copy of migrations-sample.
//
//   node scripts/vscode-walk.mjs --harness DIR --base URL --folder DIR --ext DIR --out DIR --profile DIR
//                                [--python PATH] [--result FILE] [--timeout S] [--log FILE]
//
// Steps (each one counts as a test in --result, {"passed":N,"failed":N,"steps":[...]}):
//   1. the Revisions view of a fresh clone: at the side bar's default width each row's state is not cut
//      off (tree-default-width.png); then widened                    -> tree-fresh.png
//   2. F1, "Alembic: Upgrade to Head" in the command palette         -> palette.png
//   3. Enter: the status bar turns to "up to date", the tree to current, the terminal shows the command
//      line once                                                     -> status-bar.png, tree-upgraded.png
//   4. a model edited on disk, then "Alembic: Generate Revision (autogenerate)" from the palette, a message
//      typed in the input box: the new revision is the pending head    -> tree-pending-revision.png
//   5. a teammate's revision on the same parent arrives (written to disk): "2 heads: merge needed"
//                                                                    -> tree-two-heads.png
//   6. a click on that warning row, Enter in the message box: one merged head -> tree-merged.png
// A step that fails saves <step>.failed.png; the steps after it need its state, so they count as failed too.
// --python writes .vscode/settings.json with alembic.pythonPath (and the terminal's DOM renderer) into the folder first.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, launchBrowser, loadChromium, workbenchUrl } from './vscode-browser.mjs';

const { values: opt } = parseArgs({
  options: {
    harness: { type: 'string' },
    base: { type: 'string' },
    folder: { type: 'string' },
    ext: { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'string' },
    python: { type: 'string' },
    result: { type: 'string' },
    timeout: { type: 'string', default: '120' },
    log: { type: 'string' },
  },
});
for (const k of ['harness', 'base', 'folder', 'ext', 'out', 'profile']) {
  if (!opt[k]) {
    console.error(`vscode-walk: --${k} is required`);
    process.exit(2);
  }
}
const chromium = loadChromium(opt.harness);
const log = createLogger('walk', opt.log);
const { say, status, t0 } = log;
const deadline = t0 + Number(opt.timeout) * 1000;
/** Time left for one wait, capped so that a missing element fails in seconds, not at the deadline. */
const left = (capMs) => Math.max(1000, Math.min(capMs, deadline - Date.now()));

const HEAD = '92404fb';
const HEAD_ID = '92404fb3f98d';
const MODELS = path.join(opt.folder, 'app', 'models.py');
const VERSIONS = path.join(opt.folder, 'alembic', 'versions');

if (opt.python) {
  fs.mkdirSync(path.join(opt.folder, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(opt.folder, '.vscode', 'settings.json'),
    // The DOM renderer, not WebGL: the terminal's text is then in the page, where step 3 reads it.
    `${JSON.stringify({ 'alembic.pythonPath': opt.python, 'terminal.integrated.gpuAcceleration': 'off' }, null, 2)}\n`,
  );
}

const url = workbenchUrl(opt.base, opt.folder, opt.ext);

const steps = [];
let ctx;
let page;

async function main() {
  fs.mkdirSync(opt.out, { recursive: true });
  [ctx, page] = await launchBrowser(chromium, opt.profile);
  page.on('pageerror', (e) => log.quiet(`[pageerror] ${e.message}`));
  status(`open ${opt.folder}`);
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: left(60000) });

  const pane = page.locator('.sidebar .pane', { has: page.locator('.pane-header[aria-label^="Revisions"]') }).first();
  const rows = pane.locator('.monaco-list-row');
  const rowTexts = async () => (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  const waitRows = async (what, check, capMs = 30000) => {
    const until = Date.now() + left(capMs);
    let texts = [];
    while (Date.now() < until) {
      texts = await rowTexts();
      if (check(texts)) return texts;
      await page.waitForTimeout(200);
    }
    throw new Error(`${what}: the Revisions view shows ${JSON.stringify(texts)}`);
  };
  const shotTree = async (name) => {
    await page.mouse.move(900, 700); // no hover tooltip in the picture
    await page.waitForTimeout(300); // icons and descriptions render after the rows
    await page.screenshot({ path: path.join(opt.out, name) });
  };
  /** F1, type the command's title, wait for it at the top of the list, run it with Enter. */
  const palette = async (title, screenshot) => {
    await page.locator('.monaco-workbench').click({ position: { x: 900, y: 400 } }); // focus the workbench (editor area)
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: left(10000) });
    await page.keyboard.type(title, { delay: 10 });
    const first = page.locator('.quick-input-widget .monaco-list-row').first();
    await first.filter({ hasText: title }).waitFor({ timeout: left(10000) });
    if (screenshot) await page.screenshot({ path: path.join(opt.out, screenshot) });
    await page.keyboard.press('Enter');
  };
  /** The input box a command opened: type `text` (or keep the proposed value) and press Enter. */
  const answerInput = async (title, text) => {
    const widget = page.locator('.quick-input-widget', { hasText: title });
    await widget.waitFor({ state: 'visible', timeout: left(15000) });
    if (text !== undefined) {
      await page.keyboard.press('Control+A');
      await page.keyboard.type(text, { delay: 5 });
    }
    await page.keyboard.press('Enter');
    await widget.waitFor({ state: 'hidden', timeout: left(10000) });
  };

  await step('tree of a fresh clone: no database yet, every revision pending', async () => {
    const item = page.locator('.activitybar [aria-label^="Alembic"]').first();
    await item.waitFor({ timeout: left(20000) });
    if (!(await pane.isVisible())) await item.click();
    await waitRows(
      'the fresh state',
      (t) =>
        t.some((r) => r.startsWith('Database: no database yet')) && t.filter((r) => r.includes('pending')).length >= 2,
      45000,
    );
    await shotTree('tree-default-width.png');
    const cut = await statesCutOff(pane);
    if (cut.length) throw new Error(`at the default width the state is cut off in ${JSON.stringify(cut)}`);
    await widenSidebar(560);
    status(`rows: ${JSON.stringify(await rowTexts())}`);
    await shotTree('tree-fresh.png');
  });

  await step('command palette: "Alembic: Upgrade to Head" (F1, type, Enter)', async () => {
    await palette('Alembic: Upgrade to Head', 'palette.png');
  });

  await step('status bar and tree after the upgrade: up to date, head current', async () => {
    const item = page.locator('.statusbar-item', { hasText: 'Alembic:' }).first();
    const until = Date.now() + left(45000);
    let text = '';
    while (Date.now() < until && !text.includes('up to date')) {
      text = (await item.innerText().catch(() => '')).trim();
      if (!text.includes('up to date')) await page.waitForTimeout(200);
    }
    if (!text.includes(`at ${HEAD}, up to date`)) throw new Error(`the status bar says ${JSON.stringify(text)}`);
    status(`status bar: ${JSON.stringify(text)}`);
    const bar = await page.locator('.part.statusbar').boundingBox();
    await page.screenshot({
      path: path.join(opt.out, 'status-bar.png'),
      clip: bar ? { x: 0, y: Math.max(0, bar.y - 24), width: bar.width, height: bar.height + 24 } : undefined,
    });
    const texts = await waitRows('the upgraded state', (t) => t.some((r) => r.includes(`current · head · ${HEAD}`)));
    status(`rows: ${JSON.stringify(texts)}`);
    await shotTree('tree-upgraded.png');
    // Typed once: the terminal echoes a line sent before the prompt is there, and the prompt shows it again.
    const terminal = (await page.locator('.terminal-wrapper .xterm-rows').first().innerText()).replace(/\n/g, '');
    const echoes = terminal.split('-m alembic -c alembic.ini upgrade head').length - 1;
    status(`terminal: the command line is shown ${echoes} time(s)`);
    if (echoes !== 1)
      throw new Error(`the terminal shows the command line ${echoes} times: ${JSON.stringify(terminal)}`);
  });

  await step('autogenerate from the palette after a model change: the new revision is the pending head', async () => {
    const models = fs.readFileSync(MODELS, 'utf8');
    fs.writeFileSync(
      MODELS,
      models.replace(/(\n\s+email = Column\([^\n]*\n)/, '$1    phone = Column(String(30), nullable=True)\n'),
    );
    if (!fs.readFileSync(MODELS, 'utf8').includes('phone'))
      throw new Error('could not add the phone column to app/models.py');
    await palette('Alembic: Generate Revision (autogenerate)');
    await answerInput('Generate Revision (autogenerate)', 'add phone to users');
    const texts = await waitRows(
      'the new revision',
      (t) => t.some((r) => r.startsWith('add phone to users') && r.includes('pending · head')),
      45000,
    );
    status(`rows: ${JSON.stringify(texts)}`);
    await shotTree('tree-pending-revision.png');
  });

  await step('a teammate\'s revision on the same parent: "2 heads: merge needed"', async () => {
    const id = 'a11ce0000001';
    fs.writeFileSync(
      path.join(VERSIONS, `${id}_add_invoices_table.py`),
      `"""add invoices table\n\nRevision ID: ${id}\nRevises: ${HEAD_ID}\nCreate Date: 2026-01-01 00:00:00.000000\n\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n\nrevision = '${id}'\ndown_revision = '${HEAD_ID}'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n`,
    );
    const texts = await waitRows('two heads', (t) => t.some((r) => r.startsWith('2 heads: merge needed')));
    status(`rows: ${JSON.stringify(texts)}`);
    await shotTree('tree-two-heads.png');
  });

  await step('a click on "2 heads: merge needed", Enter: one merged head', async () => {
    await rows.filter({ hasText: '2 heads: merge needed' }).first().click();
    await answerInput('Merge 2 heads');
    const texts = await waitRows(
      'the merge',
      (t) => t.some((r) => r.includes('pending · head · merge')) && !t.some((r) => r.startsWith('2 heads')),
      45000,
    );
    status(`rows: ${JSON.stringify(texts)}`);
    await shotTree('tree-merged.png');
  });
}

/**
 * The revision rows whose state word (current, pending, applied) is not fully shown. A description too
 * long for the row is cut where its box ends, an ellipsis in place of the last few pixels: the word must
 * end before that.
 */
async function statesCutOff(pane) {
  const ellipsisPx = 12;
  return pane.locator('.monaco-list-row').evaluateAll(
    (rows, ellipsis) =>
      rows.flatMap((row) => {
        const description = row.querySelector('.label-description');
        if (!description) return [];
        const walker = document.createTreeWalker(description, NodeFilter.SHOW_TEXT);
        for (let text = walker.nextNode(); text; text = walker.nextNode()) {
          const match = /\b(current|pending|applied)\b/.exec(text.textContent ?? '');
          if (!match) continue;
          const range = document.createRange();
          range.setStart(text, match.index);
          range.setEnd(text, match.index + match[0].length);
          // The box that overflows is the one cut: none, and the whole description is shown.
          let clipped;
          for (let box = description; box && box !== row && !clipped; box = box.parentElement)
            if (box.scrollWidth > box.clientWidth) clipped = box;
          const shown =
            !clipped || range.getBoundingClientRect().right <= clipped.getBoundingClientRect().right - ellipsis;
          return shown ? [] : [row.innerText.replace(/\s+/g, ' ')];
        }
        return [];
      }),
    ellipsisPx,
  );
}

/** Drags the sash right of the side bar so that the tree's descriptions (ids, states) are readable. */
async function widenSidebar(width) {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar || bar.width >= width) return;
  const x = bar.x + bar.width;
  const y = bar.y + bar.height / 2;
  await page.mouse.move(x - 1, y);
  await page.mouse.down();
  await page.mouse.move(bar.x + width, y, { steps: 8 });
  await page.mouse.up();
}

/** Runs one step unless an earlier one failed (its state is missing then): each counts as a test. */
async function step(name, run) {
  const started = Date.now();
  if (steps.some((s) => !s.ok)) {
    steps.push({ name, ok: false, error: 'not run: an earlier step failed' });
    status(`FAILED (not run): ${name}`);
    return;
  }
  try {
    await run();
    steps.push({ name, ok: true, ms: Date.now() - started });
    status(`passed: ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    const error = String(e?.message ?? e).split('\n')[0];
    steps.push({ name, ok: false, error });
    status(`FAILED: ${name}: ${error}`);
    const shot = path.join(opt.out, `walk-step-${steps.length}.failed.png`);
    await page?.screenshot({ path: shot }).then(
      () => status(`what the page showed: ${shot}`),
      () => {},
    );
  }
}

const STEP_COUNT = 6;
async function finish(code) {
  while (steps.length < STEP_COUNT) steps.push({ name: `step ${steps.length + 1}`, ok: false, error: 'not reached' });
  const passed = steps.filter((s) => s.ok).length;
  if (opt.result) fs.writeFileSync(opt.result, JSON.stringify({ passed, failed: steps.length - passed, steps }));
  await ctx?.close().catch(() => {});
  await log.close();
  process.exit(code ?? (passed === steps.length ? 0 : 1));
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void finish(130));
main().then(
  () => finish(),
  async (e) => {
    say(`[walk] error: ${e?.stack ?? e}`);
    await finish(2);
  },
);
