// Checks the harness itself, independently of the extension: the suite runs in a real extension host on
// the throw-away copy of the workspace, never on the repo's own migrations-sample/.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

describe('test harness', () => {
  it('runs inside a VS Code 1.100+ extension host', () => {
    const [major, minor] = vscode.version.split('.').map(Number);
    assert.ok(major > 1 || minor >= 100, `VS Code ${vscode.version}`);
    console.log(
      `      VS Code ${vscode.version}, Node ${process.version}, uiKind ${vscode.UIKind[vscode.env.uiKind]}, remote ${vscode.env.remoteName ?? 'none'}`,
    );
  });

  it('opened the throw-away workspace copy', () => {
    const expected = process.env.ALEMBIC_LENS_TEST_WORKSPACE;
    assert.ok(expected, 'ALEMBIC_LENS_TEST_WORKSPACE is set by the launcher');
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.strictEqual(folders.length, 1, 'one workspace folder');
    assert.strictEqual(fs.realpathSync(folders[0].uri.fsPath), fs.realpathSync(expected));
    const repo = path.resolve(__dirname, '../../..');
    assert.ok(
      !fs.realpathSync(expected).startsWith(fs.realpathSync(repo) + path.sep),
      'the workspace is outside the repo',
    );
  });
});
