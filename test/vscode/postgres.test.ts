// The daily loop on PostgreSQL, set up the way projects do it: a `.env` next to alembic.ini with
// DATABASE_URL (the sample's env.py reads it through app/database.py). The server is a throwaway cluster
// started by scripts/vscode-test.sh (test/support/postgresCli.ts), whose URL arrives in
// ALEMBIC_LENS_TEST_PG_URL. The version table is read independently with psycopg2.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  heads,
  randomRevisionId,
  readRevisionFiles,
  revisionSource,
  versionsDir,
  waitFor,
  workspaceRoot,
} from './helpers';
import {
  ALEMBIC_PYTHON,
  alembicCli,
  appDb,
  assertNoError,
  closeAllEditors,
  countTerminalsOpened,
  describeShown,
  FIRST,
  HEAD,
  type LensApi,
  lensApi,
  prompts,
  python,
  readPostgresVersions,
  restoreSettings,
  saveSettings,
  setAlembicSetting,
  short,
  testPostgresServer,
  trackTerminals,
  waitForStatus,
  withDialogs,
} from './loopHelpers';

describe('the daily loop on PostgreSQL (DATABASE_URL in .env)', function () {
  this.timeout(60000);
  let api: LensApi;
  let root: string;
  let url: string;
  let password: string;
  let saved: Record<string, unknown>;
  let terminals: vscode.Disposable | undefined;
  let envFile: string;
  let portText: string;

  /** Every way the password could leak into text. */
  function assertNoPassword(text: string): void {
    for (const secret of new Set([password, encodeURIComponent(password)]))
      assert.ok(!text.includes(secret), `the password appears in: ${text}`);
  }

  function writeEnv(databaseUrl: string): void {
    fs.writeFileSync(envFile, `# the app's settings\nDATABASE_URL=${databaseUrl}\n`);
  }

  /** Drops what the migrations created, so each run starts from an empty database. */
  function emptyDatabase(): void {
    python(
      [
        '-c',
        'import os, psycopg2\nc = psycopg2.connect(os.environ["LENS_TEST_URL"])\nc.autocommit = True\nc.cursor().execute("DROP TABLE IF EXISTS alembic_version, users CASCADE")',
      ],
      { env: { LENS_TEST_URL: url } },
    );
  }

  before(async function () {
    this.timeout(60000);
    ({ url, password, port: portText } = testPostgresServer());
    terminals = trackTerminals();
    api = await lensApi();
    root = workspaceRoot();
    envFile = path.join(root, '.env');
    saved = saveSettings('pythonPath', 'databaseUrl');
    await setAlembicSetting('pythonPath', ALEMBIC_PYTHON);
    await setAlembicSetting('databaseUrl', undefined);
    fs.rmSync(appDb(root), { force: true });
    emptyDatabase();
    writeEnv(url);
  });

  afterEach(async () => {
    await closeAllEditors();
  });

  after(async function () {
    this.timeout(30000);
    terminals?.dispose();
    if (!api) return;
    fs.rmSync(envFile, { force: true });
    emptyDatabase();
    await waitForStatus(api, 'the status back on SQLite', (s) => s.source !== 'DATABASE_URL from .env');
    await restoreSettings(saved);
  });

  /** Puts the PostgreSQL database at `revision` with the real Alembic, and waits for the extension to see it. */
  async function postgresAt(revision: string, statusText: string): Promise<void> {
    emptyDatabase();
    alembicCli(root, ['upgrade', revision], { DATABASE_URL: url });
    await waitForStatus(api, `the status "${statusText}"`, (s) => s.text.includes(statusText));
  }

  it('reads the PostgreSQL database named by DATABASE_URL in .env: "not migrated yet"', async () => {
    const status = await waitForStatus(
      api,
      'the status from .env',
      (s) => s.source === 'DATABASE_URL from .env' && s.kind === 'no-version-table',
    );
    assert.strictEqual(status.text, 'Database: not migrated yet');
    assertNoPassword(JSON.stringify(await api.getDatabaseStatus()));
  });

  it('Upgrade to Head migrates PostgreSQL (not the SQLite default) and the status is at the head', async () => {
    emptyDatabase();
    await waitForStatus(api, 'the status "not migrated yet"', (s) => s.kind === 'no-version-table');
    const { shown } = await withDialogs({}, () => vscode.commands.executeCommand('alembic.upgrade.head'));
    assertNoError(shown, 'upgrade head');
    assert.deepStrictEqual(
      prompts(shown),
      [],
      `a server on 127.0.0.1 counts as local: no confirmation (${describeShown(shown)})`,
    );
    await waitFor(
      'PostgreSQL at the head (read with psycopg2)',
      () => readPostgresVersions(url)?.join() === HEAD,
      30000,
      300,
    );
    await waitForStatus(api, 'the status "up to date"', (s) => s.text.includes(`at ${short(HEAD)}, up to date`));
    assert.ok(!fs.existsSync(appDb(root)), 'the terminal got DATABASE_URL from .env: app.db was not created');
  });

  it('Downgrade One names the PostgreSQL database (never its password) and moves it back one', async () => {
    await postgresAt(HEAD, `at ${short(HEAD)}, up to date`);
    const { shown } = await withDialogs({ warning: () => 'Downgrade' }, () =>
      vscode.commands.executeCommand('alembic.downgrade.one'),
    );
    assertNoError(shown, 'downgrade');
    const modal = shown.find((s) => s.kind === 'warning');
    assert.ok(modal?.modal, describeShown(shown));
    console.log(`      modal: ${modal.message} | ${modal.detail?.replace(/\n/g, ' / ')}`);
    assert.strictEqual(modal.message, `Downgrade PostgreSQL lens on 127.0.0.1:${portText} to ${short(FIRST)}?`);
    assert.match(modal.detail ?? '', /92404fb\s+add email column to users/);
    assert.ok(
      modal.detail?.includes(`Database: PostgreSQL lens on 127.0.0.1:${portText} (DATABASE_URL from .env)`),
      modal.detail,
    );
    assertNoPassword(JSON.stringify(shown));
    await waitFor('PostgreSQL one revision back', () => readPostgresVersions(url)?.join() === FIRST, 30000, 300);
    await waitForStatus(api, 'the status "1 pending"', (s) => s.text.includes(`at ${short(FIRST)} (1 pending)`));
  });

  it('a server at another address: Upgrade to Head asks first, naming it and what will run; Cancel runs nothing, Run upgrades', async () => {
    // The same server seen through a non-loopback address of this machine (a TCP relay to 127.0.0.1),
    // which is what a database on the LAN looks like to the extension.
    const address =
      Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? os.hostname();
    const target = Number(portText);
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '0.0.0.0', resolve));
    const relayPort = (relay.address() as net.AddressInfo).port;
    const remoteUrl = `postgresql://postgres:${encodeURIComponent(password)}@${address}:${relayPort}/lens`;
    const where = `PostgreSQL lens on ${address}:${relayPort}`;
    try {
      emptyDatabase();
      alembicCli(root, ['upgrade', FIRST], { DATABASE_URL: url });
      writeEnv(remoteUrl);
      await waitForStatus(
        api,
        `the status of ${where}`,
        (s) => s.text.includes(`at ${short(FIRST)} (1 pending)`) && s.source === 'DATABASE_URL from .env',
      );

      const cancelled = await countTerminalsOpened(() =>
        withDialogs({}, () => vscode.commands.executeCommand('alembic.upgrade.head')),
      );
      const modal = cancelled.result.shown.find((s) => s.kind === 'warning');
      assert.ok(modal?.modal, describeShown(cancelled.result.shown));
      console.log(`      modal: ${modal.message} | ${modal.detail?.replace(/\n/g, ' / ')}`);
      assert.strictEqual(modal.message, `Upgrade to head on ${where}?`);
      assert.match(modal.detail ?? '', /is not on this machine/);
      assert.match(modal.detail ?? '', /This will apply 1 revision:\n• 92404fb\s+add email column to users/);
      assert.deepStrictEqual(modal.items, ['Run']);
      assertNoPassword(JSON.stringify(cancelled.result.shown));
      assert.deepStrictEqual(readPostgresVersions(url), [FIRST], 'cancelled: nothing ran');

      const run = await withDialogs({ warning: () => 'Run' }, () =>
        vscode.commands.executeCommand('alembic.upgrade.head'),
      );
      assertNoError(run.shown, 'upgrade after confirmation');
      await waitFor('PostgreSQL at the head', () => readPostgresVersions(url)?.join() === HEAD, 30000, 300);
      await waitForStatus(api, 'the status "up to date"', (s) => s.text.includes(`at ${short(HEAD)}, up to date`));
    } finally {
      writeEnv(url);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => relay.close(resolve));
    }
  });
  it("raw SQL in op.execute() is linted with PostgreSQL's parser, and the quick fix adds CONCURRENTLY", async () => {
    const [head] = heads(readRevisionFiles());
    const id = randomRevisionId();
    const file = path.join(versionsDir(), `${id}_lens_raw_sql.py`);
    const body = '    op.execute("CREATE INDEX ix_users_name ON users (name)")';
    fs.writeFileSync(file, revisionSource(id, head, 'raw sql index', body));
    const uri = vscode.Uri.file(file);
    const indexDiagnostics = () =>
      vscode.languages
        .getDiagnostics(uri)
        .filter((d) => (typeof d.code === 'object' ? d.code.value : d.code) === 'create-index-not-concurrently');
    try {
      const [diagnostic] = await waitFor(
        'create-index-not-concurrently on the op.execute line',
        () => {
          const found = indexDiagnostics();
          return found.length ? found : undefined;
        },
        20000,
      );
      console.log(`      ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
      assert.match(
        diagnostic.message,
        /^op\.execute\("CREATE INDEX ix_users_name ON users \(name\)"\) builds the index/,
      );
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      const fixes =
        (await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          uri,
          diagnostic.range,
          vscode.CodeActionKind.QuickFix.value,
        )) ?? [];
      const fix = fixes.find((f) => f.title === 'Use CREATE INDEX CONCURRENTLY in an autocommit block');
      assert.ok(fix?.edit, `the SQL quick fix: ${JSON.stringify(fixes.map((f) => f.title))}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.match(doc.getText(), /autocommit_block\(\):\n {8}op\.execute\("CREATE INDEX CONCURRENTLY ix_users_name/);
      await doc.save();
      await waitFor('the diagnostic to go', () => indexDiagnostics().length === 0, 10000);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
