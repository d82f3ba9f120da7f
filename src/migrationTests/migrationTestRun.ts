// One run of the migration tests from the Test Explorer: how Alembic runs (alembic.command or the
// interpreter) and `.env` as the runner finds them, the scratch server (asked once per server), then the core run, its events shown
// on the items as they come, failures as test messages at their line, the helper's log in the run's
// output. Cancelling stops the Python process; the core run still drops the scratch database.
import * as vscode from 'vscode';
import { describeDatabase, type Project } from '../core';
import type { DatabaseUrl } from '../core/databaseUrl';
import {
  type ContainerTarget,
  chooseScratchServer,
  type HelperEvent,
  type MigrationCheck,
  type MigrationTestResult,
  runMigrationTests,
  serverKey,
  type TestStatus,
  testTarget,
} from '../core/migrationTests';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { type AlembicLaunch, resolveAlembicLaunch } from '../runner/alembicLauncher';
import type { InterpreterService } from '../runner/interpreter';
import { Disposable } from '../util/disposable';
import type { ProjectTests } from './migrationTestController';

const CONFIRMED_SERVERS = 'alembic.migrationTests.confirmedServers';
export const UNTRUSTED_MESSAGE =
  "Migration tests run your project's Python code and create a database: trust the workspace to run them.";

/** Item ids: `stairway:<revision>` and `check:<check>`. */
export function itemId(check: MigrationCheck, revision?: string | null): string {
  return check === 'stairway' ? `stairway:${revision}` : `check:${check}`;
}

export interface RecordedOutcome {
  id: string;
  status: TestStatus | 'errored';
  message: string;
  file?: string;
  line?: number;
}

/** What a run did, item by item (for the extension-host tests: VS Code does not give results back). */
export interface RecordedRun {
  outcomes: RecordedOutcome[];
  database?: string;
}

export class MigrationTestRunner extends Disposable {
  constructor(
    private readonly registry: ProjectRegistry,
    private readonly interpreters: InterpreterService,
    private readonly extensionUri: vscode.Uri,
    private readonly state: vscode.Memento,
  ) {
    super();
  }

  async run(
    tests: ProjectTests,
    request: vscode.TestRunRequest,
    token: vscode.CancellationToken,
    observe?: (event: { kind: string; id?: string }) => void,
  ): Promise<RecordedRun> {
    const run = tests.controller.createTestRun(request, undefined, true);
    const recorded: RecordedRun = { outcomes: [] };
    const items = includedItems(tests.controller, request);
    const record = (
      item: vscode.TestItem,
      status: RecordedOutcome['status'],
      text: string,
      file?: string,
      line?: number,
    ): void => {
      recorded.outcomes.push({ id: item.id, status, message: text, file, line });
      const message = new vscode.TestMessage(text);
      if (file)
        message.location = new vscode.Location(
          vscode.Uri.file(file),
          new vscode.Position(Math.max(0, (line ?? 1) - 1), 0),
        );
      if (status === 'passed') run.passed(item);
      else if (status === 'skipped') run.skipped(item);
      else if (status === 'failed') run.failed(item, message);
      else run.errored(item, message);
      observe?.({ kind: status, id: item.id });
    };
    const unfinished = (): vscode.TestItem[] => items.filter((i) => !recorded.outcomes.some((o) => o.id === i.id));
    try {
      const prepared = await this.prepare(tests.project);
      if (typeof prepared === 'string') {
        items.forEach((item) => record(item, 'errored', prepared));
        return recorded;
      }
      items.forEach((item) => run.enqueued(item));
      const abort = new AbortController();
      const cancelled = token.onCancellationRequested(() => abort.abort());
      const { checks, revisions } = plan(items);
      try {
        const result = await runMigrationTests({
          project: tests.project,
          alembicCommand: prepared.alembicCommand,
          container: prepared.container,
          helperScript: vscode.Uri.joinPath(this.extensionUri, 'media', 'python', 'alembic_lens_migtest.py').fsPath,
          server: prepared.server,
          checks,
          revisions,
          env: prepared.env,
          signal: abort.signal,
          onDatabase: (description) => run.appendOutput(`Scratch database: ${description}\r\n`),
          onOutput: (text) => run.appendOutput(text.replace(/\r?\n/g, '\r\n')),
          onEvent: (event) => this.show(event, tests, run, record, observe),
        });
        recorded.database = result.database;
        for (const w of result.warnings) run.appendOutput(`${w.path}:${w.line}: warning: ${w.message}\r\n`);
        if (result.fatal) {
          const status = result.fatal.code === 'cancelled' ? 'skipped' : 'errored';
          unfinished().forEach((item) =>
            record(item, status, result.fatal!.message, result.fatal!.path, result.fatal!.line),
          );
        }
      } finally {
        cancelled.dispose();
      }
      return recorded;
    } catch (err) {
      unfinished().forEach((item) => record(item, 'errored', (err as Error).message));
      return recorded;
    } finally {
      run.end();
    }
  }

  private show(
    event: HelperEvent,
    tests: ProjectTests,
    run: vscode.TestRun,
    record: (item: vscode.TestItem, status: TestStatus, text: string, file?: string, line?: number) => void,
    observe?: (event: { kind: string; id?: string }) => void,
  ): void {
    if (event.kind === 'begin') {
      const item = tests.item(itemId(event.check, event.revision));
      if (item) run.started(item);
      observe?.({ kind: 'begin', id: item?.id });
    } else if (event.kind === 'result') {
      const item = tests.item(resultItemId(event.result));
      if (item)
        record(
          item,
          event.result.status,
          event.result.message || event.result.status,
          event.result.path,
          event.result.line,
        );
    }
  }

  /** Interpreter, environment and scratch server, or why the tests cannot run. */
  private async prepare(project: Project): Promise<
    | {
        alembicCommand: string[];
        container?: ContainerTarget;
        env: Record<string, string | undefined>;
        server: DatabaseUrl;
      }
    | string
  > {
    if (!vscode.workspace.isTrusted) return UNTRUSTED_MESSAGE;
    const context = this.registry.contextOf(project);
    const { folder } = context;
    let launch: AlembicLaunch;
    try {
      launch = await resolveAlembicLaunch(this.interpreters, folder);
    } catch (err) {
      return (err as Error).message;
    }
    const dotenv = context.dotenv().env;
    const settings = context.settings();
    const resolved = this.registry.resolveDatabaseUrl(project);
    // Under Compose: the service's mount, and the server as this machine reaches it (container.ts).
    const target = testTarget({
      alembicCommand: launch.command,
      folder,
      compose: launch.compose,
      explicitUrl: settings.get<string>('test.databaseUrl', ''),
      projectUrl: resolved.url,
    });
    if (typeof target === 'string') return target;
    const server = chooseScratchServer({
      explicitUrl: target.explicitUrl,
      explicitName: 'the setting alembic.test.databaseUrl',
      projectUrl: target.projectUrl,
      projectUnresolved: resolved.unresolved,
      cwd: folder,
    });
    if (!server.ok) return server.message;
    if (!(await this.confirmServer(server.base))) return 'Not run: the scratch database was not confirmed.';
    return {
      alembicCommand: target.alembicCommand,
      container: target.container,
      env: { ...process.env, ...dotenv },
      server: server.base,
    };
  }

  /** A database server is asked about once: the tests create (and drop) a database there. */
  private async confirmServer(base: DatabaseUrl): Promise<boolean> {
    if (base.kind === 'sqlite') return true;
    const key = serverKey(base);
    const confirmed = this.state.get<string[]>(CONFIRMED_SERVERS, []);
    if (confirmed.includes(key)) return true;
    const server = describeDatabase({ ...base, database: undefined });
    const choice = await vscode.window.showWarningMessage(
      `Run the migration tests on ${server}?`,
      {
        modal: true,
        detail:
          'Alembic Lens creates a scratch database alembic_lens_test_… on that server, runs the migrations there and drops it at the end. Your own database is not touched.',
      },
      'Create and Run',
    );
    if (choice !== 'Create and Run') return false;
    await this.state.update(CONFIRMED_SERVERS, [...confirmed, key]);
    return true;
  }
}

function includedItems(controller: vscode.TestController, request: vscode.TestRunRequest): vscode.TestItem[] {
  const all: vscode.TestItem[] = [];
  controller.items.forEach((item) => all.push(item));
  const chosen = request.include?.length ? all.filter((i) => request.include!.some((r) => r.id === i.id)) : all;
  return chosen.filter((i) => !request.exclude?.some((e) => e.id === i.id));
}

/** The checks and stairway revisions the chosen items stand for. */
function plan(items: readonly vscode.TestItem[]): { checks: MigrationCheck[]; revisions: string[] } {
  const revisions = items.filter((i) => i.id.startsWith('stairway:')).map((i) => i.id.slice('stairway:'.length));
  const checks = items
    .filter((i) => i.id.startsWith('check:'))
    .map((i) => i.id.slice('check:'.length) as MigrationCheck);
  return { checks: revisions.length ? ['stairway', ...checks] : checks, revisions };
}

/** A stairway result belongs to its revision's item; a project check's, to the check's item. */
function resultItemId(result: MigrationTestResult): string {
  return result.check === 'stairway' ? itemId('stairway', result.revision) : itemId(result.check);
}
