// Helpers for the tests of the daily Alembic loop in a real VS Code: answering the extension's dialogs
// as a user would (and recording what it asked), reading the databases independently of the extension
// (Python's sqlite3 / psycopg2, the real Alembic CLI), and putting the workspace copy in a known state.
//
// Dialogs: the `vscode` object a test imports is the one the extension uses (same extension), so a test
// can replace window.showInputBox & co for the duration of one command and restore them afterwards.

import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlembicLensApi } from '../../src/testApi/testApi';
import { type FakeDocker, makeFakeDocker } from '../support/fakeDocker';
import { activatedApi, versionsDir, waitFor, workspaceRoot } from './helpers';

/** Debian's Python: it has Alembic 1.8.1, SQLAlchemy and psycopg2 (the pyenv `python3` on PATH has none). */
export const ALEMBIC_PYTHON = '/usr/bin/python3';
/** The sample's revisions. */
export const FIRST = '13c9c7d2277c';
export const HEAD = '92404fb3f98d';

/** What the extension's activate() returns. */
export type LensApi = AlembicLensApi;

export async function lensApi(): Promise<LensApi> {
  const api = await activatedApi<LensApi>();
  for (const fn of ['getRevisionItems', 'getDatabaseStatus', 'whenIdle'] as const) {
    assert.strictEqual(typeof api?.[fn], 'function', `activate() returns an API with ${fn}()`);
  }
  return api;
}

export function short(id: string): string {
  return id.slice(0, 7);
}

// ------------------------------------------------------------------------------------- settings

/** Sets a workspace setting of the `alembic` section and waits until the extension can read it. */
export async function setAlembicSetting(key: string, value: unknown): Promise<void> {
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('alembic');
  await config().update(key, value, vscode.ConfigurationTarget.Workspace);
  await waitFor(
    `alembic.${key} = ${JSON.stringify(value)}`,
    () => JSON.stringify(config().inspect(key)?.workspaceValue) === JSON.stringify(value),
  );
}

/** The workspace values of the given `alembic.*` settings, to put back with restoreSettings. */
export function saveSettings(...keys: string[]): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration('alembic');
  return Object.fromEntries(keys.map((k) => [k, config.inspect(k)?.workspaceValue]));
}

export async function restoreSettings(saved: Record<string, unknown>): Promise<void> {
  for (const [key, value] of Object.entries(saved)) await setAlembicSetting(key, value);
}

// ------------------------------------------------------------------------------------- dialogs

export interface Shown {
  kind: 'input' | 'quickPick' | 'warning' | 'info' | 'error' | 'openDialog';
  /** The message, or the input box's / quick pick's title. */
  message: string;
  detail?: string;
  modal?: boolean;
  /** Buttons of a message; labels of a quick pick. */
  items: string[];
  /** Prefilled value of an input box. */
  value?: string;
  /** What the test answered (undefined: Escape / closed). */
  answer?: string;
}

export interface Answers {
  /** Gets the options; returns the text typed (undefined: Escape). Default: Escape. */
  input?: (options: vscode.InputBoxOptions) => string | undefined;
  /** Gets the items; returns the one picked (undefined: Escape; with canPickMany, the only one). Default: Escape. */
  quickPick?: (
    items: readonly vscode.QuickPickItem[],
    options: vscode.QuickPickOptions | undefined,
  ) => vscode.QuickPickItem | undefined;
  /** Gets the message and its buttons; returns the button clicked (undefined: closed / Cancel). Default: closed. */
  warning?: (message: string, items: string[], options: vscode.MessageOptions) => string | undefined;
  info?: (message: string, items: string[], options: vscode.MessageOptions) => string | undefined;
  error?: (message: string, items: string[], options: vscode.MessageOptions) => string | undefined;
  openDialog?: (options: vscode.OpenDialogOptions | undefined) => vscode.Uri[] | undefined;
}

type MessageFn = (message: string, ...rest: unknown[]) => Thenable<unknown>;

/**
 * Runs `action` (usually executeCommand) with the dialogs answered by `answers`, and returns every dialog
 * and message the extension showed meanwhile. An input box answer must pass the box's own validation,
 * as it would have to in the real UI.
 */
export async function withDialogs<T>(
  answers: Answers,
  action: () => Thenable<T>,
): Promise<{ result: T; shown: Shown[] }> {
  const shown: Shown[] = [];
  const w = vscode.window as unknown as Record<string, unknown>;
  const names = [
    'showInputBox',
    'showQuickPick',
    'showWarningMessage',
    'showInformationMessage',
    'showErrorMessage',
    'showOpenDialog',
  ];
  const originals = Object.fromEntries(names.map((n) => [n, w[n]]));

  const message =
    (kind: 'warning' | 'info' | 'error'): MessageFn =>
    async (text: string, ...rest: unknown[]) => {
      let options: vscode.MessageOptions = {};
      if (rest.length && rest[0] && typeof rest[0] === 'object' && !('title' in (rest[0] as object)))
        options = rest.shift() as vscode.MessageOptions;
      const buttons = rest as Array<string | vscode.MessageItem>;
      const labels = buttons.map((b) => (typeof b === 'string' ? b : b.title));
      const entry: Shown = { kind, message: text, detail: options.detail, modal: options.modal, items: labels };
      shown.push(entry);
      const answer = answers[kind]?.(text, labels, options);
      if (answer !== undefined)
        assert.ok(
          labels.includes(answer),
          `the ${kind} "${text}" has a button "${answer}" (it has ${JSON.stringify(labels)})`,
        );
      entry.answer = answer;
      return answer === undefined ? undefined : buttons[labels.indexOf(answer)];
    };
  w.showWarningMessage = message('warning');
  w.showInformationMessage = message('info');
  w.showErrorMessage = message('error');
  w.showInputBox = async (options: vscode.InputBoxOptions = {}) => {
    const entry: Shown = {
      kind: 'input',
      message: options.title ?? options.prompt ?? '',
      items: [],
      value: options.value,
    };
    shown.push(entry);
    const answer = answers.input?.(options);
    if (answer !== undefined && options.validateInput) {
      const problem = await options.validateInput(answer);
      assert.ok(
        !problem,
        `the input box "${entry.message}" accepts ${JSON.stringify(answer)} (it says: ${JSON.stringify(problem)})`,
      );
    }
    entry.answer = answer;
    return answer;
  };
  w.showQuickPick = async (
    items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>,
    options?: vscode.QuickPickOptions,
  ) => {
    const list = await items;
    const entry: Shown = {
      kind: 'quickPick',
      message: options?.title ?? options?.placeHolder ?? '',
      items: list.map((i) => i.label),
    };
    shown.push(entry);
    const answer = answers.quickPick?.(list, options);
    if (answer !== undefined) assert.ok(list.includes(answer), 'the answer is one of the quick pick items');
    entry.answer = answer?.label;
    // A multi-select pick resolves to the items picked.
    return options?.canPickMany && answer ? [answer] : answer;
  };
  w.showOpenDialog = async (options?: vscode.OpenDialogOptions) => {
    const entry: Shown = { kind: 'openDialog', message: options?.openLabel ?? options?.title ?? '', items: [] };
    shown.push(entry);
    const answer = answers.openDialog?.(options);
    entry.answer = answer?.map((u) => u.fsPath).join(', ');
    return answer;
  };
  try {
    const result = await action();
    return { result, shown };
  } finally {
    for (const name of names) w[name] = originals[name];
  }
}

/** What asked the user something or reported a problem: everything but informational toasts. */
export function prompts(shown: Shown[]): Shown[] {
  return shown.filter((s) => s.kind !== 'info');
}

/** Fails with what the extension showed when it reported an error. */
export function assertNoError(shown: Shown[], what: string): void {
  const errors = shown.filter((s) => s.kind === 'error');
  assert.deepStrictEqual(
    errors.map((e) => `${e.message}${e.detail ? ` / ${e.detail}` : ''}`),
    [],
    `${what}: no error message`,
  );
}

export function describeShown(shown: Shown[]): string {
  return JSON.stringify(
    shown.map((s) => ({ kind: s.kind, message: s.message, detail: s.detail, items: s.items, answer: s.answer })),
    null,
    1,
  );
}

/**
 * Remembers every terminal opened from now on; dispose() closes them, so that a test file leaves no
 * "Alembic" terminal behind for the next one (the extension opens a new one when it needs it).
 */
export function trackTerminals(): vscode.Disposable {
  const opened: vscode.Terminal[] = [];
  const sub = vscode.window.onDidOpenTerminal((t) => opened.push(t));
  return new vscode.Disposable(() => {
    sub.dispose();
    for (const t of opened) if (t.exitStatus === undefined) t.dispose();
  });
}

/** Counts the terminals opened while `action` runs: a command that refuses must run nothing. */
export async function countTerminalsOpened<T>(action: () => Thenable<T>): Promise<{ result: T; opened: string[] }> {
  const opened: string[] = [];
  const sub = vscode.window.onDidOpenTerminal((t) => opened.push(t.name));
  try {
    return { result: await action(), opened };
  } finally {
    sub.dispose();
  }
}

// ------------------------------------------------------------------------------------- Python, Alembic, databases

/** The environment Alembic runs with in fixtures: nothing that would pick another database. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(DATABASE_URL|PG[A-Z]+)$/.test(k)) env[k] = v;
  return { ...env, PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

export function python(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): string {
  const result = spawnSync(ALEMBIC_PYTHON, args, {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    encoding: 'utf8',
    timeout: 60000,
  });
  if (result.status !== 0) {
    throw new Error(
      `${ALEMBIC_PYTHON} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}${result.error ?? ''}`,
    );
  }
  return result.stdout;
}

/** The real Alembic CLI in `folder` (a fixture step, not what is tested). */
export function alembicCli(folder: string, args: string[], env: Record<string, string> = {}): string {
  return python(['-m', 'alembic', ...args], { cwd: folder, env });
}

export interface SqliteVersionTable {
  exists: boolean;
  /** The alembic_version rows; undefined when there is no such table. */
  rows?: string[];
  /** Columns of each table, for schema checks. */
  tables: Record<string, string[]>;
}

/** Reads a SQLite file with Python's sqlite3 (not the extension's knex/better-sqlite3), read-only. */
export function readSqlite(file: string): SqliteVersionTable {
  if (!fs.existsSync(file)) return { exists: false, tables: {} };
  const script = [
    'import json, sqlite3, sys',
    'c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)',
    'names = [r[0] for r in c.execute("select name from sqlite_master where type = \'table\'")]',
    'tables = {n: [r[1] for r in c.execute("pragma table_info(\\"%s\\")" % n)] for n in names}',
    'rows = [r[0] for r in c.execute("select version_num from alembic_version")] if "alembic_version" in names else None',
    'print(json.dumps({"tables": tables, "rows": rows}))',
  ].join('\n');
  const out = JSON.parse(python(['-c', script, file])) as { tables: Record<string, string[]>; rows: string[] | null };
  return { exists: true, rows: out.rows ?? undefined, tables: out.tables };
}

/** The rows of alembic_version in a PostgreSQL database, read with psycopg2 (URL passed in the environment). */
export function readPostgresVersions(url: string): string[] | undefined {
  const script = [
    'import json, os, psycopg2',
    'c = psycopg2.connect(os.environ["LENS_TEST_URL"])',
    'cur = c.cursor()',
    'cur.execute("select to_regclass(\'alembic_version\') is not null")',
    'if cur.fetchone()[0]:',
    '    cur.execute("select version_num from alembic_version")',
    '    print(json.dumps([r[0] for r in cur.fetchall()]))',
    'else:',
    '    print("null")',
  ].join('\n');
  return JSON.parse(python(['-c', script], { env: { LENS_TEST_URL: url } })) ?? undefined;
}

// ------------------------------------------------------------------------------------- the workspace

/**
 * Moves a file another suite may have left in the workspace (a `.env` would point the sample at another
 * database) out of the way; the returned function puts it back.
 */
export function setAside(file: string): () => void {
  if (!fs.existsSync(file)) return () => fs.rmSync(file, { force: true });
  const aside = `${file}.lens-aside-${process.pid}`;
  fs.renameSync(file, aside);
  return () => fs.renameSync(aside, file);
}

/**
 * What a suite on the sample's SQLite database needs: no `.env` pointing elsewhere, Debian's Python,
 * no `alembic.databaseUrl`. Returns the function that puts all of it back.
 */
export async function useSampleSqlite(root: string): Promise<() => Promise<void>> {
  const restoreEnv = setAside(path.join(root, '.env'));
  const saved = saveSettings('pythonPath', 'databaseUrl');
  await setAlembicSetting('pythonPath', ALEMBIC_PYTHON);
  await setAlembicSetting('databaseUrl', undefined);
  return async () => {
    await restoreSettings(saved);
    restoreEnv();
  };
}

/** The repository (read only: the tests work on a copy of migrations-sample). */
const REPO = path.resolve(__dirname, '../../..');

export interface SampleWorkspace {
  root: string;
  versions: string;
  modelsFile: string;
  /** The sample's models.py as in the repo: the models the sample's revisions were generated from. */
  modelsText: string;
  originalVersions: Set<string>;
  /** Removes the revision files added since the suite started. */
  removeAddedRevisions(): void;
  /** Removes the sample's database and puts back what the suite found: models.py, the .env, the settings. */
  restore(api: LensApi): Promise<void>;
}

/**
 * Puts the workspace copy in the sample's state for a suite (another suite may have changed it): the
 * sample's models.py, no .env, alembic.pythonPath at a Python with Alembic, no alembic.databaseUrl.
 */
export async function useSampleWorkspace(api: LensApi): Promise<SampleWorkspace> {
  const root = workspaceRoot();
  const versions = versionsDir(root);
  const modelsFile = path.join(root, 'app', 'models.py');
  const modelsFound = fs.readFileSync(modelsFile, 'utf8');
  const modelsText = fs.readFileSync(path.join(REPO, 'migrations-sample', 'app', 'models.py'), 'utf8');
  fs.writeFileSync(modelsFile, modelsText);
  // The sample's own revisions, from the repo: a revision an earlier suite left behind (a terminal
  // command that wrote its file after that suite's cleanup) would otherwise count as the sample's.
  const originalVersions = snapshotDir(versionsDir(path.join(REPO, 'migrations-sample')));
  const leftovers = [...snapshotDir(versions)].filter((n) => n.endsWith('.py') && !originalVersions.has(n));
  for (const name of leftovers) {
    console.log(`      removed ${name}, a revision an earlier suite left in the workspace copy`);
    fs.rmSync(path.join(versions, name));
  }
  if (leftovers.length > 0)
    await waitFor('the tree without the leftover revisions', async () => {
      const ids = (await api.getRevisionItems()).map((i) => i.id);
      return leftovers.every((n) => !ids.some((id) => n.startsWith(id))) ? true : undefined;
    });
  const restoreSqlite = await useSampleSqlite(root);
  return {
    root,
    versions,
    modelsFile,
    modelsText,
    originalVersions,
    removeAddedRevisions() {
      for (const name of fs.readdirSync(versions))
        if (!originalVersions.has(name) && name.endsWith('.py')) fs.rmSync(path.join(versions, name));
    },
    async restore(api) {
      await sqliteAt(api, undefined, root);
      fs.writeFileSync(modelsFile, modelsFound);
      await restoreSqlite();
    },
  };
}

export function appDb(root = workspaceRoot()): string {
  return path.join(root, 'app.db');
}

/**
 * Puts the sample's SQLite database at `revision` with the real Alembic (no database at all for
 * undefined), then waits until the extension reports that state, so that a command run next does not
 * act on a stale status.
 */
export async function sqliteAt(api: LensApi, revision: string | undefined, root = workspaceRoot()): Promise<void> {
  fs.rmSync(appDb(root), { force: true });
  if (revision) alembicCli(root, ['upgrade', revision]);
  const expected = revision ? `at ${short(revision)}` : 'no database yet';
  await waitFor(
    `the extension to see the database ${revision ? `at ${short(revision)}` : 'gone'}`,
    async () => {
      const [status] = await api.getDatabaseStatus();
      return status?.text.includes(expected) ? status : undefined;
    },
    10000,
    150,
  );
}

/** Polls the status line of the (first) project until `check` accepts it. */
export async function waitForStatus(
  api: LensApi,
  what: string,
  check: (status: { kind: string; text: string; source?: string; tooltip?: string }) => boolean,
  timeoutMs = 15000,
  project?: string,
) {
  let last: unknown;
  try {
    return await waitFor(
      what,
      async () => {
        const all = await api.getDatabaseStatus();
        const status = project ? all.find((s) => s.project === project) : all[0];
        last = status;
        return status && check(status) ? status : undefined;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last)}`);
  }
}

/** The tree item of a revision (the first project's, unless filtered). */
export async function revisionItem(api: LensApi, id: string) {
  await api.whenIdle();
  return (await api.getRevisionItems()).find((i) => i.id === id);
}

/** contextValue states of each revision: { id: ['head', 'pending'] }. */
export async function treeStates(api: LensApi): Promise<Record<string, string[]>> {
  await api.whenIdle();
  const items = await api.getRevisionItems();
  return Object.fromEntries(items.map((i) => [i.id, (i.contextValue ?? '').split(':').slice(1)]));
}

/** Files of `dir` that were not in `before`. */
export function newFiles(dir: string, before: ReadonlySet<string>): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.py') && !before.has(n))
    .map((n) => path.join(dir, n));
}

export function snapshotDir(dir: string): Set<string> {
  return new Set(fs.readdirSync(dir));
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The file of the active editor, if any. */
export function activeFile(): string | undefined {
  return vscode.window.activeTextEditor?.document.uri.fsPath;
}

export function sameFile(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const real = (p: string): string => (fs.existsSync(p) ? fs.realpathSync(p) : path.resolve(p));
  return real(a) === real(b);
}

/** The PostgreSQL server scripts/vscode-test.sh started (ALEMBIC_LENS_TEST_PG_URL), or a failure saying why there is none. */
export function testPostgresServer(): { url: string; password: string; host: string; port: string } {
  const url = process.env.ALEMBIC_LENS_TEST_PG_URL;
  assert.ok(
    url,
    `no PostgreSQL test server: ${process.env.ALEMBIC_LENS_TEST_PG_ERROR ?? 'ALEMBIC_LENS_TEST_PG_URL is not set (scripts/vscode-test.sh starts one)'}`,
  );
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  assert.ok(password, 'the test server has a password (to check that it is never shown)');
  return { url, password, host: parsed.hostname, port: parsed.port };
}

/**
 * Runs `body` with alembic.command through a fake `docker` whose service `backend` mounts the workspace
 * folder `root` (and a compose.yaml that says so); then removes both and the setting.
 */
export async function withFakeCompose(root: string, body: (docker: FakeDocker) => Promise<void>): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-docker-'));
  const composeFile = path.join(root, 'compose.yaml');
  const docker = makeFakeDocker(tmp, 'backend', root);
  try {
    // The setting first: with alembic.command set, the new Compose file brings no suggestion.
    await setAlembicSetting('command', [
      path.join(docker.binDir, 'docker'),
      'compose',
      'exec',
      '-T',
      'backend',
      'alembic',
    ]);
    fs.writeFileSync(composeFile, `services:\n  backend:\n    volumes:\n      - ./:${docker.mountPoint}\n`);
    await body(docker);
  } finally {
    fs.rmSync(composeFile, { force: true });
    await setAlembicSetting('command', undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
