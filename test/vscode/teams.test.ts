// The base branch in a real VS Code: the workspace (a copy of migrations-sample) becomes a real git
// repository with two branches that each add a revision on the same head. The Problems panel must show
// the heads after merging into the base at the new revision's down_revision line, lint only what is
// new against the base (alembic.lint.scope), and follow a branch switch.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { revisionSource, versionsDir, waitFor, workspaceRoot } from './helpers';
import {
  alembicCli,
  appDb,
  assertNoError,
  HEAD,
  type LensApi,
  lensApi,
  readSqlite,
  restoreSettings,
  saveSettings,
  setAlembicSetting,
  setAside,
  short,
  useSampleSqlite,
  withDialogs,
  withFakeCompose,
} from './loopHelpers';

const HISTORY = 'a1b2c3d4e5f6';
const MINE = 'f1f1f1f1f1f1';
const THEIRS = 'e2e2e2e2e2e2';
const DOWN_REVISION_LINE = 14;

interface TreeRow {
  label: string;
  tooltip?: string;
  contextValue?: string;
  command?: { command: string; arguments?: unknown[] };
}

function git(cwd: string, ...args: string[]): string {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Ada',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Ada',
    GIT_COMMITTER_EMAIL: 'ada@example.com',
  };
  const ran = spawnSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, env, encoding: 'utf8' });
  assert.strictEqual(ran.status, 0, `git ${args.join(' ')}: ${ran.stderr}`);
  return ran.stdout.trim();
}

describe('teams: the base branch in the editor', function () {
  this.timeout(60000);
  let api: LensApi;
  let root: string;
  let saved: Record<string, unknown>;
  const file = (id: string): string => path.join(versionsDir(), `${id}_rev.py`);
  const problems = () => api.getProblems().map((p) => `${path.basename(p.path)}:${p.line} ${p.code}`);

  before(async function () {
    this.timeout(60000);
    api = await lensApi();
    root = workspaceRoot();
    assert.ok(!fs.existsSync(path.join(root, '.git')), 'the test workspace is no git repository yet');
    saved = saveSettings('git.baseBranch', 'lint.scope');
    fs.writeFileSync(path.join(root, '.gitignore'), '.vscode/\n*.db\n__pycache__/\n.env\n');
    const commit = (message: string): void => {
      git(root, 'add', '-A');
      git(root, 'commit', '-q', '-m', message);
    };
    git(root, 'init', '-q');
    fs.writeFileSync(file(HISTORY), revisionSource(HISTORY, HEAD, 'drop legacy', '    op.drop_table("legacy")'));
    commit('history');
    git(root, 'checkout', '-q', '-b', 'feature');
    fs.writeFileSync(file(MINE), revisionSource(MINE, HISTORY, 'add sku', '    op.drop_column("users", "sku_old")'));
    commit('add sku');
    git(root, 'checkout', '-q', 'main');
    fs.writeFileSync(file(THEIRS), revisionSource(THEIRS, HISTORY, 'add price'));
    commit('add price');
    git(root, 'checkout', '-q', 'feature');
    await setAlembicSetting('git.baseBranch', 'main');
    await setAlembicSetting('lint.scope', undefined);
  });

  after(async function () {
    this.timeout(30000);
    if (!root) return;
    for (const id of [HISTORY, MINE, THEIRS]) fs.rmSync(file(id), { force: true });
    fs.rmSync(path.join(root, '.git'), { recursive: true, force: true });
    fs.rmSync(path.join(root, '.gitignore'), { force: true });
    if (saved) await restoreSettings(saved);
    await api?.whenIdle();
  });

  it('shows the heads after merging into main at the new revision, and lints only what is new', async () => {
    const mergeHeads = await waitFor(
      'a merge-heads problem on the new revision (a branch switch may show others on the way)',
      () => api.getProblems().find((p) => p.code === 'merge-heads' && path.basename(p.path) === `${MINE}_rev.py`),
      20000,
    );
    assert.strictEqual(`${path.basename(mergeHeads.path)}:${mergeHeads.line}`, `${MINE}_rev.py:${DOWN_REVISION_LINE}`);
    assert.match(
      mergeHeads.message,
      new RegExp(
        `^merging into main gives 2 heads: ${MINE} \\(add sku, this branch\\) and ${THEIRS} \\(add price, main\\)`,
      ),
    );
    const snapshot = await (api as unknown as { getTreeSnapshot(view: string): Promise<TreeRow[]> }).getTreeSnapshot(
      'alembic.revisions',
    );
    // One project: its rows are the view's top level.
    const row = snapshot.find((item) => item.contextValue === 'teams:merge-heads');
    assert.ok(row, `a warning row in the Revisions view: ${JSON.stringify(snapshot.map((item) => item.label))}`);
    assert.strictEqual(row.label, 'Merging into main gives 2 heads');
    assert.deepStrictEqual(row.command?.arguments, [mergeHeads.path, DOWN_REVISION_LINE]);
    const added = git(root, 'log', '-1', '--format=%H', '--', file(MINE)).slice(0, 7);
    const mine = await waitFor('the git line in the tooltip of the new revision', async () => {
      const rows = await (api as unknown as { getTreeSnapshot(view: string): Promise<TreeRow[]> }).getTreeSnapshot(
        'alembic.revisions',
      );
      const tooltip = rows.find((r) => r.label === 'add sku')?.tooltip?.replace(/\\(.)/g, '$1');
      return tooltip?.includes('Git: ') ? tooltip : undefined;
    });
    assert.match(mine, new RegExp(`Git: added in ${added} by Ada on \\d{4}-\\d{2}-\\d{2}$`));
    await waitFor('the new revision linted', () => problems().includes(`${MINE}_rev.py:20 drop-column`));
    assert.ok(
      !problems().some((p) => p.startsWith(`${HISTORY}_rev.py`)),
      `history is not linted: ${problems().join(', ')}`,
    );

    await setAlembicSetting('lint.scope', 'all');
    await waitFor('every revision linted with lint.scope = all', () =>
      problems().includes(`${HISTORY}_rev.py:20 drop-table`),
    );
    await setAlembicSetting('lint.scope', undefined);
    await waitFor('history out of the lint again', () => !problems().some((p) => p.startsWith(`${HISTORY}_rev.py`)));
  });

  it('follows a branch switch: on main there is nothing to merge', async () => {
    git(root, 'checkout', '-q', 'main');
    try {
      await waitFor(
        'no merge-heads on main',
        () => !problems().some((p) => p.endsWith('merge-heads')) && fs.existsSync(file(THEIRS)),
        20000,
      );
      // Nothing is new against main: no revision is linted, even while the file watchers catch up.
      assert.ok(
        !problems().some((p) => p.startsWith(`${MINE}_rev.py`) || p.startsWith(`${HISTORY}_rev.py`)),
        `the other branch's revision is gone, history is not linted: ${problems().join(', ')}`,
      );
    } finally {
      // The next tests work on feature, whatever happened here.
      git(root, 'checkout', '-q', 'feature');
    }
    await waitFor('merge-heads back on feature', () => problems().some((p) => p.endsWith('merge-heads')), 20000);
  });

  /** The quick fix titled `title` on the first diagnostic of `code` in `file`, once VS Code offers it. */
  async function quickFix(file: string, code: string, title: string): Promise<vscode.CodeAction> {
    const uri = vscode.Uri.file(file);
    // The code action command needs the document loaded in the workbench.
    await vscode.workspace.openTextDocument(uri);
    return waitFor(`the quick fix "${title}"`, async () => {
      // A rule's diagnostic code links to its doc: `{ value, target }`.
      const diagnostic = vscode.languages
        .getDiagnostics(uri)
        .find((d) => (typeof d.code === 'object' ? d.code.value : d.code) === code);
      if (!diagnostic) return undefined;
      if (code === 'merge-heads') {
        assert.match(String((diagnostic.code as { target: vscode.Uri }).target), /docs\/rules\/merge-heads\.md$/);
      }
      const found = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        diagnostic.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      return found?.find((a) => a.title === title);
    });
  }

  it("offers to rebase the new revision onto main's head, as an edit to confirm", async () => {
    const mergeHeads = await waitFor(
      'merge-heads',
      () => api.getProblems().find((p) => p.code === 'merge-heads'),
      20000,
    );
    const uri = vscode.Uri.file(mergeHeads.path);
    const actions = await quickFix(mergeHeads.path, 'merge-heads', `Rebase onto main's head (${THEIRS})`);
    const doc = await vscode.workspace.openTextDocument(uri);
    const edits = actions.edit!.entries().flatMap(([, textEdits]) => textEdits);
    assert.deepStrictEqual(
      edits.map((e) => [e.range.start.line + 1, e.newText]),
      [
        [DOWN_REVISION_LINE, `down_revision = '${THEIRS}'`],
        [4, `Revises: ${THEIRS}`],
      ],
    );
    // Applied without the confirmation dialog (a test cannot click it), then saved.
    const apply = new vscode.WorkspaceEdit();
    for (const e of edits) apply.replace(uri, e.range, e.newText);
    assert.ok(await vscode.workspace.applyEdit(apply));
    assert.ok(await doc.save());
    await waitFor('merge-heads gone after the rebase', () => !problems().some((p) => p.endsWith('merge-heads')), 20000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    git(root, 'checkout', '--', file(MINE));
  });

  /** The merge-heads quick fix, its preview confirmed: the file written must be the one previewed. */
  const createMergeRevision = async (): Promise<void> => {
    const restoreSqlite = await useSampleSqlite(root);
    const before = new Set(fs.readdirSync(versionsDir()));
    try {
      const mergeHeads = await waitFor(
        'merge-heads',
        () => api.getProblems().find((p) => p.code === 'merge-heads'),
        20000,
      );
      const merge = await quickFix(mergeHeads.path, 'merge-heads', 'Create a merge revision (alembic merge)');
      assert.ok(merge.command, 'the quick fix runs a command');
      let preview: string | undefined;
      const created = await withDialogs(
        {
          warning: () => {
            const diff = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
            const modified = diff instanceof vscode.TabInputTextDiff ? diff.modified : undefined;
            preview = vscode.workspace.textDocuments.find((d) => d.uri.toString() === modified?.toString())?.getText();
            return 'Create';
          },
        },
        () => vscode.commands.executeCommand(merge.command!.command, ...(merge.command!.arguments ?? [])),
      );
      assertNoError(created.shown, 'create a merge revision');
      const added = await waitFor('the merge revision file', () => {
        const names = fs.readdirSync(versionsDir()).filter((name) => !before.has(name) && name.endsWith('.py'));
        return names.length ? names : undefined;
      });
      assert.strictEqual(added.length, 1);
      const text = fs.readFileSync(path.join(versionsDir(), added[0]), 'utf8');
      const withoutDate = (t: string) => t.replace(/^Create Date: .*$/m, '');
      assert.ok(preview, 'the preview was on screen when the confirmation asked');
      assert.strictEqual(withoutDate(text), withoutDate(preview!));
      assert.match(text, new RegExp(`^down_revision = \\('${MINE}', '${THEIRS}'\\)`, 'm'));
    } finally {
      for (const name of fs.readdirSync(versionsDir())) {
        if (!before.has(name)) fs.rmSync(path.join(versionsDir(), name), { recursive: true, force: true });
      }
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await restoreSqlite();
    }
  };

  it('Create a merge revision: the diff previews what `alembic merge` writes, which then writes it', async function () {
    this.timeout(60000);
    await createMergeRevision();
  });

  it('Create a merge revision in a Compose service: the temporary ini copy is in the mounted folder', async function () {
    this.timeout(90000);
    await withFakeCompose(root, async (docker) => {
      await createMergeRevision();
      const merges = docker.calls().filter((c) => c.argv.includes('merge'));
      assert.strictEqual(
        merges.length,
        2,
        `the preview and the merge ran in the container: ${JSON.stringify(docker.calls())}`,
      );
      for (const { argv } of merges) {
        assert.deepStrictEqual(argv.slice(0, 7), [
          'compose',
          'exec',
          '--workdir',
          docker.mountPoint,
          '-T',
          'backend',
          'alembic',
        ]);
        const config = argv[argv.indexOf('-c') + 1];
        assert.ok(config.startsWith(`${docker.mountPoint}/.alembic-lens-downgrade-`), config);
      }
      await waitFor('the temporary folders removed', () =>
        fs.readdirSync(root).some((n) => n.startsWith('.alembic-lens-')) ? undefined : true,
      );
    });
  });

  it('a revision file deleted in the work tree: Restore from HEAD, after a confirmation naming it', async () => {
    const original = fs.readFileSync(file(HISTORY), 'utf8');
    fs.rmSync(file(HISTORY));
    try {
      const deleted = await waitFor(
        'the deleted-revision problem',
        () => api.getProblems().find((p) => p.code === 'deleted-revision'),
        20000,
      );
      assert.match(deleted.message, /deleted in the work tree but still at HEAD/);
      const restore = await quickFix(deleted.path, 'deleted-revision', `Restore ${HISTORY}_rev.py from HEAD`);
      assert.ok(restore.command, 'the quick fix runs a command');
      const restored = await withDialogs({ warning: () => 'Restore' }, () =>
        vscode.commands.executeCommand(restore.command!.command, ...(restore.command!.arguments ?? [])),
      );
      assertNoError(restored.shown, 'restore');
      assert.match(restored.shown.find((s) => s.modal)?.message ?? '', new RegExp(`${HISTORY}_rev\\.py from HEAD\\?$`));
      assert.strictEqual(fs.readFileSync(file(HISTORY), 'utf8'), original);
      await waitFor('the problem gone', () => !api.getProblems().some((p) => p.code === 'deleted-revision'), 20000);
    } finally {
      if (!fs.existsSync(file(HISTORY))) fs.writeFileSync(file(HISTORY), original);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('database at a revision of another branch: the row names it; Switch Back refuses a dirty tree; Downgrade with its revisions', async function () {
    this.timeout(90000);
    const sku = 'c4c4c4c4c4c4';
    const restoreSqlite = await useSampleSqlite(root);
    const restoreDb = setAside(appDb(root));
    const tempBefore = downgradeFolders();
    try {
      git(root, 'checkout', '-q', '-b', 'sku-branch', 'main');
      const create = '    op.create_table("sku_x", sa.Column("id", sa.Integer, primary_key=True))';
      const text = revisionSource(sku, THEIRS, 'add sku table', create);
      fs.writeFileSync(file(sku), text.replace(/(def downgrade\(\):\n) {4}pass/, '$1    op.drop_table("sku_x")'));
      git(root, 'add', '-A');
      git(root, 'commit', '-q', '-m', 'add sku table');
      const commit = git(root, 'rev-parse', 'HEAD');
      alembicCli(root, ['stamp', THEIRS]);
      alembicCli(root, ['upgrade', sku]);
      git(root, 'checkout', '-q', 'main');

      const snapshot = () =>
        (api as unknown as { getTreeSnapshot(view: string): Promise<TreeRow[]> }).getTreeSnapshot('alembic.revisions');
      const row = await waitFor(
        'the row naming the branch the database is from',
        async () => (await snapshot()).find((item) => item.contextValue === 'teams:origin:branch'),
        20000,
      );
      // The commit was made moments ago: "N seconds ago", N as old as the row.
      assert.match(
        row.label,
        new RegExp(
          `^Database at ${short(sku)} \\(add sku table\\) from branch sku-branch \\(commit ${short(commit)}, \\d+ (seconds?|minutes?) ago\\), not in this checkout$`,
        ),
      );
      // The database line says where it stands: at that revision, never "at base" beside it.
      const databaseLine = (await snapshot()).find((item) => item.label.startsWith('Database:'));
      assert.strictEqual(databaseLine?.label, `Database: at ${short(sku)} (${short(sku)} is not in this history)`);

      // Which of this history's revisions the database has is unknown: no Upgrade or Downgrade from them.
      const doc = await vscode.workspace.openTextDocument(file(THEIRS));
      const lenses = await waitFor('the CodeLens of a revision that may or may not be applied', async () => {
        const found = await vscode.commands.executeCommand<vscode.CodeLens[]>(
          'vscode.executeCodeLensProvider',
          doc.uri,
          100,
        );
        const titles = (found ?? []).map((lens) => lens.command?.title ?? '');
        return titles.some((title) => title.includes('applied or not')) ? titles : undefined;
      });
      assert.ok(!lenses.some((title) => /(Upgrade|Downgrade) to Revision/.test(title)), JSON.stringify(lenses));

      fs.appendFileSync(file(THEIRS), '# a local edit\n');
      const refused = await withDialogs({ warning: () => 'Switch to sku-branch' }, () =>
        vscode.commands.executeCommand('alembic.teams.switchBack'),
      );
      assert.match(
        refused.shown.find((s) => s.kind === 'error')?.message ?? '',
        new RegExp(
          `^Cannot switch back to sku-branch: the work tree has uncommitted changes \\(.*${THEIRS}_rev\\.py\\)`,
        ),
      );
      assert.strictEqual(git(root, 'branch', '--show-current'), 'main');
      git(root, 'checkout', '--', file(THEIRS));

      const down = await withDialogs({ warning: () => 'Downgrade' }, () =>
        vscode.commands.executeCommand('alembic.teams.downgradeWithOrigin'),
      );
      assertNoError(down.shown, 'downgrade with the branch');
      const modal = down.shown.find((s) => s.kind === 'warning' && s.modal);
      assert.match(modal?.message ?? '', new RegExp(`to ${short(THEIRS)} with sku-branch's revisions\\?$`));
      assert.deepStrictEqual(
        (modal?.detail ?? '').split('\n').filter((line) => line.startsWith('• ')),
        [`• ${short(sku)}  add sku table`],
      );
      await waitFor('app.db back at the shared revision', () => readSqlite(appDb(root)).rows?.join() === THEIRS, 30000);
      await waitFor(
        'the row gone',
        async () => !(await snapshot()).some((i) => i.contextValue?.startsWith('teams:origin')),
      );
      await waitFor('the temporary files removed', () => ![...downgradeFolders()].some((d) => !tempBefore.has(d)));
    } finally {
      fs.rmSync(file(sku), { force: true });
      git(root, 'checkout', '-q', '-f', 'feature');
      restoreDb();
      await restoreSqlite();
    }
  });
});

function downgradeFolders(): Set<string> {
  return new Set(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('alembic-lens-downgrade-')));
}
