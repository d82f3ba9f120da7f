// Which file a `revision` or `merge` command created. Under shell integration Alembic says it
// ("Generating <path> ...  done") in the output the runner read; typed without it, the first new
// revision file the file watchers report. Nothing polls the disk.
import * as fs from 'node:fs';
import type { Project } from '../core';
import { generatedFile } from '../core/terminalOutput';
import type { ProjectRegistry } from '../projects/projectRegistry';
import type { RunResult } from '../runner/alembicTerminal';

/** How long to wait for the watchers to report the new file of a command typed without shell integration. */
const NEW_FILE_TIMEOUT_MS = 60000;

export function createdRevisionFile(
  registry: ProjectRegistry,
  project: Project,
  before: ReadonlySet<string>,
  run: RunResult,
): Promise<string | undefined> {
  if (run.output !== undefined) {
    const generated = generatedFile(
      run.output,
      registry.folderOf(project),
      (file) => fs.existsSync(file),
      run.hostPath,
    );
    if (generated) return Promise.resolve(generated);
  }
  // With an exit code, the runner's finish event has already had the registry re-list the folders.
  if (run.exitCode !== undefined) return Promise.resolve(addedFile(registry, project, before));
  return new Promise((resolve) => {
    const finish = (file: string | undefined): void => {
      subscription.dispose();
      clearTimeout(timer);
      resolve(file);
    };
    const subscription = registry.onDidChange(() => {
      const added = addedFile(registry, project, before);
      if (added) finish(added);
    });
    const timer = setTimeout(() => finish(undefined), NEW_FILE_TIMEOUT_MS);
    const already = addedFile(registry, project, before);
    if (already) finish(already);
  });
}

/** The first revision file of the project (as the registry has it now) that was not there before. */
function addedFile(registry: ProjectRegistry, project: Project, before: ReadonlySet<string>): string | undefined {
  const current = registry.projectByKey(registry.keyOf(project));
  return current?.revisionFiles.find((file) => !before.has(file));
}
