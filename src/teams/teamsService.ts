// The team features in the editor: each project compared with its base branch (src/core/teams), for
// the merge preview's problems (merge-heads), the revisions git knows were deleted, and the lint
// scope (`alembic.lint.scope`). Recomputed, debounced, when the projects, the settings or git's state
// (the built-in git extension's events: commits, branch switches) change; git runs only in a trusted
// workspace, and asynchronously: the views read the last finished result, and a computation that a
// change overtook while it ran (an event, or HEAD moved under it) is dropped, never published. Without
// git, the scope falls back to the revisions the database has not applied; without a database either, to all.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Problem, Project, Revision, RevisionSource } from '../core';
import { type ExplainedDeletion, explainMissingRevisions } from '../core/git/deletedRevisions';
import { GitError, GitRepository, readWhileHeadStays } from '../core/git/gitRepository';
import { RefHistoryReader } from '../core/git/refHistory';
import { type CommitFacts, commitsAddingFiles, describeAddition } from '../core/git/revisionCommits';
import { describeOrigin, originOfUnknownRevision, type RevisionOrigin } from '../core/git/revisionOrigin';
import { withLintOptions } from '../core/lint';
import { type BaseComparison, compareWithBase } from '../core/teams/baseComparison';
import { accidentalForkHeads } from '../core/teams/forkHeads';
import { newRevisions } from '../core/teams/lintScope';
import type { DatabaseStatusService } from '../database/databaseStatus';
import type { ProblemSource } from '../lint/diagnostics';
import { lintSeverities } from '../lint/lintDiagnostics';
import type { ProjectRegistry } from '../projects/projectRegistry';
import type { RevisionsExtraItems, RevisionTooltipLines } from '../revisions/revisionsTree';
import { Disposable } from '../util/disposable';
import { DELAYS, Debouncer, LatestOnly } from '../util/schedule';

/** The few parts of the built-in git extension's API (`vscode.git`, version 1) used here. */
interface GitExtensionApi {
  repositories: GitExtensionRepository[];
  onDidOpenRepository: vscode.Event<GitExtensionRepository>;
}
interface GitExtensionRepository {
  state: { onDidChange: vscode.Event<void> };
}

interface ProjectComparison {
  comparison?: BaseComparison;
  /** Why there is none (no git, not a repository, no such base branch). */
  unavailable?: string;
  /** The deleted-revision problems, with what restores each file. */
  deletions: ExplainedDeletion[];
  /** Where the database's revision comes from when this checkout lacks it. */
  origin?: RevisionOrigin;
  /** Absolute path -> the commit that added the file, read once per HEAD; absent without git. */
  additions?: { head: string; byFile: ReadonlyMap<string, CommitFacts> };
}

export class TeamsService extends Disposable implements ProblemSource, RevisionsExtraItems, RevisionTooltipLines {
  /** The last finished computation's results: what the views show. */
  private results = new Map<Project, ProjectComparison>();
  /** A promise, so that callers asking while git opens the repository share one open. */
  private readonly readers = new Map<Project, { config: Project['config']; reader: Promise<RefHistoryReader> }>();
  /** `git log`s of the commits adding revision files, by repository and version folders (additions()). */
  private readonly additionReads = new Map<string, { head: string; byFile: Promise<Map<string, CommitFacts>> }>();
  private readonly scheduled = this.register(new Debouncer());
  private readonly latest = new LatestOnly();
  /** Set while this service re-lists the version folders: the registry's answer is not a new change. */
  private rescanning = false;
  private rescanPending = false;
  private lastSignature = '';
  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly registry: ProjectRegistry,
    private readonly database: DatabaseStatusService,
  ) {
    super();
    this.register(registry.onDidChange(() => !this.rescanning && this.schedule()));
    // The scope without git depends on what the database has applied; a revision it is at that this
    // checkout lacks is looked for in the other branches.
    this.register(
      database.onDidChange(() => {
        this.fireIfChanged();
        this.schedule();
      }),
    );
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        const affects = ['alembic.git', 'alembic.lint.scope', 'alembic.lint.severities'].some((key) =>
          e.affectsConfiguration(key),
        );
        if (affects) this.schedule(0);
      }),
    );
    // git runs what a repository's config names (filters, fsmonitor): only in a trusted workspace.
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule(0)));
    // A computation still running when the service goes must not publish.
    this.register({ dispose: () => this.latest.invalidate() });
    void this.followGitExtension();
    this.schedule();
  }

  problems(): readonly Problem[] {
    return this.registry.getProjects().flatMap((project) => {
      const result = this.results.get(project);
      return result ? [...(result.comparison?.problems ?? []), ...result.deletions.map((d) => d.problem)] : [];
    });
  }

  /** The Revisions view's rows: the database's revision from another branch, the merge's heads (RevisionsExtraItems). */
  extraItems(project: Project): vscode.TreeItem[] {
    return [this.originItem(project), this.mergeHeadsItem(project)].filter((i): i is vscode.TreeItem => !!i);
  }

  /** The tooltip's git line: "Git: added in abc1234 by Ada on 2024-03-01" or "Git: not committed yet". */
  tooltipLine(project: Project, revision: Revision): string | undefined {
    const additions = this.results.get(project)?.additions;
    return additions && `Git: ${describeAddition(additions.byFile.get(revision.source.path))}`;
  }

  /** The deleted-revision problems of a project, with what restores each file. */
  deletionsOf(project: Project): readonly ExplainedDeletion[] {
    return this.results.get(project)?.deletions ?? [];
  }

  /** Where the database's revision comes from, when this checkout lacks it and git knows. */
  originOf(project: Project): RevisionOrigin | undefined {
    return this.results.get(project)?.origin;
  }

  /** The reader of the project's repository (cached with its parsed files); rejects with a GitError without one. */
  readerOf(project: Project): Promise<RefHistoryReader> {
    const cached = this.readers.get(project);
    if (cached && cached.config === project.config) return cached.reader;
    const { config } = project;
    const reader = GitRepository.open(this.registry.folderOf(project)).then(
      (repo) => new RefHistoryReader(repo, config),
    );
    const entry = { config, reader };
    this.readers.set(project, entry);
    // No repository (yet): asked again next time, as `git init` may come.
    reader.catch(() => {
      if (this.readers.get(project) === entry) this.readers.delete(project);
    });
    return reader;
  }

  private originItem(project: Project): vscode.TreeItem | undefined {
    const origin = this.originOf(project);
    if (!origin) return undefined;
    const text = describeOrigin(origin);
    const item = new vscode.TreeItem(
      text.charAt(0).toUpperCase() + text.slice(1),
      vscode.TreeItemCollapsibleState.None,
    );
    const way = origin.deletedHere
      ? 'Click to restore the file from HEAD, or to downgrade with its revisions first.'
      : `Click to switch back to ${origin.ref}, or to downgrade with its revisions.`;
    item.tooltip = `${text}.\n\nAlembic cannot upgrade or downgrade from a revision it has no file for. ${way}`;
    const icon = origin.deletedHere ? 'history' : 'git-branch';
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor('list.warningForeground'));
    item.contextValue = `teams:origin${origin.isBranch ? ':branch' : ''}`;
    item.id = `origin:${project.config.configFile}:${project.config.section}`;
    item.command = {
      command: 'alembic.teams.originActions',
      title: 'Database Branch Actions',
      arguments: [{ project }],
    };
    return item;
  }

  private mergeHeadsItem(project: Project): vscode.TreeItem | undefined {
    const comparison = this.results.get(project)?.comparison;
    const mergeHeads = comparison?.problems.find((p) => p.code === 'merge-heads');
    if (!comparison || !mergeHeads) return undefined;
    const heads = accidentalForkHeads(comparison.merged).length;
    const item = new vscode.TreeItem(
      `Merging into ${comparison.ref} gives ${heads} heads`,
      vscode.TreeItemCollapsibleState.None,
    );
    item.description = path.basename(mergeHeads.path);
    item.tooltip = `${mergeHeads.message}

Click to open the revision at its down_revision line.`;
    item.iconPath = new vscode.ThemeIcon('git-merge', new vscode.ThemeColor('list.warningForeground'));
    item.contextValue = 'teams:merge-heads';
    item.id = `merge-heads:${project.config.configFile}:${project.config.section}`;
    item.command = {
      command: 'alembic.revision.open',
      title: 'Open Revision',
      arguments: [mergeHeads.path, mergeHeads.line],
    };
    return item;
  }

  /** The project's comparison with its base branch, when git could make one. */
  comparisonOf(project: Project): BaseComparison | undefined {
    return this.results.get(project)?.comparison;
  }

  /** The lint scope of a project: the revisions to lint, or undefined for every one. */
  scopeOf(project: Project): ((source: RevisionSource) => boolean) | undefined {
    if (this.setting<string>(project, 'lint.scope', 'new') === 'all') return undefined;
    const result = this.results.get(project);
    return newRevisions(project.graph, {
      compared: !!result,
      newFiles: result?.comparison?.newFiles,
      database: this.databaseUnread(project) ? 'unread' : this.database.stateOf(project),
    });
  }

  private databaseUnread(project: Project): boolean {
    const status = this.database.get(project);
    return !status || status.kind === 'checking';
  }

  /**
   * Compares again after `delay`. After a branch switch or a commit (`rescan`), the version folders are
   * re-listed first: the file watchers may not have reported the checkout yet, and a comparison of the
   * history before it would be stale.
   */
  private schedule(delay: number = DELAYS.teams, rescan = false): void {
    this.rescanPending ||= rescan;
    // What a computation in progress read may have changed (a branch switch, a commit): it must not publish.
    this.latest.invalidate();
    this.scheduled.schedule('compare', delay, async () => {
      if (this.rescanPending) {
        this.rescanPending = false;
        this.rescanProjects();
      }
      // Compare the files as the registry has them once it has applied every pending change.
      await this.registry.whenIdle();
      await this.refresh();
    });
  }

  private setting<T>(project: Project, key: string, fallback: T): T {
    return this.registry.settingsOf(project).get<T>(key, fallback);
  }

  private rescanProjects(): void {
    this.rescanning = true;
    try {
      for (const project of this.registry.getProjects()) this.registry.rescan(project);
    } finally {
      this.rescanning = false;
    }
  }

  /** Computes every project's result in the background; publishes them together, unless overtaken. */
  private async refresh(): Promise<void> {
    const projects = this.registry.getProjects();
    for (const project of this.readers.keys()) if (!projects.includes(project)) this.readers.delete(project);
    await this.latest.run(
      async (isCurrent) => {
        const results = new Map<Project, ProjectComparison>();
        for (const project of projects) {
          if (!isCurrent()) break;
          // A failure is this project's result, not the end of every project's (whose lint waits for it).
          const result = await this.compare(project).catch(
            (err: unknown): ProjectComparison => ({ unavailable: `git could not be read: ${err}`, deletions: [] }),
          );
          if (result === 'head-moved') return undefined;
          results.set(project, result);
        }
        return results;
      },
      (results) => {
        if (!results) {
          // HEAD moved while git was read, maybe before the git extension or the watchers tell: again, rescanned.
          this.schedule(DELAYS.teams, true);
          return;
        }
        this.results = results;
        this.fireIfChanged();
      },
    );
  }

  /** Tells the views only when a problem, the row or the lint scope changed: each refresh redraws them. */
  private fireIfChanged(): void {
    const signature = JSON.stringify(
      this.registry.getProjects().map((project) => {
        const result = this.results.get(project);
        const scope = this.setting<string>(project, 'lint.scope', 'new');
        const applied = !result?.comparison && scope !== 'all' ? this.database.stateOf(project)?.applied : undefined;
        const deleted = (result?.deletions ?? []).map((d) => d.problem);
        const problems = [...(result?.comparison?.problems ?? []), ...deleted];
        return [
          project.config.configFile,
          project.config.section,
          scope,
          !!result,
          this.databaseUnread(project),
          result?.unavailable,
          result?.comparison?.ref,
          result?.origin && [result.origin.revision, result.origin.ref, result.origin.commit],
          result?.additions?.head,
          result?.additions && project.revisionFiles.filter((f) => !result.additions?.byFile.has(f)),
          problems.map((p) => [p.code, p.path, p.line, p.message]),
          [...(result?.comparison?.newFiles ?? [])].sort(),
          applied && [...applied].map((rev) => rev.id).sort(),
        ];
      }),
    );
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    this.changeEmitter.fire();
  }

  /** The project's result, or 'head-moved' when a commit or a branch switch came while git was read. */
  private async compare(project: Project): Promise<ProjectComparison | 'head-moved'> {
    if (!vscode.workspace.isTrusted) {
      return { unavailable: 'the workspace is not trusted: git is not run', deletions: [] };
    }
    let reader: RefHistoryReader;
    try {
      reader = await this.readerOf(project);
    } catch (err) {
      if (!(err instanceof GitError)) throw err;
      return { unavailable: err.message, deletions: await explainMissingRevisions(project) };
    }
    const read = await readWhileHeadStays(reader.repo, () => this.compareIn(project, reader));
    return read.moved ? 'head-moved' : read.value;
  }

  private async compareIn(project: Project, reader: RefHistoryReader): Promise<ProjectComparison> {
    const deletions = await explainMissingRevisions(project);
    let origin: RevisionOrigin | undefined;
    let additions: ProjectComparison['additions'];
    try {
      origin = await originOfUnknownRevision(project, this.database.stateOf(project)?.unknown ?? [], reader);
      additions = await this.additions(project, reader);
      const ref = this.setting<string>(project, 'git.baseBranch', '') || (await reader.repo.defaultBaseRef());
      if (!ref) return { unavailable: 'no base branch: set alembic.git.baseBranch', deletions, origin, additions };
      const comparison = await compareWithBase(project, ref, reader);
      // merge-heads is a rule: its severity setting and ignore comments apply (a change of them computes again).
      const severities = lintSeverities(this.registry.settingsOf(project));
      comparison.problems = withLintOptions(comparison.problems, { severities });
      return { comparison, deletions, origin, additions };
    } catch (err) {
      if (!(err instanceof GitError)) throw err;
      return { unavailable: err.message, deletions, origin, additions };
    }
  }

  /**
   * Which commit added each revision file: one `git log` per repository, version folders and HEAD, shared by
   * the comparisons that overlap (several refreshes in a row, a project loaded again). On a long history
   * (nova) it takes seconds; a failed one is asked again next time.
   */
  private async additions(project: Project, reader: RefHistoryReader): Promise<ProjectComparison['additions']> {
    const repo = reader.repo;
    const head = (await repo.tryResolveCommit('HEAD')) ?? '';
    const folders = project.config.versionLocations
      .map((location) => repo.relative(location))
      .filter((f): f is string => f !== undefined);
    const key = JSON.stringify([repo.root, folders]);
    let read = this.additionReads.get(key);
    if (read?.head !== head) {
      const byFile = commitsAddingFiles(repo, folders).then(
        (found) => new Map([...found].map(([file, facts]) => [repo.absolute(file), facts] as const)),
      );
      const entry = { head, byFile };
      byFile.catch(() => this.additionReads.get(key) === entry && this.additionReads.delete(key));
      this.additionReads.set(key, (read = entry));
    }
    return { head, byFile: await read.byFile };
  }

  /** Commits and branch switches, as the built-in git extension sees them; nothing when it is absent or disabled. */
  private async followGitExtension(): Promise<void> {
    const extension = vscode.extensions.getExtension<{ getAPI(version: 1): GitExtensionApi }>('vscode.git');
    if (!extension) return;
    try {
      const api = (extension.isActive ? extension.exports : await extension.activate()).getAPI(1);
      const follow = (repository: GitExtensionRepository): void =>
        void this.register(repository.state.onDidChange(() => this.schedule(DELAYS.teams, true)));
      api.repositories.forEach(follow);
      this.register(api.onDidOpenRepository(follow));
    } catch (err) {
      console.error(`[alembic-lens] the git extension's API is not available: ${(err as Error).message}`);
    }
  }
}
