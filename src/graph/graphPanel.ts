// The "Revision Graph" panels: one webview per project that draws the whole history (src/core/graphLayout)
// with the database state, follows file and database changes live, and turns the webview's clicks and
// menu choices into the extension's existing commands, so they confirm exactly as the tree does.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pickProject } from '../commands/revisionPicker';
import { type Project, type Revision, type RevisionState, revisionState } from '../core';
import { type GraphLayout, layoutGraph, runContaining } from '../core/graphLayout';
import type { DatabaseStatusService } from '../database/databaseStatus';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { describeDatabaseStatus, shortId } from '../revisions/revisionsTree';
import { Disposable } from '../util/disposable';
import { DELAYS, Debouncer } from '../util/schedule';
import { exportSvg } from './graphSvg';
import type { FromWebview, GraphView, RenderedReport, RevisionAction, ToWebview } from './protocol';

/** What `alembic.graph.show` accepts: nothing, `{ project }`, or `{ project, revision }` to reveal a revision. */
export interface GraphTarget {
  project?: Project;
  revision?: Revision | string;
}

/** For the extension-host tests: what the panels sent and what their webviews reported. */
export interface GraphTestApi {
  /** Names of the projects with an open graph panel. */
  panels(): string[];
  /** The layout last sent to a project's webview (by project name or config file; the only panel when omitted). */
  lastLayout(project?: string): GraphLayout | undefined;
  lastView(project?: string): GraphView | undefined;
  /** What the webview last reported after drawing (its rows in the DOM, its selection). */
  lastRendered(project?: string): RenderedReport | undefined;
  /** Handles a message as if the project's webview had posted it. */
  simulate(project: string | undefined, message: FromWebview): Promise<void>;
}

const ACTIONS: Record<RevisionAction, string> = {
  upgrade: 'alembic.upgrade.to',
  downgrade: 'alembic.downgrade.to',
  stamp: 'alembic.stamp',
  sql: 'alembic.sql.upgrade',
  copyId: 'alembic.revision.copyId',
};

export class GraphPanels extends Disposable {
  private readonly panels = new Map<string, GraphPanel>();
  private readonly scheduled = this.register(new Debouncer());

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly registry: ProjectRegistry,
    private readonly database: DatabaseStatusService,
    /** The extension's one error handler: the webview's messages go through it as commands do. */
    private readonly guard: (what: string, run: () => unknown) => Promise<void>,
  ) {
    super();
    this.register(registry.onDidChange(() => this.scheduleUpdate()));
    this.register(database.onDidChange(() => this.scheduleUpdate()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.scheduleUpdate()));
    this.register({
      dispose: () => {
        for (const panel of [...this.panels.values()]) panel.dispose();
      },
    });
  }

  readonly testApi: GraphTestApi = {
    panels: () => [...this.panels.values()].map((p) => p.projectName),
    lastLayout: (project) => this.panelFor(project)?.view?.layout,
    lastView: (project) => this.panelFor(project)?.view,
    lastRendered: (project) => this.panelFor(project)?.rendered,
    simulate: async (project, message) => {
      const panel = this.panelFor(project);
      if (!panel) throw new Error(`no graph panel for ${project ?? 'any project'}`);
      await panel.handle(message);
    },
  };

  async show(target?: GraphTarget): Promise<void> {
    await this.registry.whenIdle();
    const projects = this.registry.getProjects();
    if (!projects.length) {
      void vscode.window.showInformationMessage(
        'No Alembic project in this workspace: there is no revision graph to show.',
      );
      return;
    }
    const given =
      target && typeof target === 'object' && ('project' in target || 'revision' in target) ? target : undefined;
    const project = given?.project
      ? (this.registry.projectByKey(this.registry.keyOf(given.project)) ?? given.project)
      : await pickProject(projects, 'Show Revision Graph');
    if (!project) return;
    const revision = typeof given?.revision === 'string' ? given.revision : given?.revision?.id;
    const { key, folder } = this.registry.contextOf(project);
    let panel = this.panels.get(key);
    if (!panel) {
      // From an editor (the CodeLens of a revision file), beside it; from the tree or the palette, in front.
      const column = revision && vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
      panel = new GraphPanel(key, project, this.extensionUri, column, {
        find: () => this.registry.projectByKey(key),
        folder,
        database: this.database,
        disposed: () => this.panels.delete(key),
        guard: (run) => this.guard('the revision graph', run),
      });
      this.panels.set(key, panel);
    }
    panel.show(revision);
  }

  private panelFor(project?: string): GraphPanel | undefined {
    const panels = [...this.panels.values()];
    if (project === undefined) return panels[0];
    return panels.find((p) => p.projectName === project || p.key.startsWith(`${path.resolve(project)}:`));
  }

  private scheduleUpdate(): void {
    if (!this.panels.size) return;
    this.scheduled.schedule('update', DELAYS.graph, () => {
      for (const panel of this.panels.values()) panel.update();
    });
  }
}

interface PanelHost {
  /** The project as the registry has it now (it is rebuilt when its configuration changes). */
  find(): Project | undefined;
  /** The project's folder: where an export is proposed. */
  folder: string;
  database: DatabaseStatusService;
  disposed(): void;
  guard(run: () => unknown): Promise<void>;
}

class GraphPanel extends Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly expanded = new Set<string>();
  private readonly collapsed = new Set<string>();
  private expandAll = false;
  private version = 0;
  private ready = false;
  private pendingReveal?: string;
  view?: GraphView;
  rendered?: RenderedReport;

  constructor(
    readonly key: string,
    private project: Project,
    extensionUri: vscode.Uri,
    column: vscode.ViewColumn,
    private readonly host: PanelHost,
  ) {
    super();
    const media = vscode.Uri.joinPath(extensionUri, 'media', 'graph');
    this.panel = vscode.window.createWebviewPanel('alembic.graph', `Revision Graph: ${project.name}`, column, {
      enableScripts: true,
      localResourceRoots: [media],
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'alembic.svg');
    this.panel.webview.html = this.html(media);
    this.register(
      this.panel.webview.onDidReceiveMessage((message: FromWebview) => host.guard(() => this.handle(message))),
    );
    this.register(this.panel.onDidDispose(() => this.dispose()));
  }

  get projectName(): string {
    return this.project.name;
  }

  override dispose(): void {
    this.host.disposed();
    super.dispose();
    this.panel.dispose();
  }

  show(revision?: string): void {
    this.panel.reveal(undefined, false);
    if (revision) this.pendingReveal = revision;
    this.update();
  }

  /** Lays the history out again and sends it; the webview keeps its scroll position and selection. */
  update(): void {
    // Before the webview is ready there is no one to tell: 'ready' asks for the view.
    if (!this.ready) return;
    const project = this.host.find();
    if (project) this.project = project;
    const reveal = this.pendingReveal;
    this.pendingReveal = undefined;
    const state = project ? this.host.database.stateOf(project) : undefined;
    const layoutOf = () =>
      layoutGraph(this.project.graph, {
        problems: this.project.problems,
        expanded: this.expanded,
        collapsed: this.collapsed,
        expandAll: this.expandAll,
        pinned: state?.current.map((r) => r.id),
      });
    let layout = layoutOf();
    if (reveal) {
      // A revision hidden in a collapsed run: open the run first.
      const run = runContaining(layout, reveal);
      if (run && layout.runs.some((r) => r.id === run && !r.expanded)) {
        this.expanded.add(run);
        this.collapsed.delete(run);
        layout = layoutOf();
      }
    }
    let states: Record<string, RevisionState> | undefined;
    if (state) {
      states = {};
      for (const rev of this.project.graph.revisions.values()) states[rev.id] = revisionState(state, rev);
    }
    this.view = {
      version: ++this.version,
      project: this.project.name,
      layout: project ? layout : { nodes: [], edges: [], lanes: 0, mainLanes: 0, rows: 0, runs: [] },
      states,
      database: describeDatabaseStatus(project ? this.host.database.get(project) : undefined, state).text,
      trusted: vscode.workspace.isTrusted,
      notice: project
        ? layout.rows
          ? undefined
          : 'This project has no revision yet.'
        : 'This project is no longer in the workspace.',
    };
    this.panel.title = `Revision Graph: ${this.project.name}`;
    this.post({ type: 'view', view: this.view, reveal });
  }

  private post(message: ToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        // Also after the webview was hidden and shown again: it starts from nothing.
        this.ready = true;
        return this.update();
      case 'rendered': {
        const { type: _type, ...report } = message;
        this.rendered = report;
        return;
      }
      case 'open':
        return this.open(message.id);
      case 'action': {
        const revision = this.revision(message.id);
        if (revision)
          await vscode.commands.executeCommand(ACTIONS[message.action], { project: this.project, revision });
        return;
      }
      case 'merge':
        return this.merge(message.ids);
      case 'expand':
        for (const run of message.runs) {
          this.expanded.add(run);
          this.collapsed.delete(run);
        }
        return this.update();
      case 'collapse':
        for (const run of message.runs) {
          this.expanded.delete(run);
          this.collapsed.add(run);
        }
        return this.update();
      case 'expandAll':
        this.expandAll = message.expand;
        this.expanded.clear();
        this.collapsed.clear();
        return this.update();
      case 'export':
        return this.export();
    }
  }

  private revision(id: string): Revision | undefined {
    const revision = this.project.graph.get(id);
    if (!revision)
      void vscode.window.showWarningMessage(`Revision ${shortId(id)} is no longer in ${this.project.name}.`);
    return revision;
  }

  /** In another column than the graph's, so that the graph stays in view. */
  private async open(id: string): Promise<void> {
    const revision = this.revision(id);
    if (!revision) return;
    const position = new vscode.Position(Math.max(0, revision.source.revisionLine - 1), 0);
    const graphColumn = this.panel.viewColumn ?? vscode.ViewColumn.One;
    await vscode.window.showTextDocument(vscode.Uri.file(revision.source.path), {
      viewColumn: graphColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One,
      preview: true,
      selection: new vscode.Range(position, position),
    });
  }

  /** Merges the selected heads (the merge command asks for the message and runs `alembic merge`). */
  private async merge(ids: string[]): Promise<void> {
    const heads = this.project.graph.heads;
    const notHeads = ids.filter((id) => !heads.includes(id));
    if (notHeads.length) {
      void vscode.window.showInformationMessage(
        `Only heads can be merged: ${notHeads.map(shortId).join(', ')} ${notHeads.length === 1 ? 'is not a head' : 'are not heads'}.`,
      );
      return;
    }
    await vscode.commands.executeCommand('alembic.merge.heads', { project: this.project, revisions: ids });
  }

  private async export(): Promise<void> {
    if (!this.view) return;
    const { folder } = this.host;
    const name = `${this.project.name.replace(/[^\w.-]+/g, '-')}-revisions.svg`;
    const uri = await vscode.window.showSaveDialog({
      title: 'Export the Revision Graph as SVG',
      defaultUri: vscode.Uri.file(path.join(folder, name)),
      filters: { 'SVG image': ['svg'] },
      saveLabel: 'Export',
    });
    if (!uri) return;
    if (await exists(uri)) {
      const choice = await vscode.window.showWarningMessage(
        `${path.basename(uri.fsPath)} already exists. Replace it?`,
        { modal: true, detail: uri.fsPath },
        'Replace',
      );
      if (choice !== 'Replace') return;
    }
    const kind = vscode.window.activeColorTheme.kind;
    const theme =
      kind === vscode.ColorThemeKind.Light || kind === vscode.ColorThemeKind.HighContrastLight ? 'light' : 'dark';
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(exportSvg(this.view, theme)));
    void vscode.window.showInformationMessage(
      `Revision graph of ${this.project.name} saved to ${vscode.workspace.asRelativePath(uri)}.`,
    );
  }

  private html(media: vscode.Uri): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('hex');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'graph.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'graph.css'));
    const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${webview.cspSource}; img-src ${webview.cspSource} data:`;
    // `db-state` entries show while the database state is known, `db-unknown` while it is not (main.ts).
    const legend = (cls: string, shape: string, label: string, entry = '') =>
      `<span class="${entry}"><svg width="18" height="18" aria-hidden="true"><g class="node lane-c0 ${cls}">${shape}</g></svg>${label}</span>`;
    const dot = '<circle class="shape" cx="9" cy="9" r="4"/>';
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Revision Graph</title>
</head>
<body>
<div id="toolbar" role="toolbar" aria-label="Revision graph">
  <input id="search" type="search" placeholder="Search message, id or @label" aria-label="Search revisions: Enter for the next match, Shift+Enter for the previous">
  <span id="match-count" aria-live="polite"></span>
  <button id="jump-current" title="Scroll to the revision the database is at (again: the next one)">Jump to current</button>
  <button id="jump-heads" title="Scroll to a head (again: the next one)">Jump to heads</button>
  <button id="toggle-runs" title="Long lines without branches, merges or labels are shown as one row" hidden>Expand runs</button>
  <button id="merge" class="primary" title="Create a merge revision of the selected heads (Ctrl/Cmd+click selects several)" hidden>Merge heads</button>
  <span class="spring"></span>
  <button id="export" title="Save the whole graph as an SVG file">Export SVG</button>
</div>
<div id="notice" hidden></div>
<div id="scroller" tabindex="0" role="listbox" aria-label="Revisions, newest first" aria-multiselectable="true">
  <div id="spacer"><div id="rows"></div><svg id="lanes" xmlns="http://www.w3.org/2000/svg" aria-hidden="true"></svg></div>
</div>
<div id="statusbar">
  <span id="legend">${legend('state-current', `<circle class="ring" cx="9" cy="9" r="7"/>${dot}`, 'current', 'db-state')}${legend('state-applied', dot, 'applied', 'db-state')}${legend('state-pending', dot, 'pending', 'db-state')}${legend('', dot, 'database state not known', 'db-unknown')}${legend('merge', '<path class="shape" d="M9 3L15 9L9 15L3 9Z"/>', 'merge')}${legend('problem', dot, 'problem')}<span><svg width="24" height="18" aria-hidden="true"><path class="edge depends lane-dep" d="M2 9L22 9"/></svg>depends_on</span></span>
  <span id="status"></span>
</div>
<div id="menu" role="menu" hidden></div>
<div id="tooltip" role="tooltip" hidden></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
