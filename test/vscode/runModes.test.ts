// alembic.command in a real VS Code: the setting points at a real wrapper executable (a shell script that
// logs its argv, then runs the Debian Alembic, as `uv run` would), and "Alembic: Upgrade to Head" runs
// through it in the Alembic terminal: the wrapper's log shows the argv, the database moves to head.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlembicLensApi } from '../../src/testApi/testApi';
import { waitFor } from './helpers';
import {
  ALEMBIC_PYTHON,
  appDb,
  describeShown,
  FIRST,
  HEAD,
  lensApi,
  readSqlite,
  type SampleWorkspace,
  setAlembicSetting,
  short,
  sqliteAt,
  trackTerminals,
  useSampleWorkspace,
  waitForStatus,
  withDialogs,
} from './loopHelpers';

describe('alembic.command: Alembic run through a wrapper', function () {
  this.timeout(90000);
  let api: AlembicLensApi;
  let sample: SampleWorkspace | undefined;
  let terminals: vscode.Disposable | undefined;
  let tmp: string;

  before(async function () {
    this.timeout(60000);
    terminals = trackTerminals();
    api = (await lensApi()) as unknown as AlembicLensApi;
    sample = await useSampleWorkspace(api);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-wrapper-'));
  });

  after(async function () {
    this.timeout(30000);
    await setAlembicSetting('command', undefined);
    for (const t of vscode.window.terminals.filter((t) => t.name.startsWith('Alembic'))) t.dispose();
    terminals?.dispose();
    if (api) await sample?.restore(api);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('Upgrade to Head runs the wrapper with the Alembic argv, and the database moves to head', async () => {
    const root = sample!.root;
    await sqliteAt(api, FIRST);
    const log = path.join(tmp, 'argv.log');
    const wrapper = path.join(tmp, 'run in env');
    fs.writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        `for arg in "$@"; do printf '%s\\n' "$arg" >> '${log}'; done`,
        'shift',
        `exec '${ALEMBIC_PYTHON}' -m alembic "$@"`,
        '',
      ].join('\n'),
    );
    fs.chmodSync(wrapper, 0o755);
    await setAlembicSetting('command', [wrapper, 'alembic']);
    // A new terminal for the new setting is not needed, but the previous tests' may be busy.
    for (const t of vscode.window.terminals.filter((t) => t.name.startsWith('Alembic'))) t.dispose();

    const { shown } = await withDialogs({}, () => vscode.commands.executeCommand('alembic.upgrade.head'));
    assert.deepStrictEqual(
      shown.filter((s) => s.kind === 'error'),
      [],
      describeShown(shown),
    );
    await waitFor('the wrapper to log its argv', () => fs.existsSync(log) || undefined, 30000);
    await waitForStatus(api, `the database at ${short(HEAD)}`, (s) => s.text.includes(`at ${short(HEAD)}`), 30000);
    const argv = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    console.log(`      wrapper argv: ${JSON.stringify(argv)}`);
    assert.deepStrictEqual(argv, ['alembic', '-c', 'alembic.ini', 'upgrade', 'head']);
    assert.deepStrictEqual(readSqlite(appDb(root)).rows, [HEAD]);
    const lines = api.commands?.outputLines() ?? [];
    assert.ok(
      lines.some((l) => l.includes(`'${wrapper}' alembic -c alembic.ini upgrade head`)),
      `the output channel shows the real command line: ${lines.slice(-4).join(' | ')}`,
    );
  });
});

describe('alembic.command: the suggestion from a lock file', function () {
  this.timeout(60000);
  let api: AlembicLensApi;
  let sample: SampleWorkspace | undefined;

  before(async function () {
    api = (await lensApi()) as unknown as AlembicLensApi;
    sample = await useSampleWorkspace(api);
  });

  after(async function () {
    fs.rmSync(path.join(sample!.root, 'uv.lock'), { force: true });
    await setAlembicSetting('command', undefined);
    if (api) await sample?.restore(api);
  });

  it('a new uv.lock brings one suggestion, and "Use it" sets alembic.command', async () => {
    await setAlembicSetting('command', undefined);
    const { shown } = await withDialogs(
      { info: (_m, items) => (items.includes('Use it') ? 'Use it' : undefined) },
      async () => {
        fs.writeFileSync(path.join(sample!.root, 'uv.lock'), 'version = 1\n');
        await waitFor(
          'alembic.command set by "Use it"',
          () => {
            const value = vscode.workspace.getConfiguration('alembic').get<string[]>('command');
            return value?.length ? value : undefined;
          },
          20000,
        );
      },
    );
    const suggestions = shown.filter((s) => s.items.includes('Use it'));
    assert.strictEqual(suggestions.length, 1, describeShown(shown));
    console.log(`      suggestion: ${suggestions[0].message}`);
    assert.match(suggestions[0].message, /uv run alembic.*uv\.lock in the project folder/);
    assert.deepStrictEqual(suggestions[0].items, ['Use it', "Don't Ask Again"]);
    assert.deepStrictEqual(vscode.workspace.getConfiguration('alembic').get('command'), ['uv', 'run', 'alembic']);
  });
});
