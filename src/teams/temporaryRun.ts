// Runs Alembic in the project's terminal with a temporary config (src/core/teams/temporaryConfig.ts),
// then removes it: right away when the terminal reports the end, else once `done` holds on a later
// change (typed without shell integration, the end is unknown), or when the extension stops. The run
// carries the project's key, so the runner's finish event refreshes the project as for any command.
import type * as vscode from 'vscode';
import type { AlembicCommand, Project } from '../core';
import type { TemporaryConfig } from '../core/teams/temporaryConfig';
import type { ProjectRegistry } from '../projects/projectRegistry';
import type { AlembicRunner, RunResult } from '../runner/alembicTerminal';
import { runnerProject } from '../runner/runnerProject';

export interface TemporaryRunContext {
  registry: ProjectRegistry;
  runner: AlembicRunner;
  /** Owns what outlives the run (the removal when the end is unknown). */
  own<T extends vscode.Disposable>(disposable: T): T;
}

export async function runWithTemporaryConfig(
  context: TemporaryRunContext,
  project: Project,
  temporary: TemporaryConfig,
  command: AlembicCommand,
  later: { event: vscode.Event<unknown>; done: () => boolean },
): Promise<RunResult> {
  let endKnown = true;
  try {
    const withCopy = { ...runnerProject(project, context.registry), configFile: temporary.configFile };
    const result = await context.runner.runCommand(withCopy, command);
    endKnown = result.exitCode !== undefined;
    return result;
  } finally {
    if (endKnown) temporary.cleanup();
    else removeLater(context, temporary, later);
  }
}

function removeLater(
  context: TemporaryRunContext,
  temporary: TemporaryConfig,
  later: { event: vscode.Event<unknown>; done: () => boolean },
): void {
  const removal = context.own({ dispose: temporary.cleanup });
  const subscription = context.own(
    later.event(() => {
      if (!later.done()) return;
      subscription.dispose();
      removal.dispose();
    }),
  );
}
