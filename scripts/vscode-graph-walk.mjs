// The revision graph as a user opens it: "Alembic: Show Revision Graph" from the command palette (F1, type,
// Enter) in a real VS Code (code-server + headless Chromium), then a screenshot once the graph panel has
// drawn its rows. scripts/vscode-test.sh runs it twice, on fresh copies of migrations-sample: as it is
// (graph-sample.png) and with a generated branchy history (graph-branchy.png).
//
//   node scripts/vscode-graph-walk.mjs --harness DIR --base URL --folder DIR --ext DIR --png FILE --profile DIR
//        [--history sample|branchy] [--timeout S] [--log FILE]
//
// Before opening the workbench it prepares --folder (a throw-away copy): with --history branchy it writes
// revision files into alembic/versions (two lines of work merged, a labelled branch, depends_on, a long
// linear run, two open heads and one revision whose down_revision is missing); for both histories it stamps
// app.db's version table part-way (as `alembic stamp` would), so the picture has current, applied and
// pending revisions. Exit status 0 when the PNG is saved, 1 otherwise.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
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
    png: { type: 'string' },
    profile: { type: 'string' },
    history: { type: 'string', default: 'sample' },
    timeout: { type: 'string', default: '90' },
    log: { type: 'string' },
  },
});
for (const k of ['harness', 'base', 'folder', 'ext', 'png', 'profile']) {
  if (!opt[k]) {
    console.error(`vscode-graph-walk: --${k} is required`);
    process.exit(2);
  }
}

const chromium = loadChromium(opt.harness);
const log = createLogger('graph-walk', opt.log);
const { say, status, quiet } = log;

// ------------------------------------------------------------------ the workspace

const SAMPLE_HEAD = '92404fb3f98d';
const SAMPLE_BASE = '13c9c7d2277c';

/** [name, parents (names or ids), message, options] oldest first; ids are derived from the names. */
const BRANCHY = [
  ['o1', [SAMPLE_HEAD], 'create orders table'],
  ['o2', ['o1'], 'add status to orders'],
  ['i1', ['o2'], 'create invoices table', { labels: ['billing'] }],
  ['o3', ['o2'], 'index orders created_at'],
  ['i2', ['i1'], 'add amount to invoices'],
  ['o4', ['o3'], 'add customer_id to orders'],
  ['i3', ['i2'], 'add currency to invoices', { depends: ['o4'] }],
  ['m1', ['o4', 'i3'], 'merge billing into main'],
  ...[
    'add phone to users',
    'index users email',
    'add is_active to users',
    'create addresses table',
    'add zip to addresses',
    'add country to addresses',
    'create sessions table',
    'add expires_at to sessions',
    'drop legacy_tokens table',
    'add last_login to users',
    'create audit_log table',
  ].map((message, i) => [`l${i + 1}`, [i ? `l${i}` : 'm1'], message]),
  ['t1', ['l11'], 'create tags table'],
  ['w1', ['l11'], 'create webhooks table', { labels: ['webhooks'] }],
  ['t2', ['t1'], 'create order_tags table'],
  ['w2', ['w1'], 'add secret to webhooks'],
  ['t3', ['t2'], 'add color to tags'],
  ['w3', ['w2'], 'add retries to webhooks'],
  ['x1', ['c0ffee000000'], 'add invoice_notes table (parent rebased away)'],
];
const BRANCHY_CURRENT = 'l11';

const idOf = (name) =>
  /^[0-9a-f]{12}$/.test(name) ? name : crypto.createHash('sha1').update(`branchy:${name}`).digest('hex').slice(0, 12);

function tuple(values) {
  if (!values?.length) return 'None';
  return values.length === 1 ? `'${values[0]}'` : `(${values.map((v) => `'${v}'`).join(', ')})`;
}

function writeBranchyHistory(versions) {
  BRANCHY.forEach(([name, parents, message, extra = {}], i) => {
    const id = idOf(name);
    const down = parents.map(idOf);
    const date = new Date(Date.UTC(2026, 11, 1, 9, 30) + i * 86400000)
      .toISOString()
      .replace('T', ' ')
      .replace('Z', '000');
    const slug = message.toLowerCase().replace(/\W+/g, '_').replace(/^_|_$/g, '');
    const text = `"""${message}

Revision ID: ${id}
Revises: ${down.join(', ')}
Create Date: ${date}

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '${id}'
down_revision = ${tuple(down)}
branch_labels = ${tuple(extra.labels)}
depends_on = ${tuple(extra.depends?.map(idOf))}


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
`;
    fs.writeFileSync(path.join(versions, `${id}_${slug}.py`), text);
  });
  return BRANCHY.length;
}

/** What `alembic stamp <revision>` leaves in a fresh SQLite database: the version table and one row. */
function stamp(dbFile, revision) {
  const script = [
    'import sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1])',
    'c.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")',
    'c.execute("DELETE FROM alembic_version")',
    'c.execute("INSERT INTO alembic_version VALUES (?)", (sys.argv[2],))',
    'c.commit()',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, dbFile, revision], { encoding: 'utf8' });
  if (run.status === 0) status(`stamped ${path.basename(dbFile)} at ${revision}`);
  else
    status(
      `could not stamp ${dbFile} (the picture shows no database state): ${run.error?.message ?? run.stderr.trim()}`,
    );
}

function prepareWorkspace() {
  const versions = path.join(opt.folder, 'alembic', 'versions');
  if (!fs.existsSync(versions)) throw new Error(`no ${versions}: --folder must be a copy of migrations-sample`);
  let rows = fs.readdirSync(versions).filter((f) => f.endsWith('.py')).length;
  let current = SAMPLE_BASE;
  if (opt.history === 'branchy') {
    rows += writeBranchyHistory(versions);
    current = idOf(BRANCHY_CURRENT);
    status(`wrote ${BRANCHY.length} revision files into ${versions}`);
  } else if (opt.history !== 'sample') {
    throw new Error(`unknown --history ${opt.history} (sample or branchy)`);
  }
  stamp(path.join(opt.folder, 'app.db'), current);
  return rows;
}

// ------------------------------------------------------------------ the workbench

let ctx;
async function finish(code) {
  await ctx?.close().catch(() => {});
  await log.close();
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void finish(130));

/** Runs a command from the palette as a user does: F1, type its title, Enter (retried until it is offered). */
async function runFromPalette(page, title, deadline) {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10000 });
    await page.keyboard.type(title, { delay: 15 });
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ timeout: 3000 });
      await page.keyboard.press('Enter');
      status(`ran "${title}" from the command palette`);
      return;
    } catch {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`the palette never offered "${title}" (${attempt} tries)`);
      await page.waitForTimeout(1000); // the command appears once the extension has found the project
    }
  }
}

/** The frame of the graph webview, once it has drawn at least `rows` rows. */
async function graphFrame(page, rows, deadline) {
  for (;;) {
    for (const frame of page.frames()) {
      const count = await frame
        .locator('#rows .row')
        .count()
        .catch(() => 0);
      if (count >= rows) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no graph webview with ${rows} rows`);
    await page.waitForTimeout(250);
  }
}

async function main() {
  const rows = prepareWorkspace();
  let page;
  [ctx, page] = await launchBrowser(chromium, opt.profile);
  page.on('console', (m) => quiet(`[browser:${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => quiet(`[pageerror] ${e.message}`));

  const url = workbenchUrl(opt.base, opt.folder, opt.ext);
  const deadline = Date.now() + Number(opt.timeout) * 1000;
  try {
    status(`open ${url}`);
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.activitybar [aria-label^="Alembic"]').first().waitFor({ timeout: 30000 });
    status('workbench loaded, extension registered');
    if (opt.history === 'sample') {
      // The small sample leaves room for the Revisions view beside the graph.
      const item = page.locator('.activitybar [aria-label^="Alembic"]').first();
      if (!(await page.locator('.sidebar .pane-header[aria-label^="Revisions"]').isVisible())) await item.click();
      await page.locator('.sidebar .monaco-list-row').first().waitFor({ timeout: 30000 });
    } else {
      await runFromPalette(page, 'View: Close Primary Side Bar', deadline);
    }
    await runFromPalette(page, 'Alembic: Show Revision Graph', deadline);
    // The sample's revisions, plus the generated ones (a collapsed run takes one row for several).
    const frame = await graphFrame(page, opt.history === 'branchy' ? 12 : rows, deadline);
    await frame
      .locator('#status', { hasText: 'Database: at' })
      .waitFor({ timeout: Math.max(1000, deadline - Date.now()) })
      .catch(() => status('the database state did not show up in time'));
    const texts = await frame.locator('#rows .row').allInnerTexts();
    status(`graph rows: ${JSON.stringify(texts.map((t) => t.replace(/\s+/g, ' ')))}`);
    const first = await frame.locator('#rows .row').first().boundingBox();
    if (opt.history === 'branchy' && first) {
      // Hover the newest row, the one with the problem: its tooltip says what is wrong.
      await page.mouse.move(first.x + first.width * 0.45, first.y + first.height / 2);
      await frame
        .locator('#tooltip:not([hidden])')
        .waitFor({ timeout: 5000 })
        .catch(() => status('no tooltip shown'));
    } else {
      await page.mouse.move(700, 52); // the empty end of the tab bar: no hover in the picture
    }
    await page.waitForTimeout(500);
    fs.mkdirSync(path.dirname(opt.png), { recursive: true });
    await page.screenshot({ path: opt.png });
    status(`screenshot saved: ${opt.png}`);
    return 0;
  } catch (e) {
    say(`[graph-walk] failed: ${e.message.split('\n')[0]}`, process.stderr);
    const failed = `${opt.png.replace(/\.png$/, '')}.failed.png`;
    await page.screenshot({ path: failed }).then(
      () => say(`[graph-walk] what the page showed: ${failed}`, process.stderr),
      () => {},
    );
    return 1;
  }
}

main().then(finish, async (e) => {
  say(`[graph-walk] error: ${e?.stack ?? e}`, process.stderr);
  await finish(2);
});
