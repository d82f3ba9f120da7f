// Model files, "models changed since the last revision", the drift check, and the migration lint with
// its quick fixes, in a real VS Code on the copy of migrations-sample. The views are read through the
// extension's test API (getTreeSnapshot), diagnostics and code actions through VS Code's own API.

import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlembicLensApi } from '../../src/testApi/testApi';
import type { TreeSnapshot } from '../../src/testApi/treeSnapshot';
import {
  activatedApi,
  heads,
  randomRevisionId,
  readRevisionFiles,
  revisionSource,
  versionsDir,
  waitFor,
  workspaceRoot,
} from './helpers';

const ALEMBIC_PYTHON = '/usr/bin/python3';
const MODELS_CHANGED = 'Models changed since the last revision';

type Api = AlembicLensApi;

function flatten(nodes: TreeSnapshot[]): TreeSnapshot[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

function lintDiagnostics(uri: vscode.Uri, code: string): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.source === 'alembic-lens' && String(typeof d.code === 'object' ? d.code.value : d.code) === code);
}

async function quickFixes(uri: vscode.Uri, diagnostic: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
  return (
    (await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      diagnostic.range,
      vscode.CodeActionKind.QuickFix.value,
    )) ?? []
  );
}

describe('models and migration checks', function () {
  this.timeout(30000);
  let api: Api;
  let root: string;
  let modelsFile: string;
  let modelsText: string;
  let envFile: string;
  let envText: string;
  const added: string[] = [];

  /** A new head revision with `body` as its upgrade(), and the first `code` diagnostic the lint puts on it. */
  async function revisionWithDiagnostic(slug: string, body: string, code: string) {
    const [head] = heads(readRevisionFiles());
    const id = randomRevisionId();
    const file = path.join(versionsDir(), `${id}_lens_lint_${slug}.py`);
    const text = revisionSource(id, head, slug.replace(/_/g, ' '), body);
    fs.writeFileSync(file, text);
    added.push(file);
    const uri = vscode.Uri.file(file);
    const [diagnostic] = await waitFor(
      `a ${code} diagnostic`,
      () => {
        const found = lintDiagnostics(uri, code);
        return found.length ? found : undefined;
      },
      10000,
    );
    return { file, text, uri, diagnostic };
  }

  before(async function () {
    this.timeout(60000);
    api = await activatedApi<Api>();
    assert.strictEqual(typeof api.getTreeSnapshot, 'function', 'the API has getTreeSnapshot()');
    root = workspaceRoot();
    modelsFile = path.join(root, 'app', 'models.py');
    modelsText = fs.readFileSync(modelsFile, 'utf8');
    envFile = path.join(root, 'alembic', 'env.py');
    envText = fs.readFileSync(envFile, 'utf8');
  });

  afterEach(async function () {
    this.timeout(20000);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (fs.readFileSync(modelsFile, 'utf8') !== modelsText) fs.writeFileSync(modelsFile, modelsText);
    if (fs.readFileSync(envFile, 'utf8') !== envText) fs.writeFileSync(envFile, envText);
    for (const file of added.splice(0)) fs.rmSync(file, { force: true });
    await api.whenIdle();
  });

  it('the Model Files view lists app/models.py, why it is one, and its classes', async () => {
    const file = await waitFor(
      'app/models.py in the Model Files view',
      async () => {
        const items = flatten(await api.getTreeSnapshot('alembic.models'));
        return items.find((i) => i.contextValue === 'models:file' && i.label === path.join('app', 'models.py'));
      },
      10000,
    );
    console.log(`      ${file.label} — ${file.description}`);
    assert.match(file.description ?? '', /env\.py|target_metadata|Base/, 'the reason names env.py / target_metadata');
    const user = file.children.find((c) => c.label === 'User');
    assert.ok(user, `class User under it: ${JSON.stringify(file.children.map((c) => c.label))}`);
    assert.match(user.description ?? '', /users/);
  });

  it('saving a model change marks "models changed" within a second; undoing it clears the mark', async () => {
    await api.whenIdle();
    const hasMark = async (): Promise<boolean> =>
      flatten(await api.getTreeSnapshot('alembic.revisions')).some((i) => i.label === MODELS_CHANGED);
    await waitFor('no "models changed" mark on the fresh sample', async () => !(await hasMark()), 5000);
    const doc = await vscode.workspace.openTextDocument(modelsFile);
    const editor = await vscode.window.showTextDocument(doc);
    const emailLine = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.trimStart().startsWith('email ='));
    await editor.edit((e) =>
      e.insert(new vscode.Position(emailLine + 1, 0), '    nickname = Column(String(50), nullable=True)\n'),
    );
    const saved = Date.now();
    await doc.save();
    await waitFor('the "models changed" mark in the Revisions view', hasMark, 1000, 25);
    console.log(`      marked ${Date.now() - saved} ms after the save`);
    const item = flatten(await api.getTreeSnapshot('alembic.revisions')).find((i) => i.label === MODELS_CHANGED)!;
    assert.match(item.description ?? '', /Generate Revision/);
    assert.match(
      item.tooltip ?? '',
      /users\.nickname is in the models but in no revision/,
      'the tooltip says what differs',
    );
    assert.ok(
      flatten(await api.getTreeSnapshot('alembic.models')).some((i) => i.label === MODELS_CHANGED),
      'the Model Files view says so too',
    );

    await editor.edit((e) => e.delete(new vscode.Range(emailLine + 1, 0, emailLine + 2, 0)));
    await doc.save();
    await waitFor(
      'the mark to go when the models are back as the revision saw them',
      async () => !(await hasMark()),
      3000,
    );
  });

  it('no mark after a checkout rewrote the files, the models last: content decides, not file times', async () => {
    await api.whenIdle();
    const hasMark = async (): Promise<boolean> =>
      flatten(await api.getTreeSnapshot('alembic.revisions')).some((i) => i.label === MODELS_CHANGED);
    await waitFor('no "models changed" mark on the fresh sample', async () => !(await hasMark()), 5000);
    // As a checkout leaves them: the revision files older than ever seen, the models just written.
    const revisions = readRevisionFiles();
    const older = new Date(Math.min(...revisions.map((r) => fs.statSync(r.file).mtimeMs)) - 3600000);
    for (const revision of revisions) fs.utimesSync(revision.file, older, older);
    const now = new Date();
    fs.utimesSync(modelsFile, now, now);
    await vscode.commands.executeCommand('alembic.models.refresh');
    await api.whenIdle();
    for (let i = 0; i < 10; i++) {
      assert.ok(!(await hasMark()), 'no "models changed" mark: the models define what the revisions create');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('a revision that adds the column clears the mark; one that does not leaves it', async () => {
    await api.whenIdle();
    fs.writeFileSync(
      modelsFile,
      modelsText.replace('    email =', '    nickname = Column(String(50), nullable=True)\n    email ='),
    );
    await waitFor(
      'the mark',
      async () => flatten(await api.getTreeSnapshot('alembic.models')).some((i) => i.label === MODELS_CHANGED),
      5000,
    );
    const [unrelatedParent] = heads(readRevisionFiles());
    const unrelatedId = randomRevisionId();
    const unrelated = path.join(versionsDir(), `${unrelatedId}_lens_models_index_name.py`);
    const createIndex = "    op.create_index('ix_users_name', 'users', ['name'])";
    fs.writeFileSync(unrelated, revisionSource(unrelatedId, unrelatedParent, 'index name', createIndex));
    added.push(unrelated);
    const listed = async (): Promise<boolean> => (await api.getRevisionItems()).some((i) => i.id === unrelatedId);
    await waitFor('the new revision in the tree', listed, 5000);
    const marked = flatten(await api.getTreeSnapshot('alembic.models')).some((i) => i.label === MODELS_CHANGED);
    assert.ok(marked, 'a revision without users.nickname leaves the mark');
    const [head] = heads(readRevisionFiles());
    const id = randomRevisionId();
    const file = path.join(versionsDir(), `${id}_lens_models_add_nickname.py`);
    fs.writeFileSync(
      file,
      revisionSource(
        id,
        head,
        'add nickname',
        "    op.add_column('users', sa.Column('nickname', sa.String(50), nullable=True))",
      ),
    );
    added.push(file);
    await waitFor(
      'the mark to go after the revision was written',
      async () => !flatten(await api.getTreeSnapshot('alembic.models')).some((i) => i.label === MODELS_CHANGED),
      5000,
    );
  });

  it('Check Models Against Database: a result in the Model Files view, never a traceback', async function () {
    this.timeout(90000);
    const config = vscode.workspace.getConfiguration('alembic');
    const before = config.inspect('pythonPath')?.workspaceValue;
    await config.update('pythonPath', ALEMBIC_PYTHON, vscode.ConfigurationTarget.Workspace);
    const appDb = path.join(root, 'app.db');
    const hadDb = fs.existsSync(appDb);
    /** Runs the check as the palette does, and returns the Drift item once it has an answer. */
    const check = async (): Promise<TreeSnapshot> => {
      await vscode.commands.executeCommand('alembic.models.checkDrift');
      const drift = await waitFor(
        'a drift result',
        async () => {
          const item = flatten(await api.getTreeSnapshot('alembic.models')).find((i) => i.label.startsWith('Drift:'));
          return item && !/not checked|comparing/.test(item.label) ? item : undefined;
        },
        60000,
        250,
      );
      console.log(
        `      ${drift.label}${drift.description ? ` — ${drift.description}` : ''}: ${JSON.stringify(drift.children.map((c) => c.label))}`,
      );
      assert.doesNotMatch(
        `${drift.label} ${drift.description ?? ''} ${drift.tooltip ?? ''}`,
        /Traceback|File ".*", line \d+/,
      );
      return drift;
    };
    try {
      // The models can only be compared with a database at the head.
      const upgraded = spawnSync(ALEMBIC_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], { cwd: root, encoding: 'utf8' });
      assert.strictEqual(upgraded.status, 0, upgraded.stderr);
      assert.strictEqual((await check()).label, 'Drift: models match the database');
      fs.writeFileSync(
        modelsFile,
        modelsText.replace('    email =', '    nickname = Column(String(50), nullable=True)\n    email ='),
      );
      await api.whenIdle();
      const drift = await check();
      assert.strictEqual(drift.label, 'Drift: 1 difference from the database');
      assert.deepStrictEqual(
        drift.children.map((c) => c.label),
        ['Column users.nickname: in the models, not in the database'],
      );
      // The models edited since the check: the result says it is older than them; the edit undone, it is current again.
      const driftLabel = async (): Promise<string | undefined> =>
        flatten(await api.getTreeSnapshot('alembic.models')).find((i) => i.label.startsWith('Drift:'))?.label;
      const withNickname = fs.readFileSync(modelsFile, 'utf8');
      fs.writeFileSync(modelsFile, modelsText);
      const staleLabel = 'Drift: 1 difference from the database (before the last model change)';
      await waitFor('the result marked older than the models', async () => (await driftLabel()) === staleLabel, 15000);
      fs.writeFileSync(modelsFile, withNickname);
      const currentLabel = 'Drift: 1 difference from the database';
      await waitFor('the result current again', async () => (await driftLabel()) === currentLabel, 15000);

      // alembic.checkOnSave: saving the model file checks again by itself.
      await config.update('checkOnSave', true, vscode.ConfigurationTarget.Workspace);
      const doc = await vscode.workspace.openTextDocument(modelsFile);
      const editor = await vscode.window.showTextDocument(doc);
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('nickname ='));
      await editor.edit((e) => e.delete(new vscode.Range(line, 0, line + 1, 0)));
      await doc.save();
      await waitFor(
        'the check after the save to find no difference',
        async () =>
          flatten(await api.getTreeSnapshot('alembic.models')).some(
            (i) => i.label === 'Drift: models match the database',
          ),
        20000,
        250,
      );
    } finally {
      await config.update('checkOnSave', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('pythonPath', before, vscode.ConfigurationTarget.Workspace);
      if (!hadDb) fs.rmSync(appDb, { force: true });
    }
  });

  it('a risky migration gets drop-column at the exact line, and "ignore on this line" silences it', async () => {
    await api.whenIdle();
    const { file, text, uri, diagnostic } = await revisionWithDiagnostic(
      'drop_email',
      "    op.drop_column('users', 'email')",
      'drop-column',
    );
    const line = text.split('\n').findIndex((l) => l.includes("op.drop_column('users', 'email')"));
    console.log(`      ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
    assert.strictEqual(diagnostic.range.start.line, line, 'on the op.drop_column line');
    // The code links to the rule's documentation, shipped with the extension.
    const code = diagnostic.code as { value: string; target: vscode.Uri };
    assert.strictEqual(code.value, 'drop-column');
    assert.match(code.target.path, /\/docs\/rules\/drop-column\.md$/);
    const ruleDoc = new TextDecoder().decode(await vscode.workspace.fs.readFile(code.target));
    assert.match(ruleDoc, /^# drop-column\n/);
    assert.ok(
      api.getProblems().some((p) => p.code === 'drop-column' && path.resolve(p.path) === path.resolve(file)),
      'getProblems() has it too',
    );

    // alembic.lint.severities: a rule made an error, then turned off.
    const config = vscode.workspace.getConfiguration('alembic');
    try {
      await config.update('lint.severities', { 'drop-column': 'error' }, vscode.ConfigurationTarget.Workspace);
      await waitFor(
        'drop-column as an error',
        () => lintDiagnostics(uri, 'drop-column')[0]?.severity === vscode.DiagnosticSeverity.Error,
        5000,
      );
      await config.update('lint.severities', { 'drop-column': 'off' }, vscode.ConfigurationTarget.Workspace);
      await waitFor('drop-column off', () => lintDiagnostics(uri, 'drop-column').length === 0, 5000);
    } finally {
      await config.update('lint.severities', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('drop-column back', () => lintDiagnostics(uri, 'drop-column').length === 1, 5000);

    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const fixes = await quickFixes(uri, diagnostic);
    const ignore = fixes.find((f) => f.title === 'Ignore drop-column on this line');
    assert.ok(ignore?.edit, `an ignore quick fix: ${JSON.stringify(fixes.map((f) => f.title))}`);
    assert.ok(await vscode.workspace.applyEdit(ignore.edit));
    assert.match(doc.lineAt(line).text, /op\.drop_column\('users', 'email'\)\s+# alembic-lens: ignore\[drop-column\]$/);
    await doc.save();
    await waitFor('the drop-column diagnostic to go', () => lintDiagnostics(uri, 'drop-column').length === 0, 10000);

    // A misspelt rule silences nothing, says so on the comment's line, and the light bulb corrects it.
    const typo = new vscode.WorkspaceEdit();
    const at = doc.lineAt(line).text.indexOf('drop-column]');
    typo.replace(uri, new vscode.Range(line, at, line, at + 'drop-column'.length), 'drop-colum');
    assert.ok(await vscode.workspace.applyEdit(typo));
    await doc.save();
    await waitFor(
      'drop-column back and unknown-ignore-rule',
      () =>
        lintDiagnostics(uri, 'drop-column').length === 1 && lintDiagnostics(uri, 'unknown-ignore-rule').length === 1,
      10000,
    );
    const unknown = lintDiagnostics(uri, 'unknown-ignore-rule')[0];
    assert.strictEqual(unknown.range.start.line, line);
    const correct = (await quickFixes(uri, unknown)).find((f) => f.title === "Change 'drop-colum' to 'drop-column'");
    assert.ok(correct?.edit, 'a quick fix that corrects the name');
    assert.ok(await vscode.workspace.applyEdit(correct.edit));
    assert.match(doc.lineAt(line).text, /# alembic-lens: ignore\[drop-column\]$/);
    await doc.save();
    await waitFor(
      'both diagnostics to go',
      () => lintDiagnostics(uri, 'drop-column').length + lintDiagnostics(uri, 'unknown-ignore-rule').length === 0,
      10000,
    );
  });

  it('a drop of a column the models still map: drops-mapped-column, related to the model line', async () => {
    await api.whenIdle();
    const { uri, diagnostic } = await revisionWithDiagnostic(
      'drop_mapped_email',
      "    op.drop_column('users', 'email')",
      'drops-mapped-column',
    );
    console.log(`      ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
    assert.strictEqual(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    const modelLine = modelsText.split('\n').findIndex((l) => l.trimStart().startsWith('email ='));
    const related = (diagnostic.relatedInformation ?? []).map((r) => [
      r.location.uri.fsPath,
      r.location.range.start.line,
      r.message,
    ]);
    assert.deepStrictEqual(related, [[modelsFile, modelLine, 'User.email maps users.email']]);
    // The contract step: the model no longer maps the column, and the error goes.
    fs.writeFileSync(modelsFile, modelsText.replace(/ {4}email = .*\n/, ''));
    await waitFor('drops-mapped-column gone', () => lintDiagnostics(uri, 'drops-mapped-column').length === 0, 10000);
  });

  it('the lint follows the database URL the project resolves: alembic.databaseUrl on PostgreSQL brings its rules', async () => {
    // One resolution per project (the registry's): the status and the lint's dialect read the same URL.
    await api.whenIdle();
    const config = vscode.workspace.getConfiguration('alembic');
    const before = config.inspect<string>('databaseUrl')?.workspaceValue;
    const [head] = heads(readRevisionFiles());
    const id = randomRevisionId();
    const file = path.join(versionsDir(), `${id}_lens_lint_dialect.py`);
    fs.writeFileSync(
      file,
      revisionSource(id, head, 'index', "    op.create_index('ix_users_email2', 'users', ['email'])"),
    );
    added.push(file);
    const uri = vscode.Uri.file(file);
    const rule = 'create-index-not-concurrently';
    try {
      await config.update('databaseUrl', 'sqlite:///lens-dialect.db', vscode.ConfigurationTarget.Workspace);
      await waitFor('the new revision in the tree', async () =>
        (await api.getRevisionItems()).some((r) => r.id === id),
      );
      await api.getTreeSnapshot('alembic.revisions'); // files, models and lint settled
      assert.deepStrictEqual(lintDiagnostics(uri, rule), [], 'a PostgreSQL-only rule is quiet on SQLite');

      await config.update('databaseUrl', 'postgresql://lens@127.0.0.1:1/lens', vscode.ConfigurationTarget.Workspace);
      const [diagnostic] = await waitFor(`a ${rule} diagnostic once the URL is PostgreSQL`, () => {
        const found = lintDiagnostics(uri, rule);
        return found.length ? found : undefined;
      });
      assert.doesNotMatch(diagnostic.message, /^On PostgreSQL/, 'the dialect is known, not guessed');

      await config.update('databaseUrl', 'sqlite:///lens-dialect.db', vscode.ConfigurationTarget.Workspace);
      await waitFor(`the ${rule} diagnostic gone on SQLite`, () => lintDiagnostics(uri, rule).length === 0);
    } finally {
      await config.update('databaseUrl', before, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('a read that breaks `upgrade --sql`: offline-mode-unsafe, and the quick fix that guards it', async () => {
    await api.whenIdle();
    const read = "    rows = op.get_bind().execute(sa.text('SELECT 1')).fetchall()";
    const { uri, diagnostic } = await revisionWithDiagnostic('offline', read, 'offline-mode-unsafe');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const fixes = await quickFixes(uri, diagnostic);
    const guard = fixes.find((f) => f.title.startsWith('Run it only online'));
    assert.ok(guard?.edit, `a guard quick fix: ${JSON.stringify(fixes.map((f) => f.title))}`);
    assert.ok(await vscode.workspace.applyEdit(guard.edit));
    assert.match(doc.getText(), /^from alembic import context$/m);
    assert.match(doc.getText(), /\n {4}if not context\.is_offline_mode\(\):\n {8}rows = op\.get_bind\(\)/);
    await doc.save();
    await waitFor('the diagnostic to go', () => lintDiagnostics(uri, 'offline-mode-unsafe').length === 0, 10000);
  });

  it('env.py with target_metadata = None: the diagnostic, and a quick fix that wires the models back', async function () {
    this.timeout(60000);
    await api.whenIdle();
    const broken = envText
      .replace(/^from app\.models import Base\n/m, '')
      .replace(/^target_metadata = Base\.metadata$/m, 'target_metadata = None');
    assert.notStrictEqual(broken, envText, 'the sample env.py has the lines this test changes');
    fs.writeFileSync(envFile, broken);
    const uri = vscode.Uri.file(envFile);
    const [diagnostic] = await waitFor(
      'a target-metadata-none diagnostic',
      () => {
        const found = lintDiagnostics(uri, 'target-metadata-none');
        return found.length ? found : undefined;
      },
      10000,
    );
    const targetLine = broken.split('\n').findIndex((l) => l.startsWith('target_metadata = None'));
    assert.strictEqual(diagnostic.range.start.line, targetLine, 'on the target_metadata line');

    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const fixes = await quickFixes(uri, diagnostic);
    const fix = fixes.find((f) => f.title.startsWith('Set target_metadata = Base.metadata'));
    assert.ok(fix?.edit, `the target_metadata quick fix: ${JSON.stringify(fixes.map((f) => f.title))}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    await doc.save();
    const fixed = fs.readFileSync(envFile, 'utf8');
    assert.match(fixed, /^from app\.models import Base$/m);
    assert.match(fixed, /^target_metadata = Base\.metadata$/m);
    assert.ok(
      fixed.indexOf('from app.models import Base') < fixed.indexOf('target_metadata = Base.metadata'),
      'imported before use',
    );
    const compiled = spawnSync(
      ALEMBIC_PYTHON,
      ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', envFile],
      { encoding: 'utf8' },
    );
    assert.strictEqual(compiled.status, 0, `env.py parses: ${compiled.stderr}`);
    // Alembic runs the fixed env.py: an offline upgrade renders the sample's migrations.
    const sql = spawnSync(ALEMBIC_PYTHON, ['-m', 'alembic', 'upgrade', 'head', '--sql'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: 'sqlite:///lens-models-test.db' },
    });
    assert.strictEqual(sql.status, 0, `alembic runs the fixed env.py: ${sql.stderr.split('\n').slice(-5).join('\n')}`);
    await waitFor(
      'the target-metadata-none diagnostic to go',
      () => lintDiagnostics(uri, 'target-metadata-none').length === 0,
      10000,
    );
  });
});
