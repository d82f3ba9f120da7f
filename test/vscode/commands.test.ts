// Commands as a user meets their failures and limits, in a real VS Code on the throw-away copy of
// migrations-sample (SQLite app.db): a command that fails in the terminal says so outside it (a
// notification with the error's last line, masked, and the "Alembic" output channel's record of what
// ran); actions that cannot apply are not offered (context keys, the graph's "Jump to current") and say
// why when run anyway; an empty autogenerate can be deleted after a confirmation that names the file.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlembicLensApi } from '../../src/testApi/testApi';
import { EXTENSION_ID, randomRevisionId, revisionSource, waitFor } from './helpers';
import {
  alembicCli,
  appDb,
  closeAllEditors,
  describeShown,
  HEAD,
  lensApi,
  newFiles,
  python,
  readSqlite,
  type SampleWorkspace,
  setAlembicSetting,
  snapshotDir,
  sqliteAt,
  trackTerminals,
  useSampleWorkspace,
  waitForStatus,
  withDialogs,
} from './loopHelpers';

const SECRET = 's3cret-pw';

describe('commands: failures you can see, actions that apply', function () {
  this.timeout(60000);
  let api: AlembicLensApi;
  let root: string;
  let versions: string;
  let sample: SampleWorkspace | undefined;
  let terminals: vscode.Disposable | undefined;

  before(async function () {
    this.timeout(60000);
    terminals = trackTerminals();
    api = (await lensApi()) as unknown as AlembicLensApi;
    sample = await useSampleWorkspace(api);
    ({ root, versions } = sample);
  });

  afterEach(async function () {
    this.timeout(30000);
    await closeAllEditors();
    sample?.removeAddedRevisions();
    await setAlembicSetting('databaseUrl', undefined);
    await api.whenIdle();
  });

  after(async function () {
    this.timeout(30000);
    terminals?.dispose();
    if (api) await sample?.restore(api);
  });

  /** Output channel lines logged while `action` ran. */
  async function logged<T>(action: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
    assert.strictEqual(
      typeof api.commands?.outputLines,
      'function',
      'activate() returns an API with commands.outputLines()',
    );
    const before = api.commands.outputLines().length;
    const result = await action();
    return { result, lines: api.commands.outputLines().slice(before) };
  }

  /** Closes the extension's terminals, so that the next command opens a new one (with the current settings). */
  async function closeAlembicTerminals(): Promise<void> {
    for (const t of vscode.window.terminals.filter((t) => t.name.startsWith('Alembic'))) t.dispose();
    await waitFor(
      'the Alembic terminals closed',
      () => !vscode.window.terminals.some((t) => t.name.startsWith('Alembic')),
    );
  }

  it('a revision whose upgrade raises: a notification with the error\'s last line (masked) and "Show Terminal", and the output channel says what ran', async () => {
    await sqliteAt(api, HEAD);
    const id = randomRevisionId();
    const body = `    raise RuntimeError("cannot reach postgresql://lens:${SECRET}@db.example/app")`;
    fs.writeFileSync(path.join(versions, `${id}_raising.py`), revisionSource(id, HEAD, 'raising upgrade', body));
    await waitForStatus(api, 'the new revision pending', (s) => s.text.includes('(1 pending)'));

    const linesBefore = api.commands?.outputLines().length ?? 0;
    const result = await withDialogs({ error: (_m, items) => items.find((i) => i === 'Show Terminal') }, () =>
      vscode.commands.executeCommand('alembic.upgrade.head'),
    );
    const errors = result.shown.filter((s) => s.kind === 'error');
    assert.strictEqual(errors.length, 1, `one error notification: ${describeShown(result.shown)}`);
    console.log(`      notification: ${errors[0].message}`);
    assert.match(errors[0].message, /alembic upgrade head failed/);
    assert.match(
      errors[0].message,
      /RuntimeError: cannot reach postgresql:\/\/lens:\*\*\*@db\.example\/app/,
      "the error's last line",
    );
    assert.ok(!errors[0].message.includes(SECRET), 'the password is masked');
    assert.deepStrictEqual(errors[0].items, ['Show Terminal']);
    await waitFor('the Alembic terminal shown', () => vscode.window.activeTerminal?.name === 'Alembic');
    assert.deepStrictEqual(readSqlite(appDb(root)).rows, [HEAD], 'the failing migration was not recorded');

    assert.strictEqual(
      typeof api.commands?.outputLines,
      'function',
      'activate() returns an API with commands.outputLines()',
    );
    const lines = api.commands.outputLines().slice(linesBefore);
    console.log(`      output: ${lines.join(' | ')}`);
    const text = lines.join('\n');
    assert.match(text, /-m alembic -c alembic\.ini upgrade head/, 'the command line');
    assert.ok(text.includes(root), 'the folder it ran in');
    assert.match(text, /\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/, 'when it ran');
    assert.match(text, /exit code 1\b/, 'its exit code');
    assert.match(text, /RuntimeError: cannot reach/, 'the error line');
    assert.ok(!text.includes(SECRET), 'no password in the output channel');
  });

  it('without shell integration: the output channel says the exit code is unknown, and a new revision still opens (file watcher)', async function () {
    this.timeout(90000);
    await sqliteAt(api, HEAD);
    const setting = vscode.workspace.getConfiguration('terminal.integrated');
    await closeAlembicTerminals();
    await setting.update('shellIntegration.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      const before = snapshotDir(versions);
      const { result, lines } = await logged(() =>
        withDialogs({ input: () => 'typed blind' }, () => vscode.commands.executeCommand('alembic.revision.new')),
      );
      assert.deepStrictEqual(
        result.shown.filter((s) => s.kind === 'error'),
        [],
        describeShown(result.shown),
      );
      console.log(`      output: ${lines.join(' | ')}`);
      assert.match(lines.join('\n'), /exit code unknown: no shell integration/);
      const created = await waitFor('the new revision file', () => newFiles(versions, before)[0], 30000);
      assert.match(path.basename(created), /typed_blind\.py$/);
      await waitFor(
        'the new revision opened',
        () => vscode.window.activeTextEditor?.document.uri.fsPath === created,
        15000,
      );
    } finally {
      await setting.update('shellIntegration.enabled', undefined, vscode.ConfigurationTarget.Global);
      await closeAlembicTerminals();
    }
  });

  it('Downgrade One is offered only when the database stands on a revision, and says why otherwise', async function () {
    this.timeout(90000);
    const canDowngrade = async (what: string, expected: boolean): Promise<void> => {
      const value = () => api.commands.contextKeys()['alembic.canDowngrade'];
      await waitFor(`alembic.canDowngrade = ${expected} (${what})`, () => value() === expected, 10000);
    };
    const refused = async (pattern: RegExp): Promise<void> => {
      const { shown } = await withDialogs({}, () => vscode.commands.executeCommand('alembic.downgrade.one'));
      assert.strictEqual(shown.length, 1, describeShown(shown));
      assert.notStrictEqual(shown[0].kind, 'error', describeShown(shown));
      assert.ok(!shown[0].modal, 'no confirmation: nothing would run');
      console.log(`      ${shown[0].message}`);
      assert.match(shown[0].message, pattern);
    };

    await sqliteAt(api, HEAD);
    await canDowngrade('at the head', true);

    await sqliteAt(api, undefined);
    await canDowngrade('no database', false);
    await refused(/no database yet/);

    fs.rmSync(appDb(root), { force: true });
    const createOther = 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("create table other (id integer)")';
    python(['-c', createOther, appDb(root)]);
    await waitForStatus(api, 'not migrated', (s) => s.kind === 'no-version-table');
    await canDowngrade('not migrated', false);
    await refused(/not migrated/);

    await sqliteAt(api, HEAD);
    alembicCli(root, ['stamp', 'base']);
    await waitForStatus(api, 'at base', (s) => s.text.includes('at base'));
    await canDowngrade('at base', false);
    await refused(/at base/);

    await setAlembicSetting('databaseUrl', `postgresql://lens:${SECRET}@127.0.0.1:1/nothing`);
    await waitForStatus(api, 'unreachable', (s) => s.kind === 'unreachable');
    await canDowngrade('unreachable', false);
    await refused(/can't be read|cannot be read|unreachable/i);
    await setAlembicSetting('databaseUrl', undefined);

    const menus = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus;
    const entries: Array<{ command: string; when: string }> = [...menus['view/title'], ...menus.commandPalette];
    const whens = entries.filter((m) => m.command === 'alembic.downgrade.one');
    const gated = whens.every((m) => m.when.includes('alembic.canDowngrade'));
    assert.ok(whens.length >= 2 && gated, `every menu entry is gated: ${JSON.stringify(whens)}`);
  });

  it('the graph\'s "Jump to current" is disabled without a current revision, enabled with one', async () => {
    await sqliteAt(api, undefined);
    await vscode.commands.executeCommand('alembic.graph.show');
    const disabled = (expected: boolean) =>
      waitFor(
        `"Jump to current" ${expected ? 'disabled' : 'enabled'}`,
        () => {
          const view = api.graph.lastView();
          const rendered = api.graph.lastRendered();
          return view && rendered?.version === view.version && rendered.disabled?.includes('jump-current') === expected;
        },
        15000,
      );
    await disabled(true);
    await sqliteAt(api, HEAD);
    await disabled(false);
    const legendShows = (entry: string) =>
      waitFor(
        `the legend showing "${entry}"`,
        () => {
          const view = api.graph.lastView();
          const rendered = api.graph.lastRendered();
          return !!view && rendered?.version === view.version && rendered.legend.includes(entry);
        },
        15000,
      );
    await legendShows('current');
    assert.ok(!api.graph.lastRendered()!.legend.includes('database state not known'));
    // Unreachable: nodes carry no state, and the legend says so instead of naming states nobody is in.
    await setAlembicSetting('databaseUrl', 'postgresql://lens@127.0.0.1:1/nothing');
    try {
      await legendShows('database state not known');
      assert.deepStrictEqual(
        api.graph.lastRendered()!.legend.filter((entry) => ['current', 'applied', 'pending'].includes(entry)),
        [],
      );
    } finally {
      await setAlembicSetting('databaseUrl', undefined);
    }
  });

  it('an empty autogenerate offers "Delete This Revision": Cancel keeps the file, Delete removes exactly that file', async () => {
    await sqliteAt(api, HEAD);
    const generate = async (confirm: string | undefined) => {
      const before = snapshotDir(versions);
      const run = await withDialogs(
        {
          input: () => 'nothing to do',
          warning: (message, items) =>
            /no changes/.test(message) ? items.find((i) => i === 'Delete This Revision') : confirm,
        },
        () => vscode.commands.executeCommand('alembic.revision.autogenerate'),
      );
      return { ...run, before };
    };

    const kept = await generate(undefined);
    const [file] = newFiles(versions, kept.before);
    assert.ok(file, `a new revision file: ${describeShown(kept.shown)}`);
    const confirmation = kept.shown.filter((s) => s.kind === 'warning')[1];
    assert.ok(confirmation, `a confirmation after "Delete This Revision": ${describeShown(kept.shown)}`);
    console.log(`      confirmation: ${confirmation.message} | ${confirmation.detail}`);
    assert.strictEqual(confirmation.modal, true, 'a modal confirmation');
    assert.ok(confirmation.message.includes(path.basename(file)), 'it names the file');
    assert.deepStrictEqual(confirmation.items, ['Delete']);
    assert.ok(fs.existsSync(file), 'Cancel keeps the file');

    fs.rmSync(file);
    await api.whenIdle();
    const deleted = await generate('Delete');
    const asked = deleted.shown.filter((s) => s.kind === 'warning')[1];
    const name = /Delete (\S+\.py)\?/.exec(asked?.message ?? '')?.[1];
    assert.ok(
      name && !deleted.before.has(name),
      `the confirmation names the new file: ${describeShown(deleted.shown)}`,
    );
    assert.ok(!fs.existsSync(path.join(versions, name)), `${name} was deleted`);
    assert.deepStrictEqual(snapshotDir(versions), deleted.before, 'exactly that file: the folder is as it was before');
  });
});
