// Suggests `alembic.command` once per project when its files say how Alembic is run there (uv.lock,
// poetry.lock, pdm.lock, a Compose service that mounts the project folder): one click sets it, never
// silently. "Don't Ask Again" is remembered per project in the workspace state. The decision is
// src/core/runMode.ts (suggestRunMode); this is the notification.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Project } from '../core';
import { COMPOSE_FILE_NAMES, type ComposeProject, readComposeProject } from '../core/compose';
import { type RunModeSuggestion, suggestRunMode } from '../core/runMode';
import { quoteCommandLine } from '../core/shellQuote';
import { type ProjectRegistry, projectFolder } from '../projects/projectRegistry';
import { Disposable } from '../util/disposable';
import { commandSetting } from './alembicLauncher';

const DISMISSED_KEY = 'alembic.runModeSuggestion.dismissed';
const USE_IT = 'Use it';
const DONT_ASK = "Don't Ask Again";
const WATCHED_FILES = ['uv.lock', 'poetry.lock', 'pdm.lock', ...COMPOSE_FILE_NAMES];

export class RunModeSuggestions extends Disposable {
  /** Folders asked about in this session: one question per project, whatever the answer. */
  private readonly asked = new Set<string>();
  /** Folders whose files suggested nothing: looked at again only when a lock or Compose file appears. */
  private readonly nothingToSuggest = new Set<string>();

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly state: vscode.Memento,
  ) {
    super();
    this.register(registry.onDidChange((e) => e.kinds.has('projects') && this.check()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.check()));
    // A lock or Compose file that appears later (`uv lock`, a new compose.yaml) is a reason to ask.
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(`**/{${WATCHED_FILES.join(',')}}`));
    this.register(
      watcher.onDidCreate(() => {
        this.nothingToSuggest.clear();
        this.check();
      }),
    );
  }

  /** Asks about each project not asked yet (trusted workspaces only: the setting runs a program). */
  check(): void {
    if (!vscode.workspace.isTrusted) return;
    for (const project of this.registry.getProjects()) {
      const folder = this.registry.folderOf(project);
      if (this.asked.has(folder) || this.nothingToSuggest.has(folder)) continue;
      if (commandSetting(folder) || this.dismissed().includes(folder)) continue;
      const suggestion = suggestionFor(project);
      if (!suggestion) {
        this.nothingToSuggest.add(folder);
        continue;
      }
      this.asked.add(folder);
      void this.ask(project, folder, suggestion);
    }
  }

  private async ask(project: Project, folder: string, suggestion: RunModeSuggestion): Promise<void> {
    const line = quoteCommandLine(suggestion.command, process.platform === 'win32' ? 'pwsh' : 'sh');
    const choice = await vscode.window.showInformationMessage(
      `Alembic Lens: ${project.name} looks like it runs Alembic with \`${line}\` (${suggestion.reason}). Use it for Alembic commands?`,
      USE_IT,
      DONT_ASK,
    );
    if (choice === USE_IT) {
      const uri = vscode.Uri.file(folder);
      const { WorkspaceFolder, Workspace } = vscode.ConfigurationTarget;
      const target = vscode.workspace.getWorkspaceFolder(uri) ? WorkspaceFolder : Workspace;
      await vscode.workspace.getConfiguration('alembic', uri).update('command', suggestion.command, target);
    } else if (choice === DONT_ASK) {
      await this.state.update(DISMISSED_KEY, [...this.dismissed(), folder]);
    }
  }

  private dismissed(): string[] {
    return this.state.get<string[]>(DISMISSED_KEY, []);
  }
}

/** What the project's files suggest: lock files in its folder and up to the workspace folder, its Compose file. */
export function suggestionFor(project: Project): RunModeSuggestion | undefined {
  const folder = projectFolder(project);
  const workspaceFolder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(folder))?.uri.fsPath ?? folder;
  const folders: string[] = [];
  for (let dir = folder; ; dir = path.dirname(dir)) {
    folders.push(dir);
    const rel = path.relative(workspaceFolder, dir);
    if (!rel || rel.startsWith('..') || dir === path.dirname(dir)) break;
  }
  const compose = readComposeProject(folder, workspaceFolder, process.env);
  const composeProjects: ComposeProject[] = compose?.ok ? [compose.project] : [];
  return suggestRunMode({ folder, folders, exists: (file) => fs.existsSync(file), compose: composeProjects });
}
