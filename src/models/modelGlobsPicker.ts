// "Choose Model Files..." (the Model Files view's title bar): the user picks, among the project's folders
// with Python files, those that define the models; after a confirmation that shows the value, they are
// written to the workspace settings as `alembic.modelGlobs`. Picking none removes the setting, and the
// discovery follows env.py's imports again.
import * as vscode from 'vscode';
import { pickProject } from '../commands/revisionPicker';
import type { Project } from '../core';
import { modelGlobCandidates } from '../core/models/modelGlobCandidates';
import type { ProjectRegistry } from '../projects/projectRegistry';

export async function chooseModelGlobs(registry: ProjectRegistry, given?: Project): Promise<void> {
  await registry.whenIdle();
  const project = given ?? (await pickProject(registry.getProjects(), 'Choose Model Files'));
  if (!project) return;
  const folder = vscode.Uri.file(registry.folderOf(project));
  const config = registry.settingsOf(project);
  const current = config.get<string[]>('modelGlobs', []);
  const candidates = modelGlobCandidates(project.config);
  if (!candidates.length) {
    void vscode.window.showInformationMessage(
      `No folder of ${project.name} holds Python files outside Alembic's script folder: there is nothing to choose.`,
    );
    return;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((c) => ({
      label: c.glob,
      description: `${c.pythonFiles} Python file${c.pythonFiles === 1 ? '' : 's'}`,
      picked: current.includes(c.glob),
    })),
    {
      canPickMany: true,
      title: `Model files of ${project.name}`,
      placeHolder: 'The folders whose Python files define the models (alembic.modelGlobs)',
    },
  );
  if (!picked) return;
  const globs = picked.map((p) => p.label);
  const value = globs.length ? `alembic.modelGlobs = ${JSON.stringify(globs)}` : 'no alembic.modelGlobs';
  const choice = await vscode.window.showInformationMessage(
    `Write ${value} to the workspace settings?`,
    {
      modal: true,
      detail: globs.length
        ? 'The Model Files view, the model CodeLens and "models changed" will read these files only.'
        : "The model files are found again by following env.py's imports.",
    },
    'Write',
  );
  if (choice !== 'Write') return;
  const target = vscode.workspace.getWorkspaceFolder(folder)
    ? vscode.ConfigurationTarget.WorkspaceFolder
    : vscode.ConfigurationTarget.Workspace;
  await config.update('modelGlobs', globs.length ? globs : undefined, target);
}
