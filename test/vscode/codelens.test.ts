// CodeLens in a real VS Code on the copy of migrations-sample: on the model class `User` (its table and
// the revisions that created and last changed it) and on a revision file's `revision =` line (database
// state and the run commands), read through VS Code's own `vscode.executeCodeLensProvider`.

import * as assert from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlembicLensApi } from '../../src/testApi/testApi';
import { activatedApi, versionsDir, waitFor, workspaceRoot } from './helpers';

const FIRST = '13c9c7d2277c';
const HEAD = '92404fb3f98d';

type Api = AlembicLensApi;

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
}

function titles(found: vscode.CodeLens[]): string[] {
  return found.map((l) => l.command?.title ?? '');
}

describe('CodeLens', function () {
  this.timeout(30000);
  let api: Api;

  before(async function () {
    this.timeout(60000);
    api = await activatedApi<Api>();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace
      .getConfiguration('alembic')
      .update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('on the model class User: the table, created in 13c9c7d, last changed in 92404fb', async () => {
    await api.whenIdle();
    const file = path.join(workspaceRoot(), 'app', 'models.py');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const userLine = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('class User('));
    const found = await waitFor(
      'lenses with the table history on User',
      async () => {
        const all = (await lenses(doc.uri)).filter((l) => l.range.start.line === userLine);
        return titles(all).some((t) => t.startsWith('last changed in')) ? all : undefined;
      },
      10000,
    );
    const text = titles(found);
    console.log(`      lenses on User: ${JSON.stringify(text)}`);
    assert.ok(
      text.some((t) => t.includes('users')),
      'names the table users',
    );
    const created = found.find((l) => l.command?.title.startsWith('created in'));
    assert.ok(created, 'a "created in" lens');
    assert.match(created.command!.title, /^created in 13c9c7d create users table$/);
    assert.strictEqual(created.command!.command, 'alembic.revision.open');
    const [createdFile, createdLine] = created.command!.arguments as [string, number];
    assert.strictEqual(path.basename(createdFile), `${FIRST}_create_users_table.py`);
    assert.match(
      (await vscode.workspace.openTextDocument(createdFile)).lineAt(createdLine - 1).text,
      /create_table\('users'/,
      'points at the create_table line',
    );
    const changed = found.find((l) => l.command?.title.startsWith('last changed in'));
    assert.match(changed!.command!.title, /^last changed in 92404fb/);
    const [changedFile, changedLine] = changed!.command!.arguments as [string, number];
    assert.strictEqual(path.basename(changedFile), `${HEAD}_add_email_column_to_users.py`);
    assert.match(
      (await vscode.workspace.openTextDocument(changedFile)).lineAt(changedLine - 1).text,
      /users|add_column|create_index/,
      'points at an operation on users',
    );

    // The lens opens the revision at the operation.
    await vscode.commands.executeCommand(created.command!.command, ...(created.command!.arguments ?? []));
    await waitFor(
      'the revision file to open',
      () =>
        path.basename(vscode.window.activeTextEditor?.document.uri.fsPath ?? '') === `${FIRST}_create_users_table.py`,
    );
    assert.strictEqual(vscode.window.activeTextEditor!.selection.active.line, createdLine - 1);
  });

  it('a class whose table no revision creates: "not in any revision: Generate Revision"', async () => {
    await api.whenIdle();
    const file = path.join(workspaceRoot(), 'app', 'models.py');
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    // An unsaved edit: the lenses come from the buffer.
    await editor.edit((e) =>
      e.insert(
        new vscode.Position(doc.lineCount, 0),
        '\n\nclass Post(Base):\n    __tablename__ = "posts"\n\n    id = Column(Integer, primary_key=True)\n',
      ),
    );
    const postLine = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('class Post('));
    const found = await waitFor(
      'a lens on Post',
      async () => {
        const all = (await lenses(doc.uri)).filter((l) => l.range.start.line === postLine);
        return all.some((l) => l.command?.command === 'alembic.revision.autogenerate') ? all : undefined;
      },
      10000,
    );
    console.log(`      lenses on Post: ${JSON.stringify(titles(found))}`);
    assert.ok(titles(found).some((t) => /not in any revision: Generate Revision/.test(t)));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it("on a revision file's revision line: the database state and the commands to run", async () => {
    await api.whenIdle();
    const file = path.join(versionsDir(), `${HEAD}_add_email_column_to_users.py`);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const revisionLine = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('revision ='));
    const found = await waitFor(
      'lenses on the revision line',
      async () => {
        const all = await lenses(doc.uri);
        return all.length >= 2 ? all : undefined;
      },
      10000,
    );
    const text = titles(found);
    console.log(`      lenses on ${HEAD}: ${JSON.stringify(text)}`);
    assert.ok(
      found.every((l) => l.range.start.line === revisionLine),
      'all on the revision = line',
    );
    assert.ok(
      text.some((t) =>
        /\b(current|applied|pending|no database yet|not migrated yet|checking|unreachable|unknown)\b/.test(t),
      ),
      'a database state',
    );
    const runs = found.filter((l) =>
      ['alembic.upgrade.to', 'alembic.downgrade.to', 'alembic.sql.upgrade'].includes(l.command?.command ?? ''),
    );
    const stateTitle = text.find((t) => /current|applied|pending/.test(t)) ?? '';
    if (/current/.test(stateTitle)) assert.strictEqual(runs.length, 0, 'nothing to run at the current revision');
    else assert.ok(runs.length >= 1, 'an upgrade or downgrade to here');
    for (const lens of runs) {
      const [target] = lens.command!.arguments as [{ project: unknown; revision: { id: string } }];
      assert.strictEqual(target.revision.id, HEAD, `${lens.command!.command} targets ${HEAD}`);
      assert.ok(target.project, 'with its project');
    }
    if (/pending/.test(stateTitle)) {
      assert.ok(
        text.includes('$(arrow-up) Upgrade to Revision') && text.includes('$(file-code) Show SQL for Upgrade'),
        'pending: Upgrade to Revision and Show SQL for Upgrade',
      );
    }
    const graph = (await vscode.commands.getCommands(true)).includes('alembic.graph.show');
    assert.strictEqual(
      text.some((t) => t.includes('Show in Graph')),
      graph,
      'Show in Graph exactly when alembic.graph.show exists',
    );
  });

  it('alembic.codeLens.enabled = false hides them all', async () => {
    const file = path.join(versionsDir(), `${HEAD}_add_email_column_to_users.py`);
    const doc = await vscode.workspace.openTextDocument(file);
    await waitFor('lenses first', async () => (await lenses(doc.uri)).length > 0, 10000);
    await vscode.workspace
      .getConfiguration('alembic')
      .update('codeLens.enabled', false, vscode.ConfigurationTarget.Workspace);
    await waitFor(
      'no lenses',
      async () =>
        (await lenses(doc.uri)).length === 0 &&
        (await lenses(vscode.Uri.file(path.join(workspaceRoot(), 'app', 'models.py')))).length === 0,
    );
  });
});
