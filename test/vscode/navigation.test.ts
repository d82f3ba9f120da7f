// Hover, Go to Definition and Find All References on revision ids in revision files, in a real VS Code
// on the copy of migrations-sample, through VS Code's own execute*Provider commands.

import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlembicLensApi } from '../../src/testApi/testApi';
import { activatedApi, randomRevisionId, revisionSource, versionsDir, waitFor } from './helpers';

const FIRST = '13c9c7d2277c';
const HEAD = '92404fb3f98d';

type Api = AlembicLensApi;

/** The position of the `nth` occurrence of `text` on the first line matching `line`. */
function positionOf(doc: vscode.TextDocument, line: RegExp, text: string): vscode.Position {
  const index = doc
    .getText()
    .split(/\r?\n/)
    .findIndex((l) => line.test(l));
  assert.ok(index >= 0, `a line matching ${line}`);
  const column = doc.lineAt(index).text.indexOf(text);
  assert.ok(column >= 0, `${text} on line ${index + 1}`);
  return new vscode.Position(index, column + 2);
}

function hoverText(hovers: vscode.Hover[]): string {
  // As read: markdown escapes and non-breaking spaces undone.
  const raw = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
  return raw.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
}

describe('navigation between revisions', function () {
  this.timeout(30000);
  let api: Api;
  const added: string[] = [];

  before(async function () {
    this.timeout(60000);
    api = await activatedApi<Api>();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const removed = added.splice(0).map((file) => {
      fs.rmSync(file, { force: true });
      return path.basename(file);
    });
    // The next suite reads the tree at once: wait until the watcher's deletion has reached it.
    await waitFor('the tree without the revisions this test added', async () => {
      const ids = (await api.getRevisionItems()).map((item) => item.id);
      return removed.every((name) => !ids.some((id) => name.startsWith(`${id}_`))) ? true : undefined;
    });
  });

  it('hover on a down_revision id: message, date and state', async () => {
    await api.whenIdle();
    const doc = await vscode.workspace.openTextDocument(
      path.join(versionsDir(), `${HEAD}_add_email_column_to_users.py`),
    );
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      positionOf(doc, /^down_revision/, FIRST),
    );
    const text = hoverText(hovers);
    console.log(`      hover: ${JSON.stringify(text)}`);
    assert.match(text, /create users table/);
    assert.match(text, /2026-11-25 19:00(?!:)/, 'the Create Date, to the minute');
    assert.ok(text.includes(FIRST), 'the full id');
    // ...and on the docstring's Revises: line.
    const onDoc = hoverText(
      await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        doc.uri,
        positionOf(doc, /^Revises:/, FIRST),
      ),
    );
    assert.match(onDoc, /create users table/);
  });

  it('Go to Definition on a down_revision id opens the file at its revision line', async () => {
    await api.whenIdle();
    const doc = await vscode.workspace.openTextDocument(
      path.join(versionsDir(), `${HEAD}_add_email_column_to_users.py`),
    );
    const found = await vscode.commands.executeCommand<Array<vscode.Location | vscode.LocationLink>>(
      'vscode.executeDefinitionProvider',
      doc.uri,
      positionOf(doc, /^down_revision/, FIRST),
    );
    assert.strictEqual(found.length, 1);
    const location = found[0] as vscode.Location;
    assert.strictEqual(path.basename(location.uri.fsPath), `${FIRST}_create_users_table.py`);
    const target = await vscode.workspace.openTextDocument(location.uri);
    assert.match(target.lineAt(location.range.start.line).text, /^revision = '13c9c7d2277c'/);
  });

  it('Find All References lists the revisions whose down_revision or depends_on name it; a partial id resolves like Alembic', async () => {
    await api.whenIdle();
    // A second child of FIRST that names it by a 4-character prefix in depends_on.
    const id = randomRevisionId();
    const file = path.join(versionsDir(), `${id}_lens_nav_depends.py`);
    fs.writeFileSync(
      file,
      revisionSource(id, HEAD, 'lens nav: depends on a prefix').replace('depends_on = None', "depends_on = '13c9'"),
    );
    added.push(file);
    const doc = await vscode.workspace.openTextDocument(file);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      positionOf(doc, /^depends_on/, '13c9'),
    );
    const hover = hoverText(hovers);
    assert.match(hover, /create users table/);
    assert.match(
      hover,
      /'13c9' is a prefix: Alembic needs the full id 13c9c7d2277c in depends_on/,
      'says that Alembic itself wants the full id here',
    );
    const definition = await vscode.commands.executeCommand<vscode.Location[]>(
      'vscode.executeDefinitionProvider',
      doc.uri,
      positionOf(doc, /^depends_on/, '13c9'),
    );
    assert.strictEqual(
      path.basename(definition[0].uri.fsPath),
      `${FIRST}_create_users_table.py`,
      'the prefix resolves to 13c9c7d2277c',
    );

    const first = await vscode.workspace.openTextDocument(path.join(versionsDir(), `${FIRST}_create_users_table.py`));
    // The file watcher loads the new revision within a moment.
    const refs = await waitFor(
      `revision ${id} among the references`,
      async () => {
        await api.whenIdle();
        const found = await vscode.commands.executeCommand<vscode.Location[]>(
          'vscode.executeReferenceProvider',
          first.uri,
          positionOf(first, /^revision =/, FIRST),
        );
        return found.some((r) => r.uri.fsPath === file) ? found : undefined;
      },
      10000,
    );
    const places = refs.map((r) => `${path.basename(r.uri.fsPath)}:${r.range.start.line + 1}`);
    console.log(`      references: ${JSON.stringify(places)}`);
    assert.ok(
      places.some((p) => p.startsWith(`${HEAD}_`)),
      'the child by down_revision',
    );
    assert.ok(
      places.some((p) => p.startsWith(`${id}_`)),
      'the revision naming it in depends_on by a prefix',
    );
    const viaDepends = refs.find((r) => r.uri.fsPath === file)!;
    const line = doc.lineAt(viaDepends.range.start.line).text;
    assert.strictEqual(
      line.slice(viaDepends.range.start.character, viaDepends.range.end.character),
      '13c9',
      'the range is the id itself',
    );
  });
});
