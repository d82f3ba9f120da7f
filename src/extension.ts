// Activation: builds the services, hands VS Code one disposer, and starts the first project scan
// after activate() returns, so that activation itself stays cheap.
import * as path from 'path';
import * as vscode from 'vscode';
import { Problem, Project, Revision } from './core';
import { ModelCodeLensProvider } from './codelens/modelCodeLens';
import { RevisionCodeLensProvider } from './codelens/revisionCodeLens';
import { ActionAvailability } from './commands/actionAvailability';
import { AlembicCommands } from './commands/alembicCommands';
import { CommandRegistry } from './commands/commandRegistry';
import { DatabaseStatusService } from './database/databaseStatus';
import { GraphPanels, GraphTarget, GraphTestApi } from './graph/graphPanel';
import { MigrationTestService, MigrationTestsTestApi } from './migrationTests/migrationTestController';
import { DriftService } from './models/driftCheck';
import { ModelFilesTreeProvider } from './models/modelFilesView';
import { ModelsChangedIndicator } from './models/modelStatus';
import { ModelWatcher } from './models/modelWatcher';
import { snapshotTree, TreeSnapshot } from './models/treeSnapshot';
import { RevisionNavigation } from './navigation/revisionNavigation';
import { ProblemDiagnostics } from './problems/diagnostics';
import { LintDiagnostics } from './problems/lintDiagnostics';
import { QuickFixes } from './problems/quickFixes';
import { ProjectRegistry } from './projects/projectRegistry';
import { AlembicLog } from './runner/alembicLog';
import { AlembicRunner } from './runner/alembicTerminal';
import { InterpreterService } from './runner/interpreter';
import { RunModeSuggestions } from './runner/runModeSuggestion';
import { RunReporter } from './runner/runReporter';
import { RebaseQuickFix } from './teams/rebaseQuickFix';
import { TeamsService } from './teams/teamsService';
import { RevisionsTreeProvider } from './views/revisionsTree';
import { DatabaseStatusBar } from './views/statusBar';

/** What the extension returns from activate(): used by the extension-host tests and other extensions. */
export interface AlembicLensApi {
  getRevisionItems(): Promise<Array<{ id: string; label: string; description?: string; contextValue?: string }>>;
  getProblems(): Problem[];
  /** The status line of each project's database ("at 92404fb, up to date") and its tooltip, after a fresh read. */
  getDatabaseStatus(): Promise<Array<{ project: string; kind: string; text: string; source?: string; tooltip?: string }>>;
  whenIdle(): Promise<void>;
  /** The revision graph panels: what they sent to their webviews, and a way to post as a webview (tests). */
  graph: GraphTestApi;
  /** A view's items as plain data, once files, models and lint have settled (tests). */
  getTreeSnapshot(view: 'alembic.revisions' | 'alembic.models'): Promise<TreeSnapshot[]>;
  /** What the commands left for the user to see: the "Alembic" output channel, the context keys (tests). */
  commands: { outputLines(): string[]; contextKeys(): Record<string, unknown> };
  /** The Test Explorer's migration tests: items and runs as plain data (tests). */
  migrationTests: MigrationTestsTestApi;
}

export function activate(context: vscode.ExtensionContext): AlembicLensApi {
  const log = new AlembicLog();
  const commands = new CommandRegistry(log);
  const registry = new ProjectRegistry();
  const interpreters = new InterpreterService();
  const runner = new AlembicRunner(interpreters, { projectCount: () => registry.getProjects().length });
  const database = new DatabaseStatusService(registry, interpreters);
  const tree = new RevisionsTreeProvider(registry, database);
  const diagnostics = new ProblemDiagnostics(registry);
  const graph = new GraphPanels(context.extensionUri, registry, database, (what, run) => commands.guard(what, run));
  const models = new ModelWatcher(registry);
  const drift = new DriftService(registry, interpreters, models, context.extensionUri);
  const modelTree = new ModelFilesTreeProvider(registry, models, drift);
  const modelsChanged = new ModelsChangedIndicator(registry, models);
  const teams = new TeamsService(registry, database);
  const lint = new LintDiagnostics(registry, models, teams);
  const statusBar = new DatabaseStatusBar(registry, database);
  const availability = new ActionAvailability(registry, database);
  commands.add(new AlembicCommands(registry, runner, interpreters, database).commandTable());
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
    new RunReporter(runner, log),
    new RunModeSuggestions(registry, context.workspaceState),
    vscode.window.createTreeView('alembic.revisions', { treeDataProvider: tree }),
    models,
    drift,
    modelTree,
    modelsChanged,
    teams,
    lint,
    migrationTests,
    tree.addExtraItems(modelsChanged),
    tree.addExtraItems(teams),
    diagnostics.addSource(lint),
    diagnostics.addSource(teams),
    vscode.window.createTreeView('alembic.models', { treeDataProvider: modelTree }),
    new ModelCodeLensProvider(registry, models),
    new RevisionCodeLensProvider(registry, database),
    new RevisionNavigation(registry, database),
    new QuickFixes(registry, models),
    new RebaseQuickFix(registry, teams),
    // The one refresh after a command: the database, and the version folders once it has ended (file
    // events can lag behind, or miss files in a folder just created); the watchers do the rest.
    runner.onDidFinish((e) => {
      const project = registry.getProjects().find((p) => path.resolve(p.config.configFile) === path.resolve(e.project.configFile) && p.config.section === e.project.section);
      if (!project) return;
      if (e.exitCode !== undefined) registry.rescan(project);
      database.refreshAfterCommand(project, e.exitCode === undefined);
    }),
  );
  void registry.discover();

  return {
    async getRevisionItems() {
      await registry.whenIdle();
      const items: Awaited<ReturnType<AlembicLensApi['getRevisionItems']>> = [];
      const walk = (nodes: ReturnType<RevisionsTreeProvider['getChildren']>): void => {
        for (const node of nodes) {
          const item = tree.getTreeItem(node);
          if (node.kind === 'revision') {
            items.push({ id: node.revision.id, label: String(item.label), description: item.description as string | undefined, contextValue: item.contextValue });
          } else if (node.kind === 'project') walk(tree.getChildren(node));
        }
      };
      walk(tree.getChildren());
      return items;
    },
    getProblems: () => diagnostics.allProblems(),
    async getDatabaseStatus() {
      await registry.whenIdle();
      await database.refreshAll();
      return registry.getProjects().map((project) => {
        const status = database.get(project);
        const item = tree.getTreeItem({ kind: 'database', project });
        const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip;
        const kind = status?.kind ?? 'checking';
        return { project: project.name, kind, text: String(item.label), source: status?.source, tooltip };
      });
    },
    whenIdle: () => registry.whenIdle(),
    graph: graph.testApi,
    migrationTests: migrationTests.testApi,
    async getTreeSnapshot(view) {
      await registry.whenIdle();
      await models.whenIdle();
      await lint.whenIdle();
      return view === 'alembic.models' ? snapshotTree(modelTree) : snapshotTree(tree);
    },
    commands: { outputLines: () => log.lines(), contextKeys: () => availability.contextKeys() },
  };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}

async function openAt(file: string, line = 1): Promise<void> {
  const position = new vscode.Position(Math.max(0, line - 1), 0);
  await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(position, position), preview: true });
}
