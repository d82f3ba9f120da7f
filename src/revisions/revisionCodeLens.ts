// CodeLens on a revision file's `revision =` line: where the database stands with it (current, applied,
// pending) and what can be done from here (upgrade or downgrade to it, its upgrade SQL, the graph).
// From memory only: the project's graph and the database status service's last read.
import * as vscode from 'vscode';
import { movesTo, type Project, type Revision, revisionState } from '../core';
import type { DatabaseStatusService } from '../database/databaseStatus';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { codeLensEnabled } from '../util/codeLensSettings';
import { Disposable } from '../util/disposable';
import { describeDatabaseStatus } from './revisionsTree';

const REVISION_LINE = /^revision\s*(?::[^=]*)?=(?!=)/;
const GRAPH_COMMAND = 'alembic.graph.show';
const STATE_TEXT: Record<string, string> = {
  current: '$(target) current: the database is here',
  applied: '$(pass-filled) applied',
  pending: '$(circle-large-outline) pending',
  undetermined: '$(question) applied or not: the database is at a revision this checkout lacks',
};

export class RevisionCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly byPath = new WeakMap<object, Map<string, Revision>>();
  private graphCommand = false;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly database: DatabaseStatusService,
  ) {
    super();
    const refresh = (): void => this.changeEmitter.fire();
    this.register(registry.onDidChange(() => void this.lookForGraphCommand().then(refresh)));
    this.register(database.onDidChange(refresh));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('alembic.codeLens') && refresh()),
    );
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(refresh));
    this.register(vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, this));
    void this.lookForGraphCommand().then(refresh);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!codeLensEnabled(document.uri)) return [];
    const project = this.registry.projectOfFile(document.uri.fsPath);
    const revision = project && this.revisionOf(project, document.uri.fsPath);
    if (!project || !revision) return [];
    const range = new vscode.Range(this.revisionLine(document, revision), 0, this.revisionLine(document, revision), 0);
    const target = { project, revision };
    const lenses: vscode.CodeLens[] = [];
    const state = this.database.stateOf(project);
    const dbState = state ? revisionState(state, revision) : undefined;
    if (dbState) {
      lenses.push(
        new vscode.CodeLens(range, {
          title: STATE_TEXT[dbState],
          command: 'alembic.status.actions',
          arguments: [{ project }],
          tooltip: `${this.database.get(project)?.database ?? 'The database'}: ${dbState}. Click for the database actions.`,
        }),
      );
    } else {
      const described = describeDatabaseStatus(this.database.get(project), undefined);
      lenses.push(
        new vscode.CodeLens(range, {
          title: `$(${described.icon}) ${described.text}`,
          command: 'alembic.status.actions',
          arguments: [{ project }],
          tooltip: this.database.get(project)?.message ?? 'Click for the database actions.',
        }),
      );
    }
    if (vscode.workspace.isTrusted) {
      const moves = movesTo(dbState);
      if (moves.upgrade) {
        lenses.push(
          new vscode.CodeLens(range, {
            title: '$(arrow-up) Upgrade to Revision',
            command: 'alembic.upgrade.to',
            arguments: [target],
            tooltip: `alembic upgrade ${revision.id}`,
          }),
        );
      }
      if (moves.downgrade) {
        lenses.push(
          new vscode.CodeLens(range, {
            title: '$(arrow-down) Downgrade to Revision',
            command: 'alembic.downgrade.to',
            arguments: [target],
            tooltip: `alembic downgrade ${revision.id}`,
          }),
        );
      }
      if (dbState !== 'applied' && dbState !== 'current') {
        lenses.push(
          new vscode.CodeLens(range, {
            title: '$(file-code) Show SQL for Upgrade',
            command: 'alembic.sql.upgrade',
            arguments: [target],
            tooltip: `alembic upgrade <current>:${revision.id} --sql`,
          }),
        );
      }
    }
    if (this.graphCommand)
      lenses.push(
        new vscode.CodeLens(range, {
          title: '$(type-hierarchy) Show in Graph',
          command: GRAPH_COMMAND,
          arguments: [target],
        }),
      );
    return lenses;
  }

  /** The `revision =` line of the buffer (it moves while editing), else the line read from disk. */
  private revisionLine(document: vscode.TextDocument, revision: Revision): number {
    const recorded = revision.source.revisionLine - 1;
    if (recorded < document.lineCount && REVISION_LINE.test(document.lineAt(recorded).text)) return recorded;
    for (let i = 0; i < document.lineCount; i++) if (REVISION_LINE.test(document.lineAt(i).text)) return i;
    return Math.max(0, Math.min(recorded, document.lineCount - 1));
  }

  /** Revisions by file, once per graph (a rebuilt graph is a new object; a body edit swaps sources in place). */
  private revisionOf(project: Project, file: string): Revision | undefined {
    let map = this.byPath.get(project.graph);
    if (!map) {
      map = new Map();
      for (const rev of project.graph.revisions.values()) map.set(rev.source.path, rev);
      this.byPath.set(project.graph, map);
    }
    return map.get(file);
  }

  /** Another feature contributes the graph view; the lens appears once its command exists. */
  private async lookForGraphCommand(): Promise<void> {
    if (this.graphCommand) return;
    this.graphCommand = (await vscode.commands.getCommands(true)).includes(GRAPH_COMMAND);
  }
}
