// What starts Alembic for a project folder: the setting `alembic.command` (an argv such as
// `["uv", "run", "alembic"]` or `["docker", "compose", "exec", "-T", "backend", "alembic"]`), else the
// interpreter chain's `<python> -m alembic`. Under Compose it also knows the service's mount point, so
// paths go into the container mapped, come back mapped, and a database named by a service host is
// reached through the port that service publishes.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type AlembicTarget, configArgument, configTooNewFor } from '../core/alembicCommand';
import {
  type ComposeProject,
  containerPathsToHost,
  type PathMapping,
  readComposeProject,
  serviceMountingFolder,
  toContainerPath,
  toHostPath,
} from '../core/compose';
import { findOnPath } from '../core/pythonLookup';
import { composeServiceOf, containerCommand, hostReachableUrl, interpreterCommand } from '../core/runMode';
import { AlembicUnavailableError, type RunnerProject } from './alembicTerminal';
import type { InterpreterService } from './interpreter';

export interface AlembicLaunch {
  /** The argv prefix that runs Alembic. */
  command: string[];
  /** `setting`: alembic.command; `interpreter`: `<python> -m alembic` from the interpreter chain. */
  source: 'setting' | 'interpreter';
  /** The interpreter, when Alembic runs with one found on this machine. */
  python?: string;
  /** Alembic's version there (known only for the interpreter). */
  alembicVersion?: string;
  /** Set when the command runs in a Compose service that mounts the project folder. */
  mapping?: PathMapping;
  compose?: ComposeProject;
}

/** The setting `alembic.command` for a folder: a non-empty argv, or undefined. */
export function commandSetting(folder: string): string[] | undefined {
  const value = vscode.workspace.getConfiguration('alembic', vscode.Uri.file(folder)).get<unknown>('command');
  if (!Array.isArray(value) || !value.length || !value.every((w) => typeof w === 'string' && w.length))
    return undefined;
  return value as string[];
}

/**
 * How Alembic runs for `folder`. Rejects with AlembicUnavailableError (a message saying what to fix)
 * when the interpreter has no Alembic or the command's program is not found.
 */
export async function resolveAlembicLaunch(interpreters: InterpreterService, folder: string): Promise<AlembicLaunch> {
  const setting = commandSetting(folder);
  if (!setting) {
    const { interpreter, check } = await interpreters.resolveAndCheck(folder);
    if (!check.ok) throw new AlembicUnavailableError(check);
    const { alembicVersion } = check;
    return {
      command: interpreterCommand(interpreter.path),
      source: 'interpreter',
      python: interpreter.path,
      alembicVersion,
    };
  }
  if (!vscode.workspace.isTrusted) {
    throw new AlembicUnavailableError({
      ok: false,
      reason: 'error',
      message: 'Alembic Lens runs no commands in an untrusted workspace. Trust the workspace to run Alembic.',
    });
  }
  const program = setting[0];
  const found = path.isAbsolute(program) || program.includes('/') ? program : findOnPath([program]);
  if (!found) {
    throw new AlembicUnavailableError({
      ok: false,
      reason: 'no-python',
      message: `The setting alembic.command runs "${program}", which is not on PATH. Install it, or change alembic.command (now ${JSON.stringify(setting)}).`,
    });
  }
  const service = composeServiceOf(setting);
  if (!service) return { command: setting, source: 'setting' };
  const compose = composeOf(folder);
  const mounted = compose && serviceMountingFolder(compose, folder);
  const mapping = mounted?.service === service ? mounted : undefined;
  if (!mapping) return { command: setting, source: 'setting', compose };
  return { command: containerCommand(setting, mapping, folder), source: 'setting', mapping, compose };
}

/**
 * Where Alembic, run by alembic.command in a Compose service, sees the project folder: `mapping`; or why
 * that cannot be told (a string). `{}` when Alembic does not run in a container.
 */
export function containerMount(folder: string): { mapping?: PathMapping } | string {
  const setting = commandSetting(folder);
  const service = setting && composeServiceOf(setting);
  if (!service) return {};
  const compose = composeOf(folder);
  const mounted = compose && serviceMountingFolder(compose, folder);
  if (mounted?.service === service) return { mapping: mounted };
  return (
    `Alembic runs in the Compose service "${service}" (alembic.command), and no Compose file gives that service ` +
    `a volume that mounts ${folder}: the temporary files this action hands to Alembic would not be seen there.`
  );
}

/** The Compose project of a folder (its files in it or a parent, up to the workspace folder). */
function composeOf(folder: string): ComposeProject | undefined {
  const workspaceFolder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(folder))?.uri.fsPath ?? folder;
  const parsed = readComposeProject(folder, workspaceFolder, process.env);
  return parsed?.ok ? parsed.project : undefined;
}

/**
 * The command's target: the config file as Alembic will see it (mapped into the container). Throws
 * AlembicUnavailableError when the Alembic found cannot read that config.
 */
export function alembicTarget(launch: AlembicLaunch, project: RunnerProject): AlembicTarget {
  const tooNew = launch.alembicVersion && configTooNewFor(project.configFile, launch.alembicVersion);
  if (tooNew)
    throw new AlembicUnavailableError({ ok: false, reason: 'error', message: `${tooNew} (${launch.python})` });
  const configFile = launch.mapping
    ? toContainerPath(launch.mapping, project.configFile)
    : configArgument(project.configFile, project.folder);
  return { python: launch.python ?? '', command: launch.command, configFile, section: project.section };
}

/** A path Alembic printed, on the host. */
export function hostPathOf(launch: AlembicLaunch, printed: string): string {
  return launch.mapping ? toHostPath(launch.mapping, printed) : printed;
}

/** Alembic's messages with container paths shown as the host's. */
export function hostText(launch: AlembicLaunch, text: string): string {
  return launch.mapping ? containerPathsToHost(launch.mapping, text) : text;
}

/**
 * A database URL read from the host when Alembic runs under Compose: through the port its service
 * publishes (`note` says so), or `askAlembic` when it publishes none. Undefined: use the URL as it is.
 */
export function composeDatabaseUrl(
  folder: string,
  url: string,
): { url: string; note: string } | { askAlembic: string } | undefined {
  if (!composeServiceOf(commandSetting(folder) ?? [])) return undefined;
  const compose = composeOf(folder);
  if (!compose) return undefined;
  const reach = hostReachableUrl(url, compose);
  if (reach.kind === 'published') return { url: reach.url, note: reach.note };
  if (reach.kind === 'unpublished') {
    return {
      askAlembic: `The database is only reachable inside Compose (${reach.note}): asked \`alembic current\` through alembic.command.`,
    };
  }
  return undefined;
}
