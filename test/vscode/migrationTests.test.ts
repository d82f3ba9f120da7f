// The migration tests in the Test Explorer of a real VS Code, on the copy of migrations-sample: the
// items (one per revision, at its `revision =` line, and the project checks), a run of all of them, a
// planted failing downgrade reported at its line, and a cancelled run that leaves no scratch database.
// Items and outcomes are read through the extension's test API (VS Code gives no results back).

import * as assert from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlembicLensApi } from '../../src/testApi/testApi';
import { writeArgvWrapper } from '../support/argvWrapper';
import {
  activatedApi,
  EXTENSION_ID,
  heads,
  randomRevisionId,
  readRevisionFiles,
  revisionSource,
  versionsDir,
  waitFor,
  workspaceRoot,
} from './helpers';
import { ALEMBIC_PYTHON, restoreSettings, saveSettings, setAlembicSetting, withFakeCompose } from './loopHelpers';

type Api = AlembicLensApi;

function lineOf(file: string, pattern: RegExp): number {
  const index = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => pattern.test(l));
  assert.ok(index >= 0, `${pattern} in ${file}`);
  return index + 1;
}

/** The project's own database, as bytes (or its absence). */
function ownDatabase(): string {
  const file = path.join(workspaceRoot(), 'app.db');
  return fs.existsSync(file) ? createHash('sha256').update(fs.readFileSync(file)).digest('hex') : 'absent';
}

function scratchFolders(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('alembic-lens-test-'));
}

describe('migration tests in the Test Explorer', function () {
  this.timeout(90000);
  let api: Api;
  let saved: Record<string, unknown>;
  const added: string[] = [];

  before(async function () {
    this.timeout(60000);
    api = await activatedApi<Api>();
    assert.strictEqual(typeof api.migrationTests?.items, 'function', 'the API has migrationTests.items()');
    saved = saveSettings('pythonPath');
    await setAlembicSetting('pythonPath', ALEMBIC_PYTHON);
  });

  afterEach(async () => {
    for (const file of added.splice(0)) fs.rmSync(file, { force: true });
    await api.whenIdle();
  });

  after(async () => restoreSettings(saved));

  it('lists an item per revision at its line, and the project checks', async () => {
    await api.whenIdle();
    const items = api.migrationTests.items();
    const ids = items.map((i) => i.id);
    for (const check of ['single-head', 'models-match', 'downgrade-to-base'])
      assert.ok(ids.includes(`check:${check}`), `check:${check} in ${ids}`);
    for (const rev of readRevisionFiles()) {
      const item = items.find((i) => i.id === `stairway:${rev.revision}`);
      assert.ok(item, `an item for ${rev.revision}`);
      assert.strictEqual(item.file, rev.file);
      assert.strictEqual(item.line, lineOf(rev.file, /^revision\s*(:[^=]+)?=/));
      assert.strictEqual(item.error, undefined, 'runnable in a trusted workspace');
    }
    assert.strictEqual(items[0].controller, 'Alembic migrations');
  });

  it('runs every check on a scratch database and leaves the project database alone', async () => {
    const before = ownDatabase();
    const run = await api.migrationTests.run([]);
    const failed = run.outcomes.filter((o) => o.status !== 'passed');
    assert.deepStrictEqual(failed, [], JSON.stringify(run.outcomes));
    assert.strictEqual(run.outcomes.length, api.migrationTests.items().length);
    assert.match(run.database ?? '', /^SQLite .*alembic_lens_test_[0-9a-f]{8}\.db$/);
    assert.strictEqual(ownDatabase(), before);
  });

  it('reports a downgrade that raises as a failure at the line that raises', async () => {
    const head = heads(readRevisionFiles())[0];
    const id = randomRevisionId();
    const file = path.join(versionsDir(), `${id}_undoable.py`);
    const text = revisionSource(
      id,
      head,
      'undoable',
      "    op.create_table('notes', sa.Column('id', sa.Integer(), primary_key=True))",
    ).replace(
      /def downgrade\(\)( -> None)?:\n {4}pass/,
      "def downgrade():\n    raise NotImplementedError('notes stay')",
    );
    assert.match(text, /raise NotImplementedError/);
    fs.writeFileSync(file, text);
    added.push(file);
    await waitFor(
      `an item for ${id}`,
      async () => {
        await api.whenIdle();
        return api.migrationTests.items().some((i) => i.id === `stairway:${id}`);
      },
      15000,
    );
    const run = await api.migrationTests.run([`stairway:${id}`]);
    assert.deepStrictEqual(
      run.outcomes.map((o) => [o.id, o.status]),
      [[`stairway:${id}`, 'failed']],
    );
    const [outcome] = run.outcomes;
    assert.strictEqual(outcome.file, file);
    assert.strictEqual(outcome.line, lineOf(file, /raise NotImplementedError/));
    assert.match(outcome.message, /downgrade of \w+ raised NotImplementedError: notes stay/);
  });

  it('runs through alembic.command: the helper is started by the wrapper the setting names', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-migtest-wrapper-'));
    const log = path.join(tmp, 'argv.log');
    try {
      await setAlembicSetting('command', [writeArgvWrapper(tmp, log, ALEMBIC_PYTHON), 'alembic']);
      const run = await api.migrationTests.run(['check:single-head']);
      assert.deepStrictEqual(
        run.outcomes.map((o) => [o.id, o.status]),
        [['check:single-head', 'passed']],
        JSON.stringify(run.outcomes),
      );
      const argv = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [];
      assert.deepStrictEqual(argv.slice(0, 2), [
        'python',
        path.join(
          vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath,
          'media',
          'python',
          'alembic_lens_migtest.py',
        ),
      ]);
    } finally {
      await setAlembicSetting('command', undefined);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('runs in a Compose service through alembic.command: helper on stdin, scratch file in the mounted folder', async () => {
    const root = workspaceRoot();
    await withFakeCompose(root, async (docker) => {
      const first = api.migrationTests.items().find((i) => i.id.startsWith('stairway:'))!.id;
      const run = await api.migrationTests.run(['check:single-head', first]);
      assert.deepStrictEqual(
        run.outcomes.map((o) => [o.id, o.status]).sort(),
        [
          ['check:single-head', 'passed'],
          [first, 'passed'],
        ].sort(),
        JSON.stringify(run.outcomes),
      );
      assert.ok(run.database?.startsWith(`SQLite ${path.join(root, '.alembic-lens-test-')}`), run.database);
      const calls = docker.calls();
      assert.strictEqual(calls.length, 1, JSON.stringify(calls));
      assert.deepStrictEqual(calls[0].argv.slice(0, 7), [
        'compose',
        'exec',
        '--workdir',
        docker.mountPoint,
        '-T',
        'backend',
        'python',
      ]);
      assert.deepStrictEqual(
        fs.readdirSync(root).filter((n) => n.startsWith('.alembic-lens-')),
        [],
        'the scratch folder is removed',
      );
    });
  });

  it('cancelling a run stops it and removes the scratch database', async () => {
    const folders = scratchFolders();
    const run = await api.migrationTests.run(
      [],
      (event) => event.kind === 'begin' && !!event.id?.startsWith('stairway:'),
    );
    assert.ok(
      run.outcomes.some((o) => o.status === 'skipped' && /cancelled/.test(o.message)),
      JSON.stringify(run.outcomes),
    );
    assert.deepStrictEqual(scratchFolders(), folders, 'the scratch SQLite folder is gone');
  });
});
