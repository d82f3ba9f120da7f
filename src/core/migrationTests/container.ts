// Migration tests inside a Compose service (`docker compose exec -T backend alembic`). The helper and its
// sibling modules go to the container's Python on stdin, with the scratch database URL: nothing is
// copied into the project for them, a read-only mount works, and no password is on a command line
// (`docker compose exec -e NAME=value` would show it in `ps`). The scratch database is created and
// dropped from the host, through the port the database's service publishes; the helper gets the URL
// the container reaches, the project's own with only the database name changed. A SQLite scratch file
// lies in the mounted project folder, where the container sees it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ComposeProject, type PathMapping, serviceMountingFolder } from '../compose';
import { composeServiceOf, containerCommand, hostReachableUrl, isContainerCommand } from '../runMode';

/** What runMigrationTests needs to run the helper in a container. */
export interface ContainerTarget {
  /** The project folder's mount in the service. */
  mapping: PathMapping;
  /** The scratch server's URL as the container reaches it, when it differs from the host's (`db:5432`). */
  serverUrl?: string;
}

/** Where the tests run and which URLs they use: the input, adjusted for a container. */
export interface TestTarget {
  alembicCommand: string[];
  container?: ContainerTarget;
  /** The URLs to choose the scratch server from, as the host reaches them. */
  explicitUrl?: string;
  projectUrl?: string;
}

/**
 * The migration tests' command and URLs for `alembicCommand`; unchanged outside a container. In one,
 * the service must mount the project folder (the config and the scratch file are reached through it),
 * and a server named by a Compose service's host must publish its port (the host creates the database).
 */
export function testTarget(input: {
  alembicCommand: readonly string[];
  folder: string;
  compose?: ComposeProject;
  explicitUrl?: string;
  projectUrl?: string;
}): TestTarget | string {
  const { alembicCommand, folder, compose } = input;
  if (!isContainerCommand(alembicCommand))
    return { alembicCommand: [...alembicCommand], explicitUrl: input.explicitUrl, projectUrl: input.projectUrl };
  const shown = JSON.stringify(alembicCommand);
  const service = composeServiceOf(alembicCommand);
  const mapping = compose && serviceMountingFolder(compose, folder);
  if (!compose || !mapping || mapping.service !== service) {
    return (
      `The migration tests run in the Compose service "${service}" (alembic.command is ${shown}) only when ` +
      `a Compose file declares that service with a volume that mounts ${folder}: ` +
      (compose ? `${path.basename(compose.files[0])} has none.` : 'no Compose file was found.')
    );
  }
  const urlText = input.explicitUrl?.trim() || input.projectUrl?.trim();
  const reach = urlText ? hostReachableUrl(urlText, compose) : { kind: 'not-a-service' as const };
  if (reach.kind === 'unpublished') {
    return (
      `The scratch database is created from this machine, but the database is only reachable inside Compose ` +
      `(${reach.note}): publish its port, or name a server this machine reaches with the setting ` +
      'alembic.test.databaseUrl (`--url` in the CLI).'
    );
  }
  const published = reach.kind === 'published';
  const explicit = !!input.explicitUrl?.trim();
  return {
    alembicCommand: containerCommand(alembicCommand, mapping, folder),
    container: { mapping, ...(published ? { serverUrl: urlText } : {}) },
    explicitUrl: explicit && published ? reach.url : input.explicitUrl,
    projectUrl: !explicit && published ? reach.url : input.projectUrl,
  };
}

/** The Python statement the container's Python starts with: it runs the bootstrap read from stdin. */
export const STDIN_BOOTSTRAP = 'import json,sys;exec(json.loads(sys.stdin.readline()))';
/** media/python/alembic_lens_stdin.py, next to the helper. */
const BOOTSTRAP_FILE = 'alembic_lens_stdin.py';

/**
 * What the container's Python reads on stdin: the bootstrap's text, then the helper's modules (it and
 * the `alembic_lens_*` modules next to it that it imports, followed through their imports) and `env`.
 * ASCII only, whatever the container's locale.
 */
export function helperStdin(helperScript: string, env: Readonly<Record<string, string>>): string {
  const dir = path.dirname(helperScript);
  const main = path.basename(helperScript, '.py');
  const modules: Record<string, string> = {};
  const pending = [main];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name in modules) continue;
    const text = fs.readFileSync(path.join(dir, `${name}.py`), 'utf8');
    modules[name] = text;
    for (const m of text.matchAll(/^\s*(?:from\s+(alembic_lens_\w+)\s+import|import\s+(alembic_lens_\w+))/gm))
      pending.push(m[1] ?? m[2]);
  }
  const bootstrap = fs.readFileSync(path.join(dir, BOOTSTRAP_FILE), 'utf8');
  return `${asciiJson(bootstrap)}\n${asciiJson({ env, modules, main })}\n`;
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
