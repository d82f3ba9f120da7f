// How Alembic runs for a project: the argv prefix that starts it (setting `alembic.command`, e.g.
// `uv run alembic`, `docker compose exec -T backend alembic`, or `<python> -m alembic` by default), how
// Python runs "in the same environment" for the helper scripts, which command a project's files
// suggest, and what changes when that command runs inside a Compose service (paths, database host).
import * as path from 'node:path';
import {
  type ComposeProject,
  type PathMapping,
  publishedPort,
  serviceMountingFolder,
  toContainerPath,
} from './compose';

/** The argv prefix that runs Alembic with the project's interpreter. */
export function interpreterCommand(python: string): string[] {
  return [python, '-m', 'alembic'];
}

/** A Python script run like Alembic: the argv, and the script's text to write to stdin when it is `-`. */
export interface PythonLaunch {
  argv: string[];
  /** The host file whose content the process reads on stdin (the container cannot see it). */
  stdinFile?: string;
}

/** Wrappers that run a command inside a container: the script is not on the container's disk. */
export function isContainerCommand(command: readonly string[]): boolean {
  const names = command.map((word) => path.basename(word).replace(/\.exe$/i, ''));
  const compose =
    names[0] === 'docker-compose' ||
    names[0] === 'podman-compose' ||
    ((names[0] === 'docker' || names[0] === 'podman') && names[1] === 'compose');
  return compose && (names.includes('exec') || names.includes('run'));
}

/**
 * The argv that runs Python in the environment `alembicCommand` runs Alembic in: `uv run python`,
 * `poetry run python`, `docker compose exec -T backend python`, the `python` next to a venv's
 * `alembic`, or the interpreter of `<python> -m alembic`. Undefined when the command does not end in
 * Alembic (a custom script): then there is no telling which Python it uses.
 */
export function pythonCommandFor(alembicCommand: readonly string[]): string[] | undefined {
  const n = alembicCommand.length;
  if (n >= 3 && alembicCommand[n - 2] === '-m' && alembicCommand[n - 1] === 'alembic')
    return alembicCommand.slice(0, -2);
  const last = alembicCommand[n - 1];
  if (!last || !/^alembic(\.exe)?$/i.test(path.basename(last))) return undefined;
  if (n === 1) {
    // A venv's `bin/alembic`: its `python` is next to it.
    const dir = path.dirname(last);
    return [dir === '.' && !last.includes('/') && !last.includes('\\') ? 'python' : path.join(dir, 'python')];
  }
  return [...alembicCommand.slice(0, -1), 'python'];
}

/** Why a helper script cannot run through a command that does not end in Alembic. */
export function unknownPythonMessage(alembicCommand: readonly string[]): string {
  return `alembic.command (${JSON.stringify(alembicCommand)}) does not end in "alembic", so the Python it uses is unknown: set it to the command that runs alembic itself.`;
}

/**
 * A helper script with its arguments, run like Alembic. In a container the script is read from
 * stdin (`python - args`) unless it lies inside the mounted folder; its path is mapped then.
 */
export function pythonScriptLaunch(
  alembicCommand: readonly string[],
  script: string,
  args: readonly string[],
  mapping?: PathMapping,
): PythonLaunch | undefined {
  const python = pythonCommandFor(alembicCommand);
  if (!python) return undefined;
  if (!isContainerCommand(alembicCommand)) return { argv: [...python, script, ...args] };
  const mapped = mapping ? toContainerPath(mapping, script) : script;
  if (mapping && mapped !== script) return { argv: [...python, mapped, ...args] };
  return { argv: [...python, '-', ...args], stdinFile: script };
}

/**
 * The Alembic command for a project inside a container: `--workdir` set to the project folder's
 * path there (unless the user gave one), so relative paths in alembic.ini resolve as on the host.
 */
export function containerCommand(
  alembicCommand: readonly string[],
  mapping: PathMapping,
  hostFolder: string,
): string[] {
  const exec = alembicCommand.findIndex((word) => word === 'exec' || word === 'run');
  if (exec < 0 || alembicCommand.some((w) => w === '-w' || w === '--workdir' || w.startsWith('--workdir=')))
    return [...alembicCommand];
  return [
    ...alembicCommand.slice(0, exec + 1),
    '--workdir',
    toContainerPath(mapping, hostFolder),
    ...alembicCommand.slice(exec + 1),
  ];
}

/** The Compose service a `docker compose exec|run ... SERVICE alembic` command names. */
export function composeServiceOf(alembicCommand: readonly string[]): string | undefined {
  if (!isContainerCommand(alembicCommand)) return undefined;
  const n = alembicCommand.length;
  return n >= 2 ? alembicCommand[n - 2] : undefined;
}

export interface RunModeSuggestion {
  command: string[];
  /** Why, in words: "uv.lock in backend". */
  reason: string;
  /** What "don't ask again" remembers. */
  key: string;
}

/** What the project's files say about how Alembic is run. */
export interface ProjectFiles {
  /** The project folder (of alembic.ini). */
  folder: string;
  /** The folders to look in, the project folder first, up to the workspace folder. */
  folders: readonly string[];
  exists(file: string): boolean;
  /** Compose projects found in those folders (parsed). */
  compose: readonly ComposeProject[];
}

const LOCK_FILES: readonly { file: string; command: string[] }[] = [
  { file: 'uv.lock', command: ['uv', 'run', 'alembic'] },
  { file: 'poetry.lock', command: ['poetry', 'run', 'alembic'] },
  { file: 'pdm.lock', command: ['pdm', 'run', 'alembic'] },
];

/**
 * The command to suggest: a Compose service that mounts the project folder comes first (the
 * database host is often only reachable there), then a lock file, nearest folder first.
 */
export function suggestRunMode(files: ProjectFiles): RunModeSuggestion | undefined {
  for (const compose of files.compose) {
    const mapping = serviceMountingFolder(compose, files.folder);
    if (!mapping) continue;
    const where = path.basename(compose.files[compose.files.length - 1]);
    return {
      command: ['docker', 'compose', 'exec', '-T', mapping.service, 'alembic'],
      reason: `the Compose service "${mapping.service}" mounts this folder at ${mapping.containerRoot} (${where})`,
      key: `compose:${mapping.service}`,
    };
  }
  for (const folder of files.folders) {
    for (const lock of LOCK_FILES) {
      if (!files.exists(path.join(folder, lock.file))) continue;
      const rel = path.relative(files.folder, folder);
      return { command: lock.command, reason: `${lock.file} in ${rel ? rel : 'the project folder'}`, key: lock.file };
    }
  }
  return undefined;
}

/** A database URL as the host reaches it when its host is a Compose service. */
export type HostReachableUrl =
  | { kind: 'not-a-service' }
  | { kind: 'published'; url: string; service: string; port: number; note: string }
  | { kind: 'unpublished'; service: string; note: string };

const DEFAULT_PORTS: Record<string, number> = { postgresql: 5432, postgres: 5432, mysql: 3306, mariadb: 3306 };

/** `postgresql://u:p@db:5432/app` with `db` a Compose service publishing 5432 on 5433: `...@127.0.0.1:5433/app`. */
export function hostReachableUrl(url: string, compose: ComposeProject): HostReachableUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/((?:[^@/?#]*@)?)([^:/?#[\]]+)(?::(\d+))?(?=[/?#]|$)/i.exec(url);
  if (!m) return { kind: 'not-a-service' };
  const [whole, scheme, credentials, host, port] = m;
  if (!compose.services.some((s) => s.name === host)) return { kind: 'not-a-service' };
  const target = port ? Number(port) : DEFAULT_PORTS[scheme.split('+')[0].toLowerCase()];
  const published = target === undefined ? undefined : publishedPort(compose, host, target);
  if (!published?.published) {
    return {
      kind: 'unpublished',
      service: host,
      note: `the Compose service "${host}" publishes no port for ${target ?? 'the database'}`,
    };
  }
  const hostIp =
    published.hostIp && published.hostIp !== '0.0.0.0' && published.hostIp !== '::' ? published.hostIp : '127.0.0.1';
  const rewritten = `${scheme}://${credentials}${hostIp.includes(':') ? `[${hostIp}]` : hostIp}:${published.published}${url.slice(whole.length)}`;
  return {
    kind: 'published',
    url: rewritten,
    service: host,
    port: published.published,
    note: `read from the host through port ${published.published}, published by the Compose service "${host}"`,
  };
}
