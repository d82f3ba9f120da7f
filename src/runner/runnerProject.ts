// The runner's view of a project: where its terminal runs and which config it passes to Alembic.
import * as path from 'node:path';
import type { Project } from '../core';
import type { ProjectRegistry } from '../projects/projectRegistry';
import type { RunnerProject } from './alembicTerminal';

export function runnerProject(project: Project, registry: ProjectRegistry): RunnerProject {
  const names = registry.getProjects().map((p) => p.name);
  const { key, folder } = registry.contextOf(project);
  const name = names.filter((n) => n === project.name).length > 1 ? qualifiedName(project, folder) : project.name;
  return { name, folder, configFile: project.config.configFile, section: project.config.section, key };
}

/** Two projects in folders of the same name are told apart by their path. */
function qualifiedName(project: Project, folder: string): string {
  return `${path.basename(path.dirname(folder))}/${project.name}`;
}
