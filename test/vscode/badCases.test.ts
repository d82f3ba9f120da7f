// When things are missing, in a real VS Code: no Python at alembic.pythonPath, a Python without Alembic,
// a database that is down, a remote database that cannot be read. The user must get a message that says
// what is wrong and how to fix it, no command may be typed into a terminal, and no password may appear
// in anything shown (status, messages, modal details).
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findOnPath } from '../../src/core/pythonLookup';
import type { TreeSnapshot } from '../../src/testApi/treeSnapshot';
import { freePort } from '../support/postgres';
import { waitFor, workspaceRoot } from './helpers';
import {
  ALEMBIC_PYTHON,
  appDb,
  assertNoError,
  closeAllEditors,
  countTerminalsOpened,
  describeShown,
  HEAD,
  type LensApi,
  lensApi,
  readSqlite,
  restoreSettings,
  type Shown,
  saveSettings,
  setAlembicSetting,
  setAside,
  sqliteAt,
  trackTerminals,
  waitForStatus,
  withDialogs,
} from './loopHelpers';

describe('bad cases: missing Python, missing Alembic, database down', function () {
  this.timeout(60000);
  let api: LensApi;
  let root: string;
  let saved: Record<string, unknown>;
  let terminals: vscode.Disposable | undefined;
  let restoreEnv: (() => void) | undefined;
  const cleanup: string[] = [];

  before(async function () {
    this.timeout(60000);
    terminals = trackTerminals();
    api = await lensApi();
    root = workspaceRoot();
    restoreEnv = setAside(path.join(root, '.env'));
    saved = saveSettings('pythonPath', 'databaseUrl');
    await setAlembicSetting('databaseUrl', undefined);
  });

  afterEach(async () => {
    await closeAllEditors();
    await setAlembicSetting('pythonPath', ALEMBIC_PYTHON);
    await setAlembicSetting('databaseUrl', undefined);
  });

  after(async function () {
    this.timeout(30000);
    terminals?.dispose();
    for (const p of cleanup) fs.rmSync(p, { recursive: true, force: true });
    if (!api) return;
    await sqliteAt(api, undefined);
    await restoreSettings(saved);
    restoreEnv?.();
  });

  /** A Markdown tooltip as people read it: no `&nbsp;`, no backslash escapes. */
  function plainText(markdown: string | undefined): string {
    return (markdown ?? '').replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
  }

  /** The tabs' labels, to see which editor a button opened. */
  function tabLabels(): string[] {
    return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
  }

  it('no Python at alembic.pythonPath: Upgrade to Head and autogenerate say what is wrong and how to fix it, and run nothing', async () => {
    await sqliteAt(api, undefined);
    await setAlembicSetting('pythonPath', '/nonexistent/python');
    const { result, opened } = await countTerminalsOpened(() =>
      withDialogs({ error: (_m, items) => items.find((i) => i === 'Set Python Path') }, () =>
        vscode.commands.executeCommand('alembic.upgrade.head'),
      ),
    );
    const errors = result.shown.filter((s) => s.kind === 'error');
    assert.strictEqual(errors.length, 1, describeShown(result.shown));
    console.log(`      ${errors[0].message}`);
    assert.match(errors[0].message, /No Python interpreter at \/nonexistent\/python/, 'says what is wrong');
    assert.match(errors[0].message, /alembic\.pythonPath/, 'names the setting to fix');
    assert.match(errors[0].message, /Select Interpreter|\.venv/, 'offers other ways to fix it');
    assert.deepStrictEqual(errors[0].items, ['Set Python Path']);
    assert.deepStrictEqual(opened, [], 'no terminal was opened');
    assert.ok(!fs.existsSync(appDb(root)), 'nothing was migrated');
    await waitFor('"Set Python Path" to open the Settings editor', () => tabLabels().includes('Settings'), 10000);

    // Autogenerate asks for the message, then says the same thing instead of running.
    const versions = fs.readdirSync(path.join(root, 'alembic', 'versions')).sort();
    const auto = await countTerminalsOpened(() =>
      withDialogs({ input: () => 'add phone' }, () => vscode.commands.executeCommand('alembic.revision.autogenerate')),
    );
    const autoErrors = auto.result.shown.filter((s) => s.kind === 'error');
    assert.strictEqual(autoErrors.length, 1, describeShown(auto.result.shown));
    assert.match(autoErrors[0].message, /No Python interpreter at \/nonexistent\/python/);
    assert.deepStrictEqual(auto.opened, [], 'no terminal was opened');
    assert.deepStrictEqual(fs.readdirSync(path.join(root, 'alembic', 'versions')).sort(), versions, 'no revision file');
  });

  it('a Python without Alembic: a clear message naming the interpreter, `pip install alembic` and the setting; nothing runs', async () => {
    await sqliteAt(api, undefined);
    // The pyenv python3 on PATH has no Alembic here; where it has, a Python without site-packages stands in.
    let python = findOnPath(['python3']);
    if (!python || spawnSync(python, ['-c', 'import alembic'], { encoding: 'utf8' }).status === 0) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-no-alembic-'));
      cleanup.push(dir);
      python = path.join(dir, 'python3');
      fs.writeFileSync(python, `#!/bin/sh\nexec ${ALEMBIC_PYTHON} -S "$@"\n`, { mode: 0o755 });
    }
    console.log(`      interpreter without Alembic: ${python}`);
    await setAlembicSetting('pythonPath', python);
    const { result, opened } = await countTerminalsOpened(() =>
      withDialogs({}, () => vscode.commands.executeCommand('alembic.upgrade.head')),
    );
    const errors = result.shown.filter((s) => s.kind === 'error');
    assert.strictEqual(errors.length, 1, describeShown(result.shown));
    console.log(`      ${errors[0].message.slice(0, 200)}...`);
    assert.ok(
      errors[0].message.includes(`Alembic is not installed for the Python interpreter ${python}`),
      errors[0].message,
    );
    assert.ok(errors[0].message.includes(`${python} -m pip install alembic`), 'says how to install it');
    assert.match(errors[0].message, /alembic\.pythonPath/);
    assert.deepStrictEqual(errors[0].items, ['Set Python Path']);
    assert.deepStrictEqual(opened, [], 'no terminal was opened');
    assert.ok(!fs.existsSync(appDb(root)), 'nothing was migrated');

    // Show SQL runs Alembic in the background: the same message, not a traceback.
    const sql = await withDialogs(
      { quickPick: (items) => items.find((i) => (i as { revision?: { id: string } | null }).revision?.id === HEAD) },
      () => vscode.commands.executeCommand('alembic.sql.upgrade'),
    );
    const sqlErrors = sql.shown.filter((s) => s.kind === 'error');
    assert.strictEqual(sqlErrors.length, 1, describeShown(sql.shown));
    assert.ok(sqlErrors[0].message.includes('Alembic is not installed'), sqlErrors[0].message);
  });

  it('database down (alembic.databaseUrl on a closed port): "DB unreachable", and the password is shown nowhere', async () => {
    const password = 'S3cret@lens-pw';
    const port = await freePort(); // nothing listens there
    const url = `postgresql://lens:${encodeURIComponent(password)}@127.0.0.1:${port}/app`;
    await sqliteAt(api, HEAD);
    await setAlembicSetting('databaseUrl', url);
    const status = await waitForStatus(api, 'the status "DB unreachable"', (s) => s.kind === 'unreachable');
    assert.strictEqual(status.text, 'Database: DB unreachable');
    assert.strictEqual(status.source, 'the setting alembic.databaseUrl');

    const shown: Shown[] = [];
    const pickBase = (items: readonly vscode.QuickPickItem[]) =>
      items.find((i) => (i as { revision?: unknown }).revision === null);
    const { opened } = await countTerminalsOpened(async () => {
      for (const command of ['alembic.downgrade.one', 'alembic.downgrade.to', 'alembic.stamp']) {
        shown.push(
          ...(await withDialogs({ quickPick: pickBase }, () => vscode.commands.executeCommand(command))).shown,
        );
      }
    });
    console.log(
      `      ${shown.map((s) => `${s.kind}: ${s.message}${s.detail ? ` | ${s.detail.replace(/\n/g, ' / ')}` : ''}`).join('\n      ')}`,
    );
    assertNoError(shown, 'commands with the database down');
    const everything = JSON.stringify({ status: await api.getDatabaseStatus(), shown });
    for (const secret of [password, encodeURIComponent(password), 'S3cret']) {
      assert.ok(!everything.includes(secret), `"${secret}" appears in what was shown: ${everything}`);
    }
    assert.ok(
      shown.some((s) => /Connection refused/.test(s.message)),
      'a message says the connection was refused',
    );
    assert.ok(
      shown.some((s) => `${s.message} ${s.detail}`.includes(`PostgreSQL app on 127.0.0.1:${port}`)),
      'the database is named (without its password)',
    );
    assert.deepStrictEqual(opened, [], 'nothing ran against a database whose state is unknown');
    assert.deepStrictEqual(readSqlite(appDb(root)).rows, [HEAD], 'the SQLite database was not touched');
  });

  it('env.py imports a module the project\'s Python lacks: "can\'t read the status" with the fix, not "DB unreachable"', async () => {
    const envPy = path.join(root, 'alembic', 'env.py');
    const original = fs.readFileSync(envPy, 'utf8');
    // An unsupported dialect in the setting makes the extension ask `alembic current`, which runs env.py.
    await setAlembicSetting('pythonPath', ALEMBIC_PYTHON);
    await setAlembicSetting('databaseUrl', 'mssql+pyodbc://lens:S3cret-mssql@sql.example.invalid/erp');
    fs.writeFileSync(envPy, `import sqlmodel\n${original}`);
    try {
      const status = await waitForStatus(
        api,
        'the status "can\'t read the status"',
        (s) => s.kind === 'unreadable',
        30000,
      );
      assert.strictEqual(status.text, "Database: can't read the status: the project's Python has no module sqlmodel");
      const tooltip = plainText(status.tooltip);
      assert.match(tooltip, /pip install sqlmodel/);
      assert.match(tooltip, /interpreter/);
      assert.ok(!JSON.stringify(status).includes('S3cret'), JSON.stringify(status));
    } finally {
      fs.writeFileSync(envPy, original);
    }
  });

  it('a URL that does not parse (bad port, a space in the password): the tooltip never shows the password', async () => {
    await sqliteAt(api, HEAD);
    await setAlembicSetting('databaseUrl', 'postgresql://lens:my secret@db.example.invalid:5432x/app');
    const status = await waitForStatus(
      api,
      'the status read by `alembic current`',
      (s) => s.source === 'alembic current',
      30000,
    );
    console.log(`      tooltip: ${plainText(status.tooltip).replace(/\n+/g, ' / ')}`);
    assert.match(plainText(status.tooltip), /port/i);
    for (const secret of ['my secret', 'secret'])
      assert.ok(!JSON.stringify(status).includes(secret), JSON.stringify(status));
    // Let the last `alembic current` end (the status read directly again) before the next test removes app.db.
    await setAlembicSetting('databaseUrl', undefined);
    await waitForStatus(api, 'the status read directly again', (s) => s.source !== 'alembic current', 30000);
  });

  it('a URL only env.py can compute, and no SQLite file yet: "no database yet" by `alembic current`, which creates no file', async () => {
    const envPy = path.join(root, 'alembic', 'env.py');
    const original = fs.readFileSync(envPy, 'utf8');
    await sqliteAt(api, undefined);
    await setAlembicSetting('pythonPath', ALEMBIC_PYTHON);
    // A URL built at run time: nothing static can read it, so the extension asks `alembic current`.
    const computed = `config.set_main_option("sqlalchemy.url", "".join(["sqlite:///", "app", ".db"]))`;
    fs.writeFileSync(envPy, original.replace(/^config\.set_main_option\("sqlalchemy\.url".*$/m, computed));
    try {
      const status = await waitForStatus(
        api,
        'the status "no database yet" from `alembic current`',
        (s) => s.source === 'alembic current' && s.kind === 'no-database',
        30000,
      );
      console.log(`      tooltip: ${plainText(status.tooltip).replace(/\n+/g, ' / ')}`);
      assert.match(plainText(status.tooltip), /app\.db/);
      // SQLAlchemy would have created an empty app.db on connecting; asking must leave no file behind.
      assert.ok(!fs.existsSync(path.join(root, 'app.db')), 'asking for the state created app.db');
    } finally {
      fs.writeFileSync(envPy, original);
    }
    await waitForStatus(api, 'the status read directly again', (s) => s.source !== 'alembic current', 30000);
  });

  it('a remote database that cannot be read: Upgrade to Head asks first, and does not claim there is nothing to apply', async () => {
    const password = 'remote-S3cret';
    await sqliteAt(api, undefined);
    await setAlembicSetting('databaseUrl', `postgresql://deploy:${password}@db.example.invalid/shop`);
    await waitForStatus(api, 'the status "DB unreachable"', (s) => s.kind === 'unreachable');
    const { result, opened } = await countTerminalsOpened(() =>
      withDialogs({}, () => vscode.commands.executeCommand('alembic.upgrade.head')),
    );
    const modal = result.shown.find((s) => s.kind === 'warning');
    assert.ok(modal, `a confirmation is shown: ${describeShown(result.shown)}`);
    console.log(`      modal: ${modal.message} | ${modal.detail?.replace(/\n/g, ' / ')}`);
    assert.ok(modal.modal);
    assert.match(modal.message, /PostgreSQL shop on db\.example\.invalid/, 'names the database');
    assert.ok(!JSON.stringify(result.shown).includes(password), 'no password');
    assert.deepStrictEqual(opened, [], 'cancelled: nothing ran');
    assert.ok(
      !/apply 0 revisions/.test(modal.detail ?? ''),
      `the database state is unknown, yet the confirmation says "${modal.detail}"`,
    );
  });
  it('two heads on labelled branches (labels from an unreadable constant, as neutron writes them): no "merge needed", Upgrade offers all heads only', async () => {
    const flatten = (nodes: TreeSnapshot[]): TreeSnapshot[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);
    const rows = async (): Promise<TreeSnapshot[]> => {
      await api.whenIdle();
      return flatten(await api.getTreeSnapshot('alembic.revisions'));
    };
    const versions = path.join(root, 'alembic', 'versions');
    const files = ['e1', 'c1'].map((id) => path.join(versions, `${id}0000000000_${id}.py`));
    try {
      for (const [i, constant] of ['cli.EXPAND_BRANCH', 'cli.CONTRACT_BRANCH'].entries()) {
        const id = `${['e1', 'c1'][i]}0000000000`;
        fs.writeFileSync(
          files[i],
          `from neutron.db.migration import cli\n\nrevision = '${id}'\ndown_revision = '92404fb3f98d'\nbranch_labels = (${constant},)\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`,
        );
      }
      await waitFor(
        'both heads in the tree',
        async () => (await rows()).filter((r) => /\bhead\b/.test(r.description ?? '')).length === 2,
        20000,
      );
      const shown = await rows();
      assert.ok(
        !shown.some((r) => /heads: merge needed/.test(r.label)),
        `no merge offered: ${shown.map((r) => r.label).join(' | ')}`,
      );
      const { result, opened } = await countTerminalsOpened(() =>
        withDialogs({ warning: () => undefined }, () => vscode.commands.executeCommand('alembic.upgrade.head')),
      );
      const modal = result.shown.find((d) => d.kind === 'warning' && d.modal);
      assert.ok(modal, describeShown(result.shown));
      assert.deepStrictEqual(modal.items, ['Upgrade All Heads'], 'no "Merge Heads" for branches by design');
      assert.match(modal.detail ?? '', /each on its own labelled branch/);
      assert.deepStrictEqual(opened, [], 'cancelled: nothing ran');
    } finally {
      for (const file of files) fs.rmSync(file, { force: true });
    }
    await waitFor(
      'one head again',
      async () => (await rows()).filter((r) => /\bhead\b/.test(r.description ?? '')).length === 1,
      20000,
    );
  });

  it('a revision file with a syntax error: "History broken" names it, no false "Models changed"; commands ask first', async () => {
    const flatten = (nodes: TreeSnapshot[]): TreeSnapshot[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);
    const rows = async (): Promise<TreeSnapshot[]> => {
      await api.whenIdle();
      return flatten(await api.getTreeSnapshot('alembic.revisions'));
    };
    const file = path.join(root, 'alembic', 'versions', '92404fb3f98d_add_email_column_to_users.py');
    const original = fs.readFileSync(file, 'utf8');
    assert.match(original, /^def upgrade\(\)(?: -> None)?:$/m);
    try {
      // The revision that adds users.email no longer imports: Alembic fails on every command.
      fs.writeFileSync(file, original.replace(/^(def upgrade\(\)(?: -> None)?):$/m, '$1'));
      await waitFor(
        'the "History broken" row',
        async () => (await rows()).some((r) => /^History broken/.test(r.label)),
        20000,
      );
      const shown = await rows();
      const broken = shown.find((r) => /^History broken/.test(r.label))!;
      assert.match(broken.description ?? '', /^92404fb3f98d_add_email_column_to_users\.py:\d+$/);
      assert.match(plainText(broken.tooltip), /92404fb3f98d_add_email_column_to_users\.py:\d+: .*[Ss]yntax/);
      assert.ok(!shown.some((r) => /heads: merge needed/.test(r.label)), 'no merge offered for a broken history');
      assert.ok(
        !shown.some((r) => r.label === 'Models changed since the last revision'),
        'users.email is in the models and in the broken revision: not "changed"',
      );
      const { result, opened } = await countTerminalsOpened(() =>
        withDialogs({ error: () => undefined }, () => vscode.commands.executeCommand('alembic.upgrade.head')),
      );
      const errors = result.shown.filter((d) => d.kind === 'error');
      assert.strictEqual(errors.length, 1, describeShown(result.shown));
      assert.match(errors[0].message, /Alembic cannot load this history/);
      assert.match(errors[0].detail ?? '', /92404fb3f98d_add_email_column_to_users\.py:\d+/);
      assert.deepStrictEqual(errors[0].items, ['Open the Problem', 'Run Anyway']);
      assert.deepStrictEqual(opened, [], 'nothing ran');
    } finally {
      fs.writeFileSync(file, original);
    }
    await waitFor(
      'the history whole again',
      async () => !(await rows()).some((r) => /^History broken/.test(r.label)),
      20000,
    );
  });
});
