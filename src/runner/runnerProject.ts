// The runner's view of a project: where its terminal runs and which config it passes to Alembic.
import * as path from 'node:path';
import type { Project } from '../core';
import type { ProjectRegistry } from '../projects/projectRegistry';
import type { RunnerProject } from './alembicTerminal';

export function runnerProject(project: Project, registry: ProjectRegistry): RunnerProject {
  const names = registry.getProjects().map((p) => p.name);
  const name = names.filter((n) => n === project.name).length > 1 ? qualifiedName(project) : project.name;
  return {
    name,
    folder: path.dirname(project.config.configFile),
    configFile: project.config.configFile,
    section: project.config.section,
  };
}

/** Two projects in folders of the same name are told apart by their path. */
function qualifiedName(project: Project): string {
  return `${path.basename(path.dirname(path.dirname(project.config.configFile)))}/${project.name}`;
}
