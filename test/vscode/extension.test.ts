// The extension in a real VS Code, on a throw-away copy of migrations-sample/ (see scripts/vscode-test.sh).
// Written against the extension's contract (see helpers.ts: AlembicLensApi). Every test removes the files
// it adds, so the tests are independent of each other and of their order.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type AlembicLensApi,
  activatedApi,
  EXTENSION_ID,
  heads,
  itemText,
  randomRevisionId,
  readRevisionFiles,
  revisionSource,
  versionsDir,
  waitFor,
} from './helpers';

describe('Alembic Lens in VS Code', () => {
  let exported: AlembicLensApi | undefined;
  const added: string[] = [];

  /** The API, or an immediate failure naming what is missing (rather than each test timing out). */
  function lens(): AlembicLensApi {
    for (const fn of ['getRevisionItems', 'getProblems', 'whenIdle'] as const) {
      assert.strictEqual(typeof exported?.[fn], 'function', `activate() returns an API with ${fn}()`);
    }
    return exported!;
  }

  /** Writes a file into the versions folder, remembered for clean-up. */
  function addVersionFile(name: string, text: string): string {
    const file = path.join(versionsDir(), name);
    fs.writeFileSync(file, text);
    added.push(file);
    return file;
  }

  before(async function () {
    this.timeout(60000);
    // No explicit activate(): the workspace's alembic.ini must be what activates it.
    exported = await activatedApi<AlembicLensApi>();
  });

  afterEach(async () => {
    for (const file of added.splice(0)) fs.rmSync(file, { force: true });
    if (typeof exported?.whenIdle === 'function') await exported.whenIdle();
  });

  it('activates on the migrations-sample workspace and returns its API', () => {
    lens();
  });

  it("records how long activate()'s synchronous part took, for the bench", () => {
    const { activationMs } = lens();
    assert.ok(Number.isFinite(activationMs) && activationMs > 0, `activationMs is a duration: ${activationMs}`);
    // `npm run bench` prints the figure of the last run of this tier (real VS Code, real activation).
    const file = path.resolve(__dirname, '../../../test-output/activation.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ activationMs, date: new Date().toISOString() })}\n`);
  });

  it('contributes the Alembic view container, the Revisions view and the refresh command', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributes = ext.packageJSON.contributes ?? {};
    const containers: Array<{ id: string; title: string }> = contributes.viewsContainers?.activitybar ?? [];
    assert.ok(
      containers.some((c) => c.id === 'alembic' && c.title === 'Alembic'),
      'view container alembic "Alembic"',
    );
    const views: Array<{ id: string; name: string }> = contributes.views?.alembic ?? [];
    assert.ok(
      views.some((v) => v.id === 'alembic.revisions' && v.name === 'Revisions'),
      'view alembic.revisions "Revisions"',
    );
    assert.ok((await vscode.commands.getCommands(true)).includes('alembic.refresh'), 'command alembic.refresh');
    await vscode.commands.executeCommand('alembic.revisions.focus'); // opens the view: its provider must not throw
    await vscode.commands.executeCommand('alembic.refresh');
    await lens().whenIdle();
  });

  it("lists the sample's revisions in the tree", async () => {
    const api = lens();
    const files = readRevisionFiles();
    assert.ok(
      files.length >= 2,
      `the sample has at least 2 revision files (found ${files.length} in ${versionsDir()})`,
    );
    await api.whenIdle();
    const items = await api.getRevisionItems();
    assert.ok(items.length >= files.length, `${items.length} items for ${files.length} revision files`);
    const texts = items.map(itemText);
    for (const f of files) {
      assert.ok(
        texts.some((t) => t.includes(f.revision)),
        `revision ${f.revision} (${path.basename(f.file)}) is in the tree: ${JSON.stringify(texts)}`,
      );
    }
  });

  it('shows a revision file written into alembic/versions within seconds', async () => {
    const api = lens();
    const [head] = heads(readRevisionFiles());
    assert.ok(head, 'the sample has a head revision');
    const id = randomRevisionId();
    addVersionFile(`${id}_lens_e2e_added.py`, revisionSource(id, head, 'lens e2e: added by a test'));
    await waitFor(`revision ${id} in the tree`, async () => {
      await api.whenIdle();
      return (await api.getRevisionItems()).some((i) => itemText(i).includes(id));
    });
    // ...and it goes away with its file.
    fs.rmSync(added.pop()!);
    await waitFor(`revision ${id} gone from the tree`, async () => {
      await api.whenIdle();
      return !(await api.getRevisionItems()).some((i) => itemText(i).includes(id));
    });
  });

  it('reports a down_revision that points to a missing revision, and clears it when the file is deleted', async () => {
    const api = lens();
    const id = randomRevisionId();
    const missing = randomRevisionId();
    const file = addVersionFile(
      `${id}_lens_e2e_dangling.py`,
      revisionSource(id, missing, 'lens e2e: dangling down_revision'),
    );
    const uri = vscode.Uri.file(file);
    const diagnostics = await waitFor(`a diagnostic on ${path.basename(file)}`, async () => {
      await api.whenIdle();
      const found = vscode.languages.getDiagnostics(uri);
      return found.length ? found : undefined;
    });
    console.log(
      `      diagnostic: ${diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message} [${String(d.code ?? '')}]`).join('; ')}`,
    );
    assert.ok(
      api.getProblems().some((p) => path.resolve(p.path) === path.resolve(file)),
      'getProblems() lists the file too',
    );

    fs.rmSync(added.pop()!);
    await waitFor(`no diagnostics left on ${path.basename(file)}`, async () => {
      await api.whenIdle();
      return vscode.languages.getDiagnostics(uri).length === 0;
    });
    assert.ok(
      !api.getProblems().some((p) => path.resolve(p.path) === path.resolve(file)),
      'getProblems() forgot the file',
    );
  });

  it('reports a revision file with a syntax error, and clears it when the file is deleted', async () => {
    const api = lens();
    const [head] = heads(readRevisionFiles());
    const id = randomRevisionId();
    // An unterminated string in the revision id: the file cannot be read by Alembic either.
    const text = revisionSource(id, head ?? null, 'lens e2e: syntax error').replace(
      `revision = '${id}'`,
      `revision = '${id}`,
    );
    const file = addVersionFile(`${id}_lens_e2e_syntax.py`, text);
    const uri = vscode.Uri.file(file);
    await waitFor(`a diagnostic on ${path.basename(file)}`, async () => {
      await api.whenIdle();
      return vscode.languages.getDiagnostics(uri).length > 0;
    });
    fs.rmSync(added.pop()!);
    await waitFor(`no diagnostics left on ${path.basename(file)}`, async () => {
      await api.whenIdle();
      return vscode.languages.getDiagnostics(uri).length === 0;
    });
  });
});
