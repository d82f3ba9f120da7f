// What a new user trips over first, on the copy of migrations-sample: tree rows whose state the default
// side bar cuts off, one action under several names, terminals named twice, and a Model Files view with no
// way to say where the models are. (Show SQL's read-only document is checked in the daily loop; the
// command echoed twice in a new terminal and the state at the default width are checked on screen by
// scripts/vscode-walk.mjs.)
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AlembicRunner, type RunnerProject } from '../../src/runner/alembicTerminal';
import { InterpreterService } from '../../src/runner/interpreter';
import { EXTENSION_ID, versionsDir, waitFor } from './helpers';
import {
  ALEMBIC_PYTHON,
  assertNoError,
  closeAllEditors,
  FIRST,
  HEAD,
  type LensApi,
  lensApi,
  type SampleWorkspace,
  sqliteAt,
  trackTerminals,
  useSampleWorkspace,
  withDialogs,
} from './loopHelpers';

describe('new-user polish', function () {
  this.timeout(60000);
  let api: LensApi;
  let sample: SampleWorkspace;
  let terminals: vscode.Disposable | undefined;

  before(async function () {
    this.timeout(60000);
    terminals = trackTerminals();
    api = await lensApi();
    sample = await useSampleWorkspace(api);
  });

  after(async () => {
    terminals?.dispose();
    await closeAllEditors();
    await sample?.restore(api);
  });

  it('tree rows: the database state comes first in the description, "applied" in words', async () => {
    await sqliteAt(api, FIRST);
    const descriptions = async () =>
      Object.fromEntries((await api.getRevisionItems()).map((item) => [item.id, item.description]));
    assert.deepStrictEqual(await descriptions(), {
      [HEAD]: 'pending · head · 92404fb',
      [FIRST]: 'current · 13c9c7d',
    });
    await sqliteAt(api, HEAD);
    assert.deepStrictEqual(await descriptions(), {
      [HEAD]: 'current · head · 92404fb',
      [FIRST]: 'applied · 13c9c7d',
    });
  });

  it('one name per action: "Upgrade to Revision" / "Downgrade to Revision" in the palette, the tree, the CodeLens and the graph', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const titles = Object.fromEntries(
      (extension.packageJSON.contributes.commands as Array<{ command: string; title: string }>).map((c) => [
        c.command,
        c.title,
      ]),
    );
    // The palette and the tree's context menu show the command's title.
    assert.strictEqual(titles['alembic.upgrade.to'], 'Upgrade to Revision...');
    assert.strictEqual(titles['alembic.downgrade.to'], 'Downgrade to Revision...');
    assert.strictEqual(titles['alembic.sql.upgrade'], 'Show SQL for Upgrade...');

    await sqliteAt(api, FIRST); // the head pending (upgrade), the first revision current
    const lensTitles = async (id: string, expected: string) => {
      const file = fs.readdirSync(versionsDir()).find((n) => n.startsWith(id))!;
      const doc = await vscode.workspace.openTextDocument(path.join(versionsDir(), file));
      await vscode.window.showTextDocument(doc);
      return waitFor(`the CodeLens "${expected}" on ${file}`, async () => {
        const found = await vscode.commands.executeCommand<vscode.CodeLens[]>(
          'vscode.executeCodeLensProvider',
          doc.uri,
          100,
        );
        const lenses = (found ?? [])
          .map((l) => (l.command?.title ?? '').replace(/^\$\([\w-]+\) /, ''))
          .filter((t) => /grade|SQL/.test(t));
        return lenses.includes(expected) ? lenses : undefined;
      });
    };
    assert.deepStrictEqual(await lensTitles(HEAD, 'Upgrade to Revision'), [
      'Upgrade to Revision',
      'Show SQL for Upgrade',
    ]);
    await sqliteAt(api, HEAD);
    assert.deepStrictEqual(await lensTitles(FIRST, 'Downgrade to Revision'), ['Downgrade to Revision']);

    // The graph's context menu is drawn by its webview script, as shipped.
    const graphScript = fs.readFileSync(path.join(extension.extensionPath, 'media', 'graph', 'graph.js'), 'utf8');
    for (const label of ['Upgrade to Revision', 'Downgrade to Revision', 'Show SQL for Upgrade', 'Stamp Revision'])
      assert.ok(graphScript.includes(label), `the graph's menu says "${label}"`);
    assert.ok(!/(Upgrade|Downgrade) to Here/i.test(graphScript), 'no "Upgrade to Here" left in the graph');
  });

  it('terminal names: "Alembic: backend" only where VS Code does not already show the folder "backend"', async () => {
    const interpreters = new InterpreterService({ usePythonExtension: false });
    const runner = new AlembicRunner(interpreters, { shellIntegrationTimeoutMs: 10000, projectCount: () => 2 });
    const backend = path.join(sample.root, 'backend');
    fs.mkdirSync(backend, { recursive: true });
    try {
      const project = (folder: string, section = 'alembic'): RunnerProject => ({
        name: `${path.basename(folder)}${section === 'alembic' ? '' : ` [${section}]`}`,
        folder,
        configFile: path.join(folder, 'alembic.ini'),
        section,
      });
      const nameOf = async (p: RunnerProject) => {
        await runner.run(p, [ALEMBIC_PYTHON, '-c', 'pass']);
        return runner.terminalOf(p)!.name;
      };
      // VS Code shows a terminal as "<name> - <folder>" when its folder is not the workspace folder.
      assert.strictEqual(await nameOf(project(backend)), 'Alembic', 'the folder "backend" is shown by VS Code');
      assert.strictEqual(await nameOf(project(backend, 'tenant')), 'Alembic: backend [tenant]', 'the section is not');
      const atRoot = project(sample.root);
      assert.strictEqual(await nameOf(atRoot), `Alembic: ${atRoot.name}`, 'the workspace folder gets no folder shown');
    } finally {
      runner.dispose();
      interpreters.dispose();
      fs.rmSync(backend, { recursive: true, force: true });
    }
  });

  it('Model Files: when no model file is found, a row says so and opens "Choose Model Files..."', async () => {
    const config = () => vscode.workspace.getConfiguration('alembic', vscode.Uri.file(sample.root));
    const before = config().inspect<string[]>('modelGlobs')?.workspaceFolderValue;
    try {
      await config().update('modelGlobs', ['nowhere/*.py'], vscode.ConfigurationTarget.WorkspaceFolder);
      const row = await waitFor(
        'the "No model files found" row',
        async () => (await api.getTreeSnapshot('alembic.models')).find((r) => r.label === 'No model files found'),
        10000,
      );
      assert.strictEqual(row.command?.command, 'alembic.models.chooseGlobs');
      assert.match(row.tooltip ?? '', /alembic\.modelGlobs \(nowhere\/\*\.py\) matches no file with mapped classes/);
    } finally {
      await config().update('modelGlobs', before, vscode.ConfigurationTarget.WorkspaceFolder);
    }
    await waitFor(
      'app/models.py listed again',
      async () => (await api.getTreeSnapshot('alembic.models')).some((r) => r.label === 'app/models.py'),
      10000,
    );
  });

  it('Model Files: "Choose Model Files..." offers the folders with Python files and writes alembic.modelGlobs after a confirmation', async () => {
    const config = () => vscode.workspace.getConfiguration('alembic', vscode.Uri.file(sample.root));
    const before = config().inspect<string[]>('modelGlobs');
    try {
      // Cancelled at the confirmation: nothing is written.
      const cancelled = await withDialogs({ quickPick: (items) => items.find((i) => i.label === 'app/*.py') }, () =>
        vscode.commands.executeCommand('alembic.models.chooseGlobs'),
      );
      assertNoError(cancelled.shown, 'choose model files');
      const pick = cancelled.shown.find((s) => s.kind === 'quickPick');
      assert.deepStrictEqual(pick?.items, ['app/*.py'], "the sample's only folder with Python files, not alembic/");
      const confirm = cancelled.shown.find((s) => s.kind === 'info' && s.modal);
      assert.strictEqual(confirm?.message, 'Write alembic.modelGlobs = ["app/*.py"] to the workspace settings?');
      assert.strictEqual(config().inspect<string[]>('modelGlobs')?.workspaceFolderValue, before?.workspaceFolderValue);

      const written = await withDialogs(
        { quickPick: (items) => items.find((i) => i.label === 'app/*.py'), info: () => 'Write' },
        () => vscode.commands.executeCommand('alembic.models.chooseGlobs'),
      );
      assertNoError(written.shown, 'choose model files');
      await waitFor('alembic.modelGlobs written', () =>
        JSON.stringify(config().inspect<string[]>('modelGlobs')?.workspaceFolderValue) === '["app/*.py"]'
          ? true
          : undefined,
      );
      // The Model Files view now says the file counts because of the glob.
      const files = await waitFor('app/models.py found through the glob', async () => {
        const rows = await api.getTreeSnapshot('alembic.models');
        const row = rows.find((r) => r.label === 'app/models.py');
        return row?.description?.includes("'app/*.py'") ? rows : undefined;
      });
      assert.ok(files.length > 0);
    } finally {
      await config().update('modelGlobs', before?.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder);
    }
  });
});
