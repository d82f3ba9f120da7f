// The daily Alembic loop as a user lives it, in a real VS Code on the throw-away copy of migrations-sample
// (SQLite app.db): fresh clone, Upgrade to Head, edit a model + autogenerate, the empty-autogenerate
// pitfall, Downgrade One, Show SQL, two heads + Merge Heads, Stamp, a hostile revision message, and
// Initialize Alembic on a new app. The commands are run through the palette's command ids, the dialogs
// answered as a user would (loopHelpers.withDialogs), and every effect is checked where it lands: files
// on disk, the SQLite version table read with Python's sqlite3, the tree's items and the status line.
// Each test puts the database in the state it needs with the real Alembic CLI, and afterEach removes the
// files it added, so the tests do not depend on each other.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TreeSnapshot } from '../../src/testApi/treeSnapshot';
import { heads, randomRevisionId, readRevisionFiles, revisionSource, waitFor } from './helpers';
import {
  activeFile,
  appDb,
  assertNoError,
  closeAllEditors,
  describeShown,
  FIRST,
  HEAD,
  type LensApi,
  lensApi,
  newFiles,
  prompts,
  readSqlite,
  revisionItem,
  type SampleWorkspace,
  sameFile,
  short,
  snapshotDir,
  sqliteAt,
  trackTerminals,
  treeStates,
  useSampleWorkspace,
  waitForStatus,
  withDialogs,
} from './loopHelpers';

describe('the daily loop on SQLite', function () {
  this.timeout(60000);
  let api: LensApi;
  let root: string;
  let versions: string;
  let modelsFile: string;
  /** The sample's models.py as in the repo: the models the sample's revisions were generated from. */
  let modelsText: string;
  let sample: SampleWorkspace | undefined;
  let terminals: vscode.Disposable | undefined;
  /** Extra files and folders a test created, removed after it. */
  const cleanup: string[] = [];

  before(async function () {
    this.timeout(60000);
    terminals = trackTerminals();
    api = await lensApi();
    sample = await useSampleWorkspace(api);
    ({ root, versions, modelsFile, modelsText } = sample);
  });

  afterEach(async function () {
    this.timeout(30000);
    await closeAllEditors();
    if (fs.readFileSync(modelsFile, 'utf8') !== modelsText) fs.writeFileSync(modelsFile, modelsText);
    sample?.removeAddedRevisions();
    const removedFolders = cleanup.splice(0);
    for (const p of removedFolders) fs.rmSync(p, { recursive: true, force: true });
    // A project folder removed behind the extension's back: make sure it is forgotten for the next tests.
    if (removedFolders.length) await vscode.commands.executeCommand('alembic.refresh');
    await api.whenIdle();
  });

  after(async function () {
    this.timeout(30000);
    terminals?.dispose();
    if (api) await sample?.restore(api);
  });

  /** The revision ids of files added to the versions folder since `before`. */
  function addedRevision(before: Set<string>): { file: string; id: string; text: string } {
    const added = newFiles(versions, before);
    assert.strictEqual(added.length, 1, `one new revision file in ${versions}: ${JSON.stringify(added)}`);
    const text = fs.readFileSync(added[0], 'utf8');
    const id = /^revision\s*(?::[^=]+)?=\s*['"]([0-9a-f]+)['"]/m.exec(text)?.[1];
    assert.ok(id, `${path.basename(added[0])} has a revision id`);
    return { file: added[0], id, text };
  }

  it('a fresh clone: "no database yet", every revision pending', async () => {
    await sqliteAt(api, undefined);
    const [status] = await api.getDatabaseStatus();
    assert.strictEqual(status.kind, 'no-database');
    assert.match(status.text, /no database yet/);
    const states = await treeStates(api);
    const files = readRevisionFiles(versions);
    assert.ok(files.length >= 2);
    for (const f of files)
      assert.ok(states[f.revision]?.includes('pending'), `${f.revision} is pending: ${JSON.stringify(states)}`);
    assert.deepStrictEqual(states[HEAD], ['head', 'pending']);
    assert.ok(
      !Object.values(states)
        .flat()
        .some((s) => s === 'current' || s === 'applied'),
      'nothing current or applied',
    );
    // The header says "Create Date: 2026-11-25 19:00:48.065132": the tooltip shows it to the minute.
    const flat = (rows: TreeSnapshot[]): TreeSnapshot[] => rows.flatMap((r) => [r, ...flat(r.children)]);
    const headRow = flat(await api.getTreeSnapshot('alembic.revisions')).find((r) =>
      r.description?.includes('92404fb'),
    );
    // The tooltip is Markdown: its dashes are escaped.
    const tooltip = (headRow?.tooltip ?? '').replace(/\\/g, '');
    assert.match(tooltip, /Created: 2026-11-25 19:00\n/, `the head's tooltip: ${tooltip}`);
  });

  it('Upgrade to Head creates app.db at the head; the tree shows the head current and the rest applied', async () => {
    await sqliteAt(api, undefined);
    const { shown } = await withDialogs({}, () => vscode.commands.executeCommand('alembic.upgrade.head'));
    assertNoError(shown, 'upgrade head');
    assert.deepStrictEqual(prompts(shown), [], `a local SQLite upgrade asks nothing: ${describeShown(shown)}`);
    const db = await waitFor(
      'app.db at the head (read with Python sqlite3)',
      () => {
        const read = readSqlite(appDb(root));
        return read.rows?.[0] === HEAD ? read : undefined;
      },
      30000,
      200,
    );
    assert.deepStrictEqual(db.rows, [HEAD]);
    assert.deepStrictEqual(db.tables.users, ['id', 'name', 'email'], 'both migrations ran');
    const status = await waitForStatus(api, 'the status "up to date"', (s) =>
      s.text.includes(`at ${short(HEAD)}, up to date`),
    );
    assert.strictEqual(status.kind, 'ok');
    const states = await waitFor('the tree to show the new state', async () => {
      const s = await treeStates(api);
      return s[HEAD]?.includes('current') ? s : undefined;
    });
    assert.deepStrictEqual(states[HEAD], ['head', 'current']);
    assert.deepStrictEqual(states[FIRST], ['applied']);
  });

  it('edit a model, autogenerate: the new revision opens, adds the column, is the pending head; Upgrade to Head applies it', async () => {
    await sqliteAt(api, HEAD);
    // The user adds a column in the editor and saves.
    const doc = await vscode.workspace.openTextDocument(modelsFile);
    await vscode.window.showTextDocument(doc);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('email = Column('));
    assert.ok(line >= 0, 'models.py has the email column');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(line + 1, 0), '    phone = Column(String(30), nullable=True)\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save(), 'models.py saved');
    assert.match(fs.readFileSync(modelsFile, 'utf8'), /phone = Column\(String\(30\)/);

    const before = snapshotDir(versions);
    let placeHolder: string | undefined;
    const { shown } = await withDialogs(
      {
        input: (options) => {
          placeHolder = options.placeHolder;
          return 'add phone to users';
        },
      },
      () => vscode.commands.executeCommand('alembic.revision.autogenerate'),
    );
    // A placeholder that reads like a revision message looks pre-filled (the sample has "add email column to users").
    const messages = (await api.getRevisionItems()).map((item) => item.label);
    assert.ok(placeHolder && !messages.includes(placeHolder), `a neutral placeholder, not a message: ${placeHolder}`);
    assertNoError(shown, 'autogenerate');
    assert.deepStrictEqual(
      prompts(shown).map((s) => s.kind),
      ['input'],
      `only the message is asked: ${describeShown(shown)}`,
    );
    const rev = addedRevision(before);
    assert.match(path.basename(rev.file), /add_phone_to_users\.py$/);
    assert.ok(sameFile(activeFile(), rev.file), `the new revision is open in the editor (active: ${activeFile()})`);
    assert.match(
      rev.text,
      /(op|batch_op)\.add_column\(sa\.Column\('phone', sa\.String\(length=30\)/,
      'upgrade() adds the phone column',
    );
    assert.match(rev.text, /^down_revision = '92404fb3f98d'$/m);

    const states = await waitFor('the new revision in the tree', async () => {
      const s = await treeStates(api);
      return s[rev.id] ? s : undefined;
    });
    assert.deepStrictEqual(states[rev.id], ['head', 'pending']);
    assert.deepStrictEqual(states[HEAD], ['current'], 'the old head is current, no longer head');
    await waitForStatus(api, 'the status "1 pending"', (s) => s.text.includes(`at ${short(HEAD)} (1 pending)`));
    assert.deepStrictEqual(readSqlite(appDb(root)).rows, [HEAD], 'autogenerate did not migrate');

    const upgrade = await withDialogs({}, () => vscode.commands.executeCommand('alembic.upgrade.head'));
    assertNoError(upgrade.shown, 'upgrade head');
    const db = await waitFor(
      'app.db at the new revision',
      () => {
        const read = readSqlite(appDb(root));
        return read.rows?.[0] === rev.id ? read : undefined;
      },
      30000,
      200,
    );
    assert.ok(db.tables.users.includes('phone'), `users has the phone column: ${db.tables.users}`);
    await waitForStatus(api, 'the status at the new head', (s) => s.text.includes(`at ${short(rev.id)}, up to date`));
    const after = await treeStates(api);
    assert.deepStrictEqual(after[rev.id], ['head', 'current']);
    assert.deepStrictEqual(after[HEAD], ['applied']);
  });

  it('autogenerate with unchanged models warns that upgrade() is empty and offers env.py', async () => {
    await sqliteAt(api, HEAD);
    const before = snapshotDir(versions);
    const { shown } = await withDialogs(
      { input: () => 'nothing changed', warning: (_m, items) => items.find((i) => i === 'Open env.py') },
      () => vscode.commands.executeCommand('alembic.revision.autogenerate'),
    );
    assertNoError(shown, 'autogenerate');
    const rev = addedRevision(before);
    assert.match(
      rev.text,
      /def upgrade\(\) -> None:\n\s+# ### commands auto generated by Alembic - please adjust! ###\n\s+pass/,
    );
    const warnings = shown.filter((s) => s.kind === 'warning');
    assert.strictEqual(warnings.length, 1, describeShown(shown));
    console.log(`      warning: ${warnings[0].message} | ${warnings[0].detail?.replace(/\n+/g, ' / ')}`);
    assert.strictEqual(warnings[0].modal, true);
    assert.match(warnings[0].message, /no changes/i);
    assert.match(warnings[0].message, new RegExp(`upgrade\\(\\) of ${path.basename(rev.file)} is empty`));
    // The sample's env.py imports its only model module: that is said, then what autogenerate cannot see.
    assert.match(warnings[0].detail ?? '', /^target_metadata \(Base\.metadata\) has the models of app\/models\.py/);
    assert.match(warnings[0].detail ?? '', /compare_type=True/, 'the sample does not set it');
    assert.ok(
      sameFile(activeFile(), path.join(root, 'alembic', 'env.py')),
      `"Open env.py" opened it (active: ${activeFile()})`,
    );
  });

  it('Downgrade One asks first, naming the revision and the database; Cancel changes nothing, Downgrade moves back one', async () => {
    await sqliteAt(api, HEAD);
    const mtime = fs.statSync(appDb(root)).mtimeMs;
    const cancelled = await withDialogs({ warning: () => undefined }, () =>
      vscode.commands.executeCommand('alembic.downgrade.one'),
    );
    assertNoError(cancelled.shown, 'downgrade (cancelled)');
    assert.strictEqual(prompts(cancelled.shown).length, 1, describeShown(cancelled.shown));
    const modal = prompts(cancelled.shown)[0];
    console.log(`      modal: ${modal.message} | ${modal.detail?.replace(/\n/g, ' / ')}`);
    assert.strictEqual(modal.kind, 'warning');
    assert.strictEqual(modal.modal, true, 'a modal confirmation');
    assert.deepStrictEqual(modal.items, ['Downgrade']);
    assert.match(modal.message, /Downgrade SQLite app\.db to 13c9c7d\?/);
    assert.match(modal.detail ?? '', /92404fb\s+add email column to users/, 'names the revision reverted');
    assert.match(modal.detail ?? '', /dropped with their data/, 'says data is lost');
    assert.match(modal.detail ?? '', /Database: SQLite app\.db/, 'names the database');
    assert.ok(!/create users table/.test(modal.detail ?? ''), 'lists only what is reverted');
    assert.deepStrictEqual(readSqlite(appDb(root)).rows, [HEAD], 'cancel: the version table is unchanged');
    assert.strictEqual(fs.statSync(appDb(root)).mtimeMs, mtime, 'cancel: app.db was not written');

    const done = await withDialogs({ warning: () => 'Downgrade' }, () =>
      vscode.commands.executeCommand('alembic.downgrade.one'),
    );
    assertNoError(done.shown, 'downgrade');
    const db = await waitFor(
      'app.db one revision back',
      () => {
        const read = readSqlite(appDb(root));
        return read.rows?.[0] === FIRST ? read : undefined;
      },
      30000,
      200,
    );
    assert.deepStrictEqual(db.tables.users, ['id', 'name'], 'the email column is gone');
    await waitForStatus(api, 'the status "1 pending"', (s) => s.text.includes(`at ${short(FIRST)} (1 pending)`));
    const states = await treeStates(api);
    assert.deepStrictEqual(states[FIRST], ['current']);
    assert.deepStrictEqual(states[HEAD], ['head', 'pending']);
  });

  it('Show SQL for Upgrade opens formatted SQL in a read-only SQL document named after the range, never dirty, and changes nothing', async () => {
    await sqliteAt(api, FIRST);
    const pickHead = (items: readonly vscode.QuickPickItem[]) =>
      items.find((i) => (i as { revision?: { id: string } | null }).revision?.id === HEAD);
    const { shown } = await withDialogs({ quickPick: pickHead }, () =>
      vscode.commands.executeCommand('alembic.sql.upgrade'),
    );
    assertNoError(shown, 'show SQL');
    const pick = shown.find((s) => s.kind === 'quickPick');
    assert.deepStrictEqual(pick?.items, ['add email column to users'], 'only pending revisions are offered');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assertReadOnlySql(editor.document, `upgrade ${short(FIRST)}..${short(HEAD)}.sql`);
    const sql = editor.document.getText();
    console.log(`      ${sql.split('\n').slice(0, 4).join(' | ')} ...`);
    assert.match(sql, /-- Running upgrade 13c9c7d2277c -> 92404fb3f98d/, 'from where the database is, not from base');
    assert.match(sql, /ALTER TABLE users\s+ADD COLUMN email VARCHAR\(255\);/);
    assert.match(sql, /CREATE UNIQUE INDEX ix_users_email ON users \(email\);/);
    assert.match(
      sql,
      /^UPDATE alembic_version\nSET\n\s+version_num = '92404fb3f98d'\nWHERE/m,
      'formatted (Alembic writes the UPDATE on one line)',
    );
    assert.ok(!/CREATE TABLE users/.test(sql), 'no SQL for the applied revision');
    assert.deepStrictEqual(readSqlite(appDb(root)).rows, [FIRST], 'nothing ran');

    // From a fresh clone: the SQL of the whole history, and still no database file.
    await closeAllEditors();
    await sqliteAt(api, undefined);
    const pickFirst = (items: readonly vscode.QuickPickItem[]) =>
      items.find((i) => (i as { revision?: { id: string } | null }).revision?.id === FIRST);
    const fromBase = await withDialogs({ quickPick: pickFirst }, () =>
      vscode.commands.executeCommand('alembic.sql.upgrade'),
    );
    assertNoError(fromBase.shown, 'show SQL from base');
    const fromBaseDoc = vscode.window.activeTextEditor?.document;
    assert.ok(fromBaseDoc, 'an editor is open');
    assertReadOnlySql(fromBaseDoc, `upgrade base..${short(FIRST)}.sql`);
    const text = fromBaseDoc.getText();
    assert.match(text, /CREATE TABLE alembic_version/);
    assert.match(text, /CREATE TABLE users \(/);
    assert.ok(!/ADD COLUMN email/.test(text), 'stops at the revision picked');
    assert.ok(!fs.existsSync(appDb(root)), 'offline SQL created no database');
  });

  it('two heads: the tree shows both, Upgrade to Head warns, a new revision asks which head, Merge Heads makes one head, Downgrade One unmerges', async function () {
    this.timeout(90000);
    await sqliteAt(api, HEAD);
    const pickId = (id: string) => (items: readonly vscode.QuickPickItem[]) =>
      items.find((i) => (i as { revision?: { id: string } | null }).revision?.id === id);
    // My revision, through the palette...
    let before = snapshotDir(versions);
    const mine = await withDialogs({ input: () => 'add orders table' }, () =>
      vscode.commands.executeCommand('alembic.revision.new'),
    );
    assertNoError(mine.shown, 'new revision');
    const b = addedRevision(before);
    assert.match(b.text, /^down_revision = '92404fb3f98d'$/m);
    // ...and a teammate's on the same parent, arriving with a git pull.
    const a = randomRevisionId();
    fs.writeFileSync(path.join(versions, `${a}_add_invoices_table.py`), revisionSource(a, HEAD, 'add invoices table'));
    const states = await waitFor('both heads in the tree', async () => {
      const s = await treeStates(api);
      return s[a]?.includes('head') && s[b.id]?.includes('head') ? s : undefined;
    });
    assert.deepStrictEqual(states[a], ['head', 'pending']);
    assert.deepStrictEqual(states[b.id], ['head', 'pending']);
    assert.ok(states[HEAD].includes('branchpoint'), `${HEAD} is a branch point: ${states[HEAD]}`);

    const blocked = await withDialogs({}, () => vscode.commands.executeCommand('alembic.upgrade.head'));
    assert.strictEqual(prompts(blocked.shown).length, 1, describeShown(blocked.shown));
    const [multiple] = prompts(blocked.shown);
    assert.match(multiple.message, /2 heads/);
    assert.ok(multiple.modal);
    assert.deepStrictEqual(multiple.items, ['Upgrade All Heads', 'Merge Heads']);
    assert.deepStrictEqual(readSqlite(appDb(root)).rows, [HEAD], 'closing the warning runs nothing');

    // A new revision now has to say which head it follows.
    before = snapshotDir(versions);
    const onA = await withDialogs(
      { input: () => 'add invoice lines', warning: () => 'Choose a Head...', quickPick: pickId(a) },
      () => vscode.commands.executeCommand('alembic.revision.new'),
    );
    assertNoError(onA.shown, 'new revision on a chosen head');
    const asked = prompts(onA.shown);
    assert.deepStrictEqual(
      asked.map((s) => s.kind),
      ['input', 'warning', 'quickPick'],
      describeShown(onA.shown),
    );
    assert.ok(asked[1].modal && /2 heads/.test(asked[1].message), describeShown(onA.shown));
    assert.deepStrictEqual(
      [...asked[2].items].sort(),
      ['add invoices table', 'add orders table'],
      'only the heads are offered',
    );
    const c = addedRevision(before);
    assert.match(c.text, new RegExp(`^down_revision = '${a}'$`, 'm'), 'the new revision follows the head picked');
    await waitFor('the new head in the tree', async () => (await treeStates(api))[c.id]?.includes('head'));

    before = snapshotDir(versions);
    const merge = await withDialogs({ input: (o) => o.value }, () =>
      vscode.commands.executeCommand('alembic.merge.heads'),
    );
    assertNoError(merge.shown, 'merge heads');
    const input = merge.shown.find((s) => s.kind === 'input');
    assert.ok(
      input?.value?.includes(short(c.id)) && input.value.includes(short(b.id)),
      `the proposed message names both heads: ${input?.value}`,
    );
    const m = addedRevision(before);
    assert.ok(sameFile(activeFile(), m.file), 'the merge revision is open');
    const mFile = readRevisionFiles(versions).find((f) => f.revision === m.id)!;
    assert.deepStrictEqual([...mFile.downRevisions].sort(), [b.id, c.id].sort(), 'the merge revises both heads');
    assert.deepStrictEqual(heads(readRevisionFiles(versions)), [m.id], 'one head on disk');
    const merged = await waitFor('one head in the tree', async () => {
      const s = await treeStates(api);
      return s[m.id] && !s[c.id].includes('head') && !s[b.id].includes('head') ? s : undefined;
    });
    assert.deepStrictEqual(merged[m.id], ['head', 'merge', 'pending']);

    const upgrade = await withDialogs({}, () => vscode.commands.executeCommand('alembic.upgrade.head'));
    assert.deepStrictEqual(prompts(upgrade.shown), [], `no warning with one head: ${describeShown(upgrade.shown)}`);
    await waitFor('app.db at the merge revision', () => readSqlite(appDb(root)).rows?.join() === m.id, 30000, 200);
    await waitForStatus(api, 'the status at the merge', (s) => s.text.includes(`at ${short(m.id)}, up to date`));

    // Downgrade One from the merge point reverts the merge alone: both branches stay applied.
    const down = await withDialogs({ warning: () => 'Downgrade' }, () =>
      vscode.commands.executeCommand('alembic.downgrade.one'),
    );
    assertNoError(down.shown, 'downgrade from the merge');
    assert.match(
      down.shown[0]?.detail ?? '',
      new RegExp(`${short(m.id)}\\s+merge`),
      `the modal names the merge: ${describeShown(down.shown)}`,
    );
    // Where the database will stand: on both parents, not on the first one alone.
    const both = [b.id, c.id].sort().map(short).join(' and ');
    assert.match(down.shown[0]?.message ?? '', new RegExp(` to ${both}\\?$`), describeShown(down.shown));
    const rows = await waitFor(
      'app.db at both parents of the merge',
      () => {
        const r = readSqlite(appDb(root)).rows;
        return r?.length === 2 ? r : undefined;
      },
      30000,
      200,
    );
    assert.deepStrictEqual([...rows].sort(), [b.id, c.id].sort());
    await waitForStatus(
      api,
      'the status at both branches',
      (s) => s.text.includes('(1 pending)') && s.text.includes(short(b.id)) && s.text.includes(short(c.id)),
    );
  });

  it('Stamp to base asks first ("no migration runs") and empties the version table without touching the schema', async () => {
    await sqliteAt(api, HEAD);
    const pickBase = (items: readonly vscode.QuickPickItem[]) =>
      items.find((i) => (i as { revision?: unknown }).revision === null);
    const { shown } = await withDialogs({ quickPick: pickBase, warning: () => 'Stamp' }, () =>
      vscode.commands.executeCommand('alembic.stamp'),
    );
    assertNoError(shown, 'stamp');
    const modal = shown.find((s) => s.kind === 'warning');
    assert.ok(modal, describeShown(shown));
    console.log(`      modal: ${modal.message} | ${modal.detail?.replace(/\n/g, ' / ')}`);
    assert.ok(modal.modal);
    assert.match(modal.message, /Stamp SQLite app\.db as base\?/);
    assert.match(modal.detail ?? '', /no migration runs/);
    assert.match(modal.detail ?? '', /Recorded now: 92404fb/);
    assert.match(modal.detail ?? '', /Will record: base/);
    const db = await waitFor(
      'an empty version table',
      () => {
        const read = readSqlite(appDb(root));
        return read.rows?.length === 0 ? read : undefined;
      },
      30000,
      200,
    );
    assert.deepStrictEqual(db.tables.users, ['id', 'name', 'email'], 'the schema is unchanged');
    await waitForStatus(api, 'the status at base', (s) => s.text.includes('at base (2 pending)'));
    const states = await treeStates(api);
    assert.ok(
      Object.values(states).every((s) => s.includes('pending')),
      JSON.stringify(states),
    );
  });

  it('a revision message with quotes, $(...), backticks and unicode reaches the docstring verbatim and runs nothing', async () => {
    await sqliteAt(api, HEAD);
    const pwned = `/tmp/lens-pwned-${process.pid}`;
    const message = `it's a "test" $(touch ${pwned}) \`touch ${pwned}\` ; rm -rf nothing & ünïcødé — 日本語 ✓`;
    const before = snapshotDir(versions);
    const { shown } = await withDialogs({ input: () => message }, () =>
      vscode.commands.executeCommand('alembic.revision.new'),
    );
    assertNoError(shown, 'new revision');
    const rev = addedRevision(before);
    assert.ok(rev.text.startsWith(`"""${message}\n`), `docstring: ${JSON.stringify(rev.text.slice(0, 160))}`);
    assert.ok(sameFile(activeFile(), rev.file), 'the new revision is open');
    assert.ok(!fs.existsSync(pwned), `${pwned} exists: the shell ran part of the message`);
    const item = await waitFor('the revision in the tree', () => revisionItem(api, rev.id));
    assert.strictEqual(item.label, message, 'the tree shows the message as written');
    assert.deepStrictEqual(readSqlite(appDb(root)).rows, [HEAD], 'the database is untouched');
  });

  it('Initialize Alembic in a new app folder wires env.py to its models, and the first autogenerate creates its table', async function () {
    this.timeout(90000);
    const demo = path.join(root, 'demo');
    cleanup.push(demo);
    fs.mkdirSync(path.join(demo, 'app'), { recursive: true });
    fs.writeFileSync(path.join(demo, 'app', '__init__.py'), '');
    fs.writeFileSync(
      path.join(demo, 'app', 'db.py'),
      'import os\n\nDATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///./demo.db")\n',
    );
    fs.writeFileSync(
      path.join(demo, 'app', 'models.py'),
      [
        'from sqlalchemy import Column, Integer, String',
        'from sqlalchemy.orm import declarative_base',
        '',
        'Base = declarative_base()',
        '',
        '',
        'class Widget(Base):',
        '    __tablename__ = "widgets"',
        '',
        '    id = Column(Integer, primary_key=True)',
        '    name = Column(String(50), nullable=False)',
        '',
      ].join('\n'),
    );
    const init = await withDialogs(
      {
        quickPick: (items) => items.find((i) => /Other Folder/.test(i.label)),
        openDialog: () => [vscode.Uri.file(demo)],
        input: (o) => o.value, // the proposed "alembic"
      },
      () => vscode.commands.executeCommand('alembic.init'),
    );
    assertNoError(init.shown, 'init');
    assert.deepStrictEqual(
      init.shown.map((s) => s.kind),
      ['quickPick', 'openDialog', 'input', 'info'],
      describeShown(init.shown),
    );
    const info = init.shown[3].message;
    console.log(`      ${info}`);
    assert.match(info, /target_metadata = Base\.metadata/);
    const envPy = fs.readFileSync(path.join(demo, 'alembic', 'env.py'), 'utf8');
    assert.match(envPy, /^from app\.models import Base$/m);
    assert.match(envPy, /^target_metadata = Base\.metadata$/m);
    assert.ok(!/^target_metadata = None$/m.test(envPy), 'the None placeholder is replaced');
    assert.match(
      fs.readFileSync(path.join(demo, 'alembic.ini'), 'utf8'),
      /^sqlalchemy\.url = sqlite:\/\/\/\.\/demo\.db$/m,
      "the app's default URL",
    );
    assert.ok(sameFile(activeFile(), path.join(demo, 'alembic', 'env.py')), 'env.py is open');
    await waitFor(
      'the demo project in the tree',
      async () => (await api.getDatabaseStatus()).some((s) => s.project === 'demo'),
      15000,
    );

    const before = new Set<string>();
    const t0 = Date.now();
    const auto = await withDialogs(
      { quickPick: (items) => items.find((i) => i.label === 'demo'), input: () => 'create widgets' },
      () => vscode.commands.executeCommand('alembic.revision.autogenerate'),
    );
    const elapsed = Date.now() - t0;
    assertNoError(auto.shown, 'autogenerate in demo');
    assert.ok(
      !auto.shown.some((s) => s.kind === 'warning'),
      `no empty-autogenerate warning: ${describeShown(auto.shown)}`,
    );
    const created = newFiles(path.join(demo, 'alembic', 'versions'), before);
    assert.strictEqual(created.length, 1, JSON.stringify(created));
    const text = fs.readFileSync(created[0], 'utf8');
    assert.match(text, /op\.create_table\('widgets',/, 'a non-empty first revision');
    assert.match(text, /sa\.Column\('name', sa\.String\(length=50\), nullable=False\)/);
    // The new project's versions folder was created by `alembic init` moments before: the revision must
    // still be noticed (tree) and opened, without the command waiting for a file that is already there.
    const id = /^revision = '([0-9a-f]+)'/m.exec(text)?.[1];
    const listed = (await api.getRevisionItems()).some((i) => i.id === id);
    assert.ok(
      sameFile(activeFile(), created[0]) && listed,
      `${path.basename(created[0])} is on disk, but after ${elapsed} ms the command ${sameFile(activeFile(), created[0]) ? 'opened it' : `did not open it (active: ${activeFile()})`} and the tree ${listed ? 'lists' : 'does not list'} it`,
    );
    // A revision written and deleted outside the extension (a shell, git) is noticed too, without a refresh.
    const outside = randomRevisionId();
    const outsideFile = path.join(demo, 'alembic', 'versions', `${outside}_from_a_shell.py`);
    fs.writeFileSync(outsideFile, revisionSource(outside, id ?? null, 'from a shell'));
    const listedNow = async (): Promise<boolean> => (await api.getRevisionItems()).some((i) => i.id === outside);
    await waitFor('the revision written from a shell in the tree', listedNow, 15000);
    fs.unlinkSync(outsideFile);
    await waitFor('the revision deleted from a shell gone from the tree', async () => !(await listedNow()), 15000);
  });

  it('a project in a folder files.exclude hides from the Explorer is found; one under node_modules is not', async () => {
    assert.ok(!fs.existsSync(path.join(root, 'node_modules')), 'the sample has no node_modules of its own');
    const copyProject = (folder: string) => {
      fs.mkdirSync(folder, { recursive: true });
      fs.copyFileSync(path.join(root, 'alembic.ini'), path.join(folder, 'alembic.ini'));
      fs.cpSync(path.join(root, 'alembic'), path.join(folder, 'alembic'), {
        recursive: true,
        filter: (src) => !src.includes('__pycache__'),
      });
    };
    copyProject(path.join(root, 'hidden_server'));
    copyProject(path.join(root, 'node_modules', 'some_package'));
    const files = vscode.workspace.getConfiguration('files');
    const before = files.inspect('exclude')?.workspaceValue;
    try {
      await files.update('exclude', { hidden_server: true, 'docs/': true }, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('alembic.refresh');
      await waitFor(
        'the hidden_server project in the tree',
        async () => (await api.getDatabaseStatus()).some((s) => s.project === 'hidden_server'),
        15000,
      );
      assert.ok(
        (await api.getDatabaseStatus()).every((s) => s.project !== 'some_package'),
        'a dependency under node_modules is not a project',
      );
    } finally {
      await files.update('exclude', before, vscode.ConfigurationTarget.Workspace);
      for (const folder of ['hidden_server', 'node_modules'])
        fs.rmSync(path.join(root, folder), { recursive: true, force: true });
      await vscode.commands.executeCommand('alembic.refresh');
    }
  });

  it('a scripts folder no config names is found; Create alembic.ini for It, after a confirmation showing the file, makes it a project', async () => {
    // Like warehouse: the application's package holds migrations/, and builds its Alembic Config in code.
    const svc = path.join(root, 'svc');
    const scripts = path.join(svc, 'app', 'migrations');
    fs.mkdirSync(path.join(scripts, 'versions'), { recursive: true });
    fs.writeFileSync(path.join(svc, 'app', '__init__.py'), '');
    for (const file of ['env.py', 'script.py.mako'])
      fs.copyFileSync(path.join(root, 'alembic', file), path.join(scripts, file));
    const ini = path.join(svc, 'alembic.ini');
    try {
      await vscode.commands.executeCommand('alembic.refresh');
      await waitFor(
        'the scripts folder without a config noticed',
        async () => api.commands.contextKeys()['alembic.scriptsWithoutConfig'] === true,
        15000,
      );
      const declined = await withDialogs({ warning: () => undefined }, () =>
        vscode.commands.executeCommand('alembic.init.configForScripts'),
      );
      const asked = declined.shown.find((s) => s.modal);
      assert.ok(
        asked && /Create svc\/alembic\.ini for svc\/app\/migrations\?/.test(asked.message),
        describeShown(declined.shown),
      );
      assert.match(asked.detail ?? '', /script_location = %\(here\)s\/app\/migrations/);
      assert.ok(!fs.existsSync(ini), 'nothing written without the click');

      await withDialogs({ warning: (_, items) => items.find((i) => i === 'Create alembic.ini') }, () =>
        vscode.commands.executeCommand('alembic.init.configForScripts'),
      );
      assert.match(fs.readFileSync(ini, 'utf8'), /^\[alembic\]\nscript_location = %\(here\)s\/app\/migrations\n/m);
      await waitFor(
        'the svc project in the tree, no longer a folder without config',
        async () =>
          (await api.getDatabaseStatus()).some((s) => s.project === 'svc') &&
          api.commands.contextKeys()['alembic.scriptsWithoutConfig'] === false,
        15000,
      );
    } finally {
      fs.rmSync(svc, { recursive: true, force: true });
      await vscode.commands.executeCommand('alembic.refresh');
    }
  });

  it('a project folder deleted from disk (rm -rf, a branch switch) disappears from the tree', async () => {
    const gone = path.join(root, 'old_service');
    cleanup.push(gone);
    fs.mkdirSync(gone);
    fs.copyFileSync(path.join(root, 'alembic.ini'), path.join(gone, 'alembic.ini'));
    fs.cpSync(path.join(root, 'alembic'), path.join(gone, 'alembic'), {
      recursive: true,
      filter: (src) => !src.includes('__pycache__'),
    });
    // Set-up: the Refresh button, so that only the deletion is left to the file watchers.
    await vscode.commands.executeCommand('alembic.refresh');
    await waitFor(
      'the old_service project in the tree',
      async () => (await api.getDatabaseStatus()).some((s) => s.project === 'old_service'),
      15000,
    );
    fs.rmSync(gone, { recursive: true, force: true });
    await waitFor(
      'old_service gone from the tree after its folder was deleted',
      async () => (await api.getDatabaseStatus()).every((s) => s.project !== 'old_service'),
      10000,
    );
  });
});

/**
 * Offline SQL as a user should get it: a tab named after the range, in SQL, that cannot be edited and so
 * never asks to be saved on close (an untitled document with text is dirty, and asks).
 */
function assertReadOnlySql(doc: vscode.TextDocument, name: string): void {
  assert.strictEqual(path.posix.basename(doc.uri.path), name, 'the tab is named after the range');
  assert.strictEqual(doc.languageId, 'sql');
  assert.strictEqual(doc.isUntitled, false, 'not an untitled document');
  assert.strictEqual(doc.isDirty, false, 'not dirty: closing it asks nothing');
  assert.ok(
    !['untitled', 'file'].includes(doc.uri.scheme),
    `served by the extension, not a file to save (${doc.uri.scheme})`,
  );
}
