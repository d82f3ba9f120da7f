// Issue 9, items 9 and 10, in a real VS Code: a downgrade's confirmation lists exactly what the real
// Alembic then runs, and Downgrade One from a merge point among several current revisions sends a
// target Alembic accepts. The sample gets a small branchy history on top of its head (removed after
// each test); the database is put in its state with the real Alembic CLI and read back with sqlite3.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { randomRevisionId, revisionSource, versionsDir, waitFor, workspaceRoot } from './helpers';
import {
  alembicCli,
  appDb,
  assertNoError,
  describeShown,
  HEAD,
  type LensApi,
  lensApi,
  prompts,
  readSqlite,
  short,
  snapshotDir,
  sqliteAt,
  trackTerminals,
  treeStates,
  useSampleSqlite,
  waitForStatus,
  withDialogs,
} from './loopHelpers';

describe('downgrade confirmations say exactly what Alembic does', function () {
  this.timeout(90000);
  let api: LensApi;
  let root: string;
  let versions: string;
  let originalVersions: Set<string>;
  let terminals: vscode.Disposable | undefined;
  let restoreSample: (() => Promise<void>) | undefined;

  before(async function () {
    terminals = trackTerminals();
    api = await lensApi();
    root = workspaceRoot();
    versions = versionsDir(root);
    originalVersions = snapshotDir(versions);
    restoreSample = await useSampleSqlite(root);
  });

  afterEach(async function () {
    for (const name of fs.readdirSync(versions)) {
      if (!originalVersions.has(name) && name.endsWith('.py')) fs.rmSync(path.join(versions, name));
    }
    await api.whenIdle();
  });

  after(async function () {
    terminals?.dispose();
    if (!api) return;
    await sqliteAt(api, undefined);
    await restoreSample?.();
  });

  /** Writes a revision file (a tuple of parents makes a merge) and waits for the tree to show it. */
  async function addRevision(message: string, down: string | string[] | null, dependsOn?: string): Promise<string> {
    const id = randomRevisionId();
    let text = revisionSource(id, typeof down === 'string' ? down : null, message);
    const parents = Array.isArray(down) ? down.map((d) => `'${d}'`).join(', ') : undefined;
    if (parents) text = text.replace('down_revision = None', `down_revision = (${parents})`);
    if (dependsOn) text = text.replace('depends_on = None', `depends_on = '${dependsOn}'`);
    fs.writeFileSync(path.join(versions, `${id}_${message.replace(/\W+/g, '_')}.py`), text);
    await waitFor(`${message} in the tree`, async () => (await treeStates(api))[id]);
    return id;
  }

  /** Upgrades a fresh app.db to each revision in turn, and waits for the status to name them all. */
  async function databaseAt(revisions: string[]): Promise<void> {
    await sqliteAt(api, undefined);
    for (const rev of revisions) alembicCli(root, ['upgrade', rev]);
    const what = `the status at ${revisions.map(short).join(', ')}`;
    await waitForStatus(api, what, (s) => revisions.every((r) => s.text.includes(short(r))));
  }

  const pick = (id: string) => (items: readonly vscode.QuickPickItem[]) => {
    return items.find((i) => (i as { revision?: { id: string } | null }).revision?.id === id);
  };

  /** Runs a downgrade command, picking `revision` and confirming; returns the lines its modal listed. */
  async function confirmedDowngrade(command: string, revision: string): Promise<string[]> {
    const answers = { quickPick: pick(revision), warning: () => 'Downgrade' };
    const down = await withDialogs(answers, () => vscode.commands.executeCommand(command));
    assertNoError(down.shown, command);
    const modal = prompts(down.shown).find((s) => s.kind === 'warning');
    assert.ok(modal?.modal, `a modal confirmation: ${describeShown(down.shown)}`);
    return (modal.detail ?? '').split('\n').filter((line) => line.startsWith('• '));
  }

  /** Waits for app.db's version table to hold exactly `expected` (in any order). */
  async function rowsBecome(expected: string[]): Promise<void> {
    const wanted = [...expected].sort().join();
    await waitFor(
      `app.db at ${expected.map(short).join(', ')}`,
      () => {
        const rows = readSqlite(appDb(root)).rows;
        return rows && [...rows].sort().join() === wanted ? rows : undefined;
      },
      30000,
      200,
    );
  }

  it('item 9: Downgrade One of a merge point, with another current revision, reverts the merge alone', async function () {
    const b1 = await addRevision('left branch', HEAD);
    const c1 = await addRevision('right branch', HEAD);
    const merge = await addRevision('merge left and right', [b1, c1]);
    const other = await addRevision('other branch', HEAD);
    await databaseAt([merge, other]);

    const listed = await confirmedDowngrade('alembic.downgrade.one', merge);
    assert.deepStrictEqual(listed, [`• ${short(merge)}  merge left and right`], 'the merge, and nothing else');
    await rowsBecome([b1, c1, other]);
  });

  it('item 10: Downgrade to a revision that another current revision depends on lists, and reverts, only its own line', async function () {
    const mine = await addRevision('on head', HEAD);
    const dependent = await addRevision('separate root depending on head', null, HEAD);
    await databaseAt([mine, dependent]);

    const listed = await confirmedDowngrade('alembic.downgrade.to', HEAD);
    assert.deepStrictEqual(listed, [`• ${short(mine)}  on head`], 'only the revision on head: the dependent one stays');
    await rowsBecome([dependent]);
  });
});
