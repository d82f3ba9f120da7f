// Activation: builds the services, hands VS Code one disposer, and starts the first project scan
// after activate() returns, so that activation itself stays cheap.
import * as vscode from 'vscode';
import { ActionAvailability } from './commands/actionAvailability';
import { AlembicCommands } from './commands/alembicCommands';
import { CommandRegistry } from './commands/commandRegistry';
import { SqlDocuments } from './commands/sqlDocuments';
import type { Project, Revision } from './core';
import { DatabaseStatusService } from './database/databaseStatus';
import { GraphPanels, type GraphTarget } from './graph/graphPanel';
import { ProblemDiagnostics } from './lint/diagnostics';
import { LintDiagnostics } from './lint/lintDiagnostics';
import { QuickFixes } from './lint/quickFixes';
import { MigrationTestService } from './migrationTests/migrationTestController';
import { DriftService } from './models/driftCheck';
import { ModelCodeLensProvider } from './models/modelCodeLens';
import { ModelFilesTreeProvider } from './models/modelFilesView';
import { chooseModelGlobs } from './models/modelGlobsPicker';
import { ModelsChangedIndicator } from './models/modelStatus';
import { ModelWatcher } from './models/modelWatcher';
import { ProjectRegistry, projectKey } from './projects/projectRegistry';
import { RevisionCodeLensProvider } from './revisions/revisionCodeLens';
import { RevisionNavigation } from './revisions/revisionNavigation';
import { RevisionsTreeProvider } from './revisions/revisionsTree';
import { DatabaseStatusBar } from './revisions/statusBar';
import { AlembicLog } from './runner/alembicLog';
import { AlembicRunner } from './runner/alembicTerminal';
import { InterpreterService } from './runner/interpreter';
import { RunModeSuggestions } from './runner/runModeSuggestion';
import { RunReporter } from './runner/runReporter';
import { BranchSwitchActions } from './teams/branchSwitchActions';
import { MergeRevisionAction } from './teams/mergeRevisionAction';
import { RebaseQuickFix } from './teams/rebaseQuickFix';
import { RestoreRevisionAction } from './teams/restoreRevisionAction';
import { TeamsService } from './teams/teamsService';
import { type AlembicLensApi, createTestApi } from './testApi/testApi';

export function activate(context: vscode.ExtensionContext): AlembicLensApi {
  const started = performance.now();
  const log = new AlembicLog();
  const commands = new CommandRegistry(log);
  const registry = new ProjectRegistry();
  const interpreters = new InterpreterService();
  const runner = new AlembicRunner(interpreters, { projectCount: () => registry.getProjects().length });
  const database = new DatabaseStatusService(registry, interpreters, context.extensionUri);
  const tree = new RevisionsTreeProvider(registry, database);
  const diagnostics = new ProblemDiagnostics(registry, context.extensionUri);
  const graph = new GraphPanels(context.extensionUri, registry, database, (what, run) => commands.guard(what, run));
  const models = new ModelWatcher(registry);
  const drift = new DriftService(registry, interpreters, models, context.extensionUri);
  const modelTree = new ModelFilesTreeProvider(registry, models, drift);
  const modelsChanged = new ModelsChangedIndicator(registry, models);
  const teams = new TeamsService(registry, database);
  const lint = new LintDiagnostics(registry, models, teams);
  const branchSwitch = new BranchSwitchActions(registry, teams, database, runner);
  const statusBar = new DatabaseStatusBar(registry, database, branchSwitch);
  const mergeRevision = new MergeRevisionAction(registry, teams, runner, interpreters);
  const restoreRevision = new RestoreRevisionAction(registry, teams);
  const availability = new ActionAvailability(registry, database);
  const sqlDocuments = new SqlDocuments();
  commands.add(new AlembicCommands(registry, runner, interpreters, database, sqlDocuments, models).commandTable());
  commands.add(branchSwitch.commandTable());
  commands.add(mergeRevision.commandTable());
  commands.add(restoreRevision.commandTable());
  commands.add({
    'alembic.refresh': async () => {
      await registry.discover();
      await database.refreshAll();
    },
    'alembic.revision.open': (file: string | { revision?: Revision }, line?: number) =>
      typeof file === 'string'
        ? openAt(file, line)
        : file?.revision && openAt(file.revision.source.path, file.revision.source.revisionLine),
    'alembic.graph.show': (target?: GraphTarget) => graph.show(target),
    'alembic.status.actions': (arg?: { project?: Project }) => statusBar.showActions(arg?.project),
    'alembic.models.refresh': () => models.refresh(),
    'alembic.models.chooseGlobs': (arg?: { project?: Project }) => chooseModelGlobs(registry, arg?.project),
    'alembic.models.checkDrift': (arg?: { project?: Project }) => drift.checkCommand(arg?.project),
  });
  const migrationTests = new MigrationTestService(registry, interpreters, context.extensionUri, context.workspaceState);
  context.subscriptions.push(
    log,
    commands,
    registry,
    interpreters,
    runner,
    database,
    tree,
    diagnostics,
    graph,
    statusBar,
    availability,
    sqlDocuments,
    new RunReporter(runner, log),
    new RunModeSuggestions(registry, context.workspaceState),
    vscode.window.createTreeView('alembic.revisions', { treeDataProvider: tree }),
    models,
    drift,
    modelTree,
    modelsChanged,
    teams,
    branchSwitch,
    mergeRevision,
    restoreRevision,
    lint,
    migrationTests,
    tree.addExtraItems(modelsChanged),
    tree.addExtraItems(teams),
    tree.setTooltipLines(teams),
    diagnostics.addSource(lint),
    diagnostics.addSource(teams),
    vscode.window.createTreeView('alembic.models', { treeDataProvider: modelTree }),
    new ModelCodeLensProvider(registry, models),
    new RevisionCodeLensProvider(registry, database),
    new RevisionNavigation(registry, database),
    new QuickFixes(registry, models),
    new RebaseQuickFix(registry, teams, mergeRevision),
    // The one refresh after a command: the database, and the version folders once it has ended (file
    // events can lag behind, or miss files in a folder just created); the watchers do the rest.
    // A run with a temporary copy of the config carries the project's key: it is refreshed here too.
    runner.onDidFinish((e) => {
      const project = registry.projectByKey(e.project.key ?? projectKey(e.project));
      if (!project) return;
      if (e.exitCode !== undefined) registry.rescan(project);
      database.refreshAfterCommand(project, e.exitCode === undefined);
    }),
  );
  void registry.discover();

  return createTestApi({
    registry,
    tree,
    diagnostics,
    database,
    graph,
    migrationTests,
    models,
    lint,
    modelTree,
    log,
    availability,
    activationMs: performance.now() - started,
  });
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}

async function openAt(file: string, line = 1): Promise<void> {
  const position = new vscode.Position(Math.max(0, line - 1), 0);
  await vscode.window.showTextDocument(vscode.Uri.file(file), {
    selection: new vscode.Range(position, position),
    preview: true,
  });
}
