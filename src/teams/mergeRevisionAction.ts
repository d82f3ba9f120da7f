// "Create a merge revision" for a merge-heads problem (src/core/teams/mergeRevision.ts): the preview is
// the file the real `alembic merge` writes when run on copies of the version folders, shown as a diff
// against nothing; after confirmation the same command (same id and message) runs in the terminal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CommandHandler } from '../commands/commandRegistry';
import { createdRevisionFile } from '../commands/newRevisionFile';
import type { AlembicCommand, Project } from '../core';
import { type PathMapping, toHostPath } from '../core/compose';
import { planMergeRevision } from '../core/teams/mergeRevision';
import { prepareTemporaryConfig, type TemporaryConfig } from '../core/teams/temporaryConfig';
import { generatedFile } from '../core/terminalOutput';
import type { ProjectRegistry } from '../projects/projectRegistry';
import { containerMount } from '../runner/alembicLauncher';
import { runAlembicCaptured } from '../runner/alembicProcess';
import type { AlembicRunner } from '../runner/alembicTerminal';
import type { InterpreterService } from '../runner/interpreter';
import { runnerProject } from '../runner/runnerProject';
import { Disposable } from '../util/disposable';
import type { TeamsService } from './teamsService';
import { runWithTemporaryConfig, type TemporaryRunContext } from './temporaryRun';

const PREVIEW_SCHEME = 'alembic-lens-preview';

export class MergeRevisionAction extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly previews = new Map<string, string>();
  private readonly context: TemporaryRunContext;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly teams: TeamsService,
    runner: AlembicRunner,
    private readonly interpreters: InterpreterService,
  ) {
    super();
    this.context = { registry, runner, own: (d) => this.register(d) };
    this.register(vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this));
  }

  commandTable(): Record<string, CommandHandler> {
    return { 'alembic.teams.createMergeRevision': (t?: { project?: Project }) => this.create(t?.project) };
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.previews.get(uri.toString()) ?? '';
  }

  /** Whether the quick fix applies: the project's merge-heads problem has a merge revision to offer. */
  offers(project: Project): boolean {
    const comparison = this.teams.comparisonOf(project);
    return !!comparison && comparison.problems.some((p) => p.code === 'merge-heads');
  }

  async create(given?: Project): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Alembic Lens runs git and Alembic only in a trusted workspace.');
      return;
    }
    const project = given ?? this.registry.getProjects().find((p) => this.offers(p));
    const comparison = project && this.teams.comparisonOf(project);
    const plan = project && comparison && planMergeRevision(project, comparison);
    if (!project || !comparison || !plan) {
      void vscode.window.showInformationMessage('No merge into the base branch gives several heads: nothing to merge.');
      return;
    }
    // Under Compose the temporary files go where the container sees them, or the action says why it cannot run.
    const mount = containerMount(this.registry.folderOf(project));
    if (typeof mount === 'string') {
      void vscode.window.showErrorMessage(mount);
      return;
    }
    const container = mount.mapping;
    const repo = (await this.teams.readerOf(project)).repo;
    const command: AlembicCommand = {
      command: 'merge',
      revisions: plan.heads,
      message: plan.message,
      revId: plan.revId,
    };
    const preview = await this.preview(
      project,
      await prepareTemporaryConfig(project, repo, plan.files, { copyVersions: true, container }),
      command,
      container,
    );
    const left = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/nothing/${preview.name}` });
    const right = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${plan.revId}/${preview.name}` });
    this.previews.set(left.toString(), '');
    this.previews.set(right.toString(), preview.text);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${preview.name} (new merge revision)`);
    const choice = await vscode.window.showWarningMessage(
      `Create the merge revision ${preview.name}?`,
      {
        modal: true,
        detail:
          `\`alembic merge\` writes the file shown (only its Create Date will differ) into ` +
          `${path.dirname(project.graph.get(plan.heads[0])?.source.path ?? '')}: it merges ${plan.heads.join(' and ')}. ` +
          `The ${comparison.ref} revisions this checkout lacks are given to Alembic from git in a temporary folder.`,
      },
      'Create',
    );
    this.previews.delete(left.toString());
    this.previews.delete(right.toString());
    if (choice !== 'Create') return;
    const before = new Set(project.revisionFiles);
    const temporary = await prepareTemporaryConfig(project, repo, plan.files, { container });
    const result = await runWithTemporaryConfig(this.context, project, temporary, command, {
      event: this.registry.onDidChange,
      done: () => this.registry.getProjects().some((p) => p.graph.revisions.has(plan.revId)),
    });
    if (result.exitCode) return;
    const file = await createdRevisionFile(this.registry, project, before, result);
    if (file) await vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  /** Runs the merge into the temporary copies; the file Alembic wrote, read, and the copies removed. */
  private async preview(
    project: Project,
    temporary: TemporaryConfig,
    command: AlembicCommand,
    container: PathMapping | undefined,
  ): Promise<{ name: string; text: string }> {
    try {
      const withCopy = { ...runnerProject(project, this.registry), configFile: temporary.configFile };
      const run = await runAlembicCaptured(this.interpreters, withCopy, command);
      const { folder } = withCopy;
      const toHost = (file: string): string => (container ? toHostPath(container, file) : file);
      const file = generatedFile(`${run.stdout}\n${run.stderr}`, folder, (f) => fs.existsSync(f), toHost);
      if (run.exitCode !== 0 || !file) {
        const why = run.stderr.trim().split('\n').slice(-3).join(' ');
        throw new Error(`alembic merge (preview) failed with exit code ${run.exitCode}: ${why}`);
      }
      return { name: path.basename(file), text: await fs.promises.readFile(file, 'utf8') };
    } finally {
      temporary.cleanup();
    }
  }
}
