// CodeLens on the mapped classes of a model file: the table, the revision that created it and the one
// that last changed it (click: that revision at the operation's line), or "not in any revision" with
// one click to autogenerate. Cheap by construction: the open document's text is parsed (once per
// version), the table history comes from the model watcher's memory; no disk, no Python, no database.
import * as vscode from 'vscode';
import type { Project, Revision } from '../core';
import { type ModelClass, parseModelModule } from '../core/models/modelClasses';
import { historyKey, type TableHistory } from '../core/models/tableHistory';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { shortId } from '../revisions/revisionsTree';
import { codeLensEnabled } from '../util/codeLensSettings';
import { Disposable } from '../util/disposable';
import type { ModelWatcher } from './modelWatcher';

export class ModelCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly parsed = new WeakMap<vscode.TextDocument, { version: number; classes: ModelClass[] }>();

  constructor(
    readonly registry: ProjectRegistry,
    private readonly models: ModelWatcher,
  ) {
    super();
    this.register(models.onDidChange(() => this.changeEmitter.fire()));
    this.register(registry.onDidChange(() => this.changeEmitter.fire()));
    this.register(
      vscode.workspace.onDidChangeConfiguration(
        (e) => e.affectsConfiguration('alembic.codeLens') && this.changeEmitter.fire(),
      ),
    );
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changeEmitter.fire()));
    this.register(vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, this));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!codeLensEnabled(document.uri)) return [];
    const hit = this.models.modelFileOf(document.uri.fsPath);
    if (!hit) return [];
    const history = this.models.tables(hit.project);
    const lenses: vscode.CodeLens[] = [];
    for (const cls of this.classes(document)) {
      if (!cls.tableName) continue;
      const range = new vscode.Range(cls.line - 1, 0, cls.line - 1, 0);
      lenses.push(...classLenses(hit.project, cls.tableName, cls.schema, history, range));
    }
    return lenses;
  }

  private classes(document: vscode.TextDocument): ModelClass[] {
    const cached = this.parsed.get(document);
    if (cached?.version === document.version) return cached.classes;
    let classes: ModelClass[];
    try {
      classes = parseModelModule(document.getText(), document.uri.fsPath);
    } catch {
      classes = [];
    }
    this.parsed.set(document, { version: document.version, classes });
    return classes;
  }
}

function classLenses(
  project: Project,
  table: string,
  schema: string | undefined,
  history: ReadonlyMap<string, TableHistory> | undefined,
  range: vscode.Range,
): vscode.CodeLens[] {
  const name = historyKey(table, schema);
  const lenses = [
    new vscode.CodeLens(range, { title: `$(table) ${name}`, command: '', tooltip: `Mapped to the table ${name}` }),
  ];
  if (!history) return lenses; // the history is still being read: the lenses refresh when it is
  const entry = history.get(name);
  if (!entry?.created || entry.dropped) {
    const why = entry?.dropped ? `dropped in ${shortId(entry.dropped.revision)}: ` : 'not in any revision: ';
    lenses.push(
      new vscode.CodeLens(range, {
        title: `$(sparkle) ${why}Generate Revision`,
        command: 'alembic.revision.autogenerate',
        arguments: [{ project }],
        tooltip: `No revision ${entry?.dropped ? 'creates it again after it was dropped' : 'creates this table'}: autogenerate a revision from the models.`,
      }),
    );
    if (!entry?.dropped) return lenses;
  }
  if (entry.created) lenses.push(eventLens(project, range, 'created in', entry.created, true));
  if (entry.lastChanged && entry.lastChanged.revision !== entry.created?.revision)
    lenses.push(eventLens(project, range, 'last changed in', entry.lastChanged, false));
  return lenses;
}

function eventLens(
  project: Project,
  range: vscode.Range,
  verb: string,
  event: { revision: string; path: string; line: number; op?: string },
  withMessage: boolean,
): vscode.CodeLens {
  const revision: Revision | undefined = project.graph.get(event.revision);
  const message = revision?.source.message ?? '';
  const title = `${verb} ${shortId(event.revision)}${withMessage && message ? ` ${message}` : ''}`;
  return new vscode.CodeLens(range, {
    title,
    command: 'alembic.revision.open',
    arguments: [event.path, event.line],
    tooltip: `${event.op ? `${event.op} in ` : ''}${event.revision}${message ? ` (${message})` : ''}: open the revision at this operation`,
  });
}
