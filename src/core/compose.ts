// Docker Compose files, read for what Alembic Lens needs: which service sees the project folder (a bind
// mount, or a `develop.watch` sync), at which path inside the container, and which ports a service
// publishes on the host. Paths are mapped both ways between the host folder and the service's mount
// point, so a config file, a generated revision file or an error message resolves on either side.
//
// Compose merges `compose.yaml` with `compose.override.yaml` (lists are appended, maps merged), and
// interpolates `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR?error}` and `$$` from the
// environment and the `.env` file next to the Compose file: the same is done here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load as loadYaml, YAMLException } from 'js-yaml';
import { parseDotenv } from './dotenv';
import { readTextFile } from './fileBytes';

/** The file names Compose looks for, in its order, and their override files. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

export interface ComposeMount {
  /** The host folder or file, absolute. */
  source: string;
  /** The path inside the container (POSIX). */
  target: string;
  /** `bind` for a volume, `sync` for a `develop.watch` entry. */
  kind: 'bind' | 'sync';
}

export interface ComposePort {
  /** The container's port. */
  target: number;
  /** The host's port, when published. */
  published?: number;
  /** The host address it is published on (`127.0.0.1`), when restricted. */
  hostIp?: string;
}

export interface ComposeService {
  name: string;
  mounts: ComposeMount[];
  ports: ComposePort[];
  workingDir?: string;
}

export interface ComposeProject {
  /** The Compose files read, base first. */
  files: string[];
  services: ComposeService[];
}

export type ComposeParse = { ok: true; project: ComposeProject } | { ok: false; error: string };

/** The override file Compose merges into each file name, when present. */
const OVERRIDE_NAMES: Record<string, string[]> = {
  'compose.yaml': ['compose.override.yaml', 'compose.override.yml'],
  'compose.yml': ['compose.override.yml', 'compose.override.yaml'],
  'docker-compose.yml': ['docker-compose.override.yml', 'docker-compose.override.yaml'],
  'docker-compose.yaml': ['docker-compose.override.yaml', 'docker-compose.override.yml'],
};

/**
 * The Compose project `docker compose` would use from `folder`: the first Compose file in it or in the
 * nearest parent up to `stopAt`, with its override, and the `.env` next to it. Undefined when none.
 */
export function readComposeProject(
  folder: string,
  stopAt: string,
  env: Readonly<Record<string, string | undefined>>,
): ComposeParse | undefined {
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    const name = COMPOSE_FILE_NAMES.find((n) => fs.existsSync(path.join(dir, n)));
    if (name) {
      const override = OVERRIDE_NAMES[name].find((n) => fs.existsSync(path.join(dir, n)));
      const files = [name, ...(override ? [override] : [])].map((n) => path.join(dir, n));
      const dotenvFile = path.join(dir, '.env');
      const dotenv = fs.existsSync(dotenvFile) ? parseDotenv(readTextFile(dotenvFile)) : {};
      // `${PWD}` is the folder a shell runs `docker compose` from (the project folder), not this process's.
      return parseCompose(
        files.map((file) => ({ file, text: readTextFile(file) })),
        { ...dotenv, ...env, PWD: path.resolve(folder) },
      );
    }
    const rel = path.relative(path.resolve(stopAt), dir);
    if (!rel || rel.startsWith('..') || dir === path.dirname(dir)) return undefined;
  }
}

/** A host folder and the path it has inside a container. */
export interface PathMapping {
  service: string;
  hostRoot: string;
  containerRoot: string;
}

/**
 * Reads Compose files (base first, then overrides). `dotenv` are the variables of the `.env` next to
 * the first file; `env` wins over it, as in Compose.
 */
export function parseCompose(
  files: readonly { file: string; text: string }[],
  env: Readonly<Record<string, string | undefined>> = {},
): ComposeParse {
  const merged: Record<string, unknown> = {};
  for (const { file, text } of files) {
    let doc: unknown;
    try {
      doc = loadYaml(text, { filename: file });
    } catch (err) {
      const mark = err instanceof YAMLException ? err.mark : undefined;
      const where = mark ? `${file}:${mark.line + 1}` : file;
      return {
        ok: false,
        error: `${where}: not valid YAML: ${err instanceof YAMLException ? err.reason : String(err)}`,
      };
    }
    if (doc === undefined || doc === null) continue;
    if (!isMap(doc)) return { ok: false, error: `${file}:1: a Compose file is a mapping (services: ...)` };
    mergeInto(merged, interpolate(doc, env) as Record<string, unknown>);
  }
  const base = path.dirname(files[0]?.file ?? '.');
  const services = isMap(merged.services) ? merged.services : {};
  const project: ComposeProject = {
    files: files.map((f) => f.file),
    services: Object.entries(services).map(([name, raw]) => readService(name, isMap(raw) ? raw : {}, base)),
  };
  return { ok: true, project };
}

/** The service that sees `folder` (the deepest mount containing it), and how its paths map. */
export function serviceMountingFolder(project: ComposeProject, folder: string): PathMapping | undefined {
  let best: PathMapping | undefined;
  for (const service of project.services) {
    for (const mount of service.mounts) {
      const rel = path.relative(mount.source, folder);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      if (best && best.hostRoot.length >= mount.source.length) continue;
      best = { service: service.name, hostRoot: mount.source, containerRoot: mount.target };
    }
  }
  return best;
}

/** A host path as the container sees it (unchanged when it is outside the mapped folder). */
export function toContainerPath(mapping: PathMapping, hostPath: string): string {
  const rel = path.relative(mapping.hostRoot, hostPath);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return hostPath;
  return rel ? path.posix.join(mapping.containerRoot, ...rel.split(path.sep)) : mapping.containerRoot;
}

/** A container path as the host sees it (unchanged when it is outside the mount point). */
export function toHostPath(mapping: PathMapping, containerPath: string): string {
  const rel = path.posix.relative(mapping.containerRoot, path.posix.resolve(mapping.containerRoot, containerPath));
  if (rel.startsWith('..') || path.posix.isAbsolute(rel)) return containerPath;
  return rel ? path.join(mapping.hostRoot, ...rel.split('/')) : mapping.hostRoot;
}

/** Every container path under the mount point in a text (an error message, a log) rewritten for the host. */
export function containerPathsToHost(mapping: PathMapping, text: string): string {
  const root = mapping.containerRoot.replace(/\/+$/, '');
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(
    new RegExp(`(^|[\\s"'(=])(${escaped})((?:/[^\\s"':,)]*)?)(?![^\\s"':,)])`, 'g'),
    (_m, before: string, _r, rest: string) => `${before}${toHostPath(mapping, root + rest)}`,
  );
}

/** The host port a service publishes for a container port (the first one when several). */
export function publishedPort(project: ComposeProject, service: string, targetPort: number): ComposePort | undefined {
  const ports = project.services.find((s) => s.name === service)?.ports ?? [];
  return ports.find((p) => p.target === targetPort && p.published !== undefined);
}

function readService(name: string, raw: Record<string, unknown>, base: string): ComposeService {
  const mounts: ComposeMount[] = [];
  for (const volume of asList(raw.volumes)) {
    const mount = readVolume(volume, base);
    if (mount) mounts.push(mount);
  }
  const develop = isMap(raw.develop) ? raw.develop : {};
  for (const watch of asList(develop.watch)) {
    if (!isMap(watch) || !String(watch.action ?? '').startsWith('sync') || typeof watch.path !== 'string') continue;
    if (typeof watch.target !== 'string') continue;
    mounts.push({ source: path.resolve(base, watch.path), target: watch.target, kind: 'sync' });
  }
  const ports = asList(raw.ports).flatMap(readPort);
  return { name, mounts, ports, ...(typeof raw.working_dir === 'string' ? { workingDir: raw.working_dir } : {}) };
}

/** `./backend:/app[:ro]` or `{ type: bind, source, target }`; named volumes are not host folders. */
function readVolume(volume: unknown, base: string): ComposeMount | undefined {
  if (typeof volume === 'string') {
    const [source, target] = splitVolume(volume);
    if (!target || !isHostPath(source)) return undefined;
    return { source: path.resolve(base, expandHome(source)), target, kind: 'bind' };
  }
  if (
    isMap(volume) &&
    volume.type === 'bind' &&
    typeof volume.source === 'string' &&
    typeof volume.target === 'string'
  ) {
    return { source: path.resolve(base, expandHome(volume.source)), target: volume.target, kind: 'bind' };
  }
  return undefined;
}

/** SOURCE:TARGET[:MODE], where a Windows source may itself hold a drive colon (`C:\src:/app`). */
function splitVolume(spec: string): [string, string | undefined] {
  const drive = /^[A-Za-z]:[\\/]/.test(spec) ? 2 : 0;
  const colon = spec.indexOf(':', drive);
  if (colon < 0) return [spec, undefined];
  const rest = spec.slice(colon + 1);
  const mode = rest.indexOf(':');
  return [spec.slice(0, colon), mode < 0 ? rest : rest.slice(0, mode)];
}

function isHostPath(source: string): boolean {
  return /^(\.{1,2}([\\/]|$)|\/|~|[A-Za-z]:[\\/])/.test(source);
}

function expandHome(source: string): string {
  return source.startsWith('~') ? path.join(process.env.HOME ?? '~', source.slice(1)) : source;
}

/** `"5432"`, `"5432:5432"`, `"127.0.0.1:5433:5432/tcp"`, `"8000-8001:8000-8001"`, or the long form. */
function readPort(port: unknown): ComposePort[] {
  if (typeof port === 'number') return [{ target: port }];
  if (isMap(port)) {
    const target = Number(port.target);
    const published = port.published === undefined ? undefined : Number(port.published);
    if (!Number.isInteger(target)) return [];
    return [
      {
        target,
        ...(Number.isInteger(published) ? { published } : {}),
        ...(typeof port.host_ip === 'string' ? { hostIp: port.host_ip } : {}),
      },
    ];
  }
  if (typeof port !== 'string') return [];
  const spec = port.replace(/\/(tcp|udp|sctp)$/, '');
  const ipv6 = /^\[([^\]]+)\]:(.*)$/.exec(spec);
  const parts = ipv6 ? [ipv6[1], ...ipv6[2].split(':')] : spec.split(':');
  const targetRange = parts[parts.length - 1];
  const publishedRange = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  const hostIp = parts.length >= 3 ? parts[0] : undefined;
  const targets = range(targetRange);
  const publishedPorts = publishedRange ? range(publishedRange) : [];
  return targets.map((target, i) => ({
    target,
    ...(publishedPorts[i] !== undefined ? { published: publishedPorts[i] } : {}),
    ...(hostIp ? { hostIp } : {}),
  }));
}

function range(text: string): number[] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) return [];
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** Compose's variable syntax in every string of the document. */
function interpolate(value: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof value === 'string') return interpolateString(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}

function interpolateString(text: string, env: Readonly<Record<string, string | undefined>>): string {
  const variable = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  type Part = string | undefined;
  return text.replace(variable, (whole, name: Part, op: Part, arg: Part, bare: Part) => {
    if (whole === '$$') return '$';
    const key = name ?? bare ?? '';
    const value = env[key];
    const unsetOrEmpty = value === undefined || (op?.startsWith(':') && value === '');
    if (op === ':-' || op === '-') return unsetOrEmpty ? (arg ?? '') : (value ?? '');
    if (op === ':+' || op === '+') return unsetOrEmpty ? '' : (arg ?? '');
    return value ?? '';
  });
}

/** Compose's merge of an override file: maps merged key by key, lists appended, scalars replaced. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isMap(existing) && isMap(value)) mergeInto(existing, value);
    else if (Array.isArray(existing) && Array.isArray(value)) target[key] = [...existing, ...value];
    else target[key] = value;
  }
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
