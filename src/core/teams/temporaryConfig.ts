// Alembic run with revision files this checkout lacks (another branch's, the base's): the files,
// taken from git, go into a private temporary folder, next to a temporary ini: a copy of alembic.ini, or
// for a project configured only in pyproject.toml a new one, whose version_locations adds that folder,
// with `here` pinned to the project's folder and the `[tool.alembic]` keys the ini lacks written in (see
// temporaryIni). Alembic gets it with `-c`; the folder is removed afterwards. The project's own files are
// untouched, unless Alembic writes a new one. When Alembic runs in a Compose service, the temporary folder
// is made in the project folder (the container sees only what is mounted) and the paths it names are the
// container's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type PathMapping, toContainerPath } from '../compose';
import { SEPARATORS } from '../config';
import type { GitRepository } from '../git/gitRepository';
import type { RefHistory } from '../git/refHistory';
import { getOption, parseIni } from '../ini';
import type { Project } from '../project';
import type { RevisionSource } from '../revisionFile';

/** A revision file of a history read from git. */
export interface HistoryFile {
  /** Where it is in the work tree at that ref (absolute). */
  path: string;
  blob: string;
  source: RevisionSource;
}

export interface TemporaryConfig {
  /** The temporary ini to pass to Alembic with `-c` (named alembic.ini without a project ini). */
  configFile: string;
  /** The temporary folder holding it and the revision files; removed by cleanup(). */
  folder: string;
  /** The project's version folders as the ini copy names them (copies with `copyVersions`). */
  versionLocations: string[];
  cleanup(): void;
}

/** The files of `history` whose revisions this checkout lacks. */
export function missingFiles(project: Project, history: Pick<RefHistory, 'sources' | 'blobs'>): HistoryFile[] {
  return [...history.sources.entries()]
    .filter(([, source]) => !project.graph.revisions.has(source.revision))
    .map(([file, source]) => ({ path: file, blob: history.blobs.get(file)!, source }));
}

export interface TemporaryConfigOptions {
  /** Copy the project's version folders into the temporary folder too (a preview of what Alembic writes). */
  copyVersions?: boolean;
  /** Alembic runs in a Compose service that mounts the project folder this way. */
  container?: PathMapping;
}

/**
 * Writes `files` (from git) and a temporary ini whose version_locations adds their folder into a new private
 * temporary folder. With `copyVersions`, the project's version folders are copied there too and the
 * ini names the copies instead: what Alembic writes then lands in the temporary folder (a preview).
 */
export async function prepareTemporaryConfig(
  project: Project,
  repo: GitRepository,
  files: readonly HistoryFile[],
  options: TemporaryConfigOptions = {},
): Promise<TemporaryConfig> {
  const { config } = project;
  const iniText = config.iniPath && fs.existsSync(config.iniPath) ? fs.readFileSync(config.iniPath, 'utf8') : undefined;
  const { container } = options;
  // locateConfig pairs an ini and a pyproject.toml of one folder: `here` of both.
  const here = path.dirname(path.resolve(config.iniPath ?? config.tomlPath ?? config.configFile));
  const seen = container ? containerPathOf(container) : (file: string): string => file;
  if (container) {
    // Refused before anything is written: a folder the container does not see.
    for (const location of [here, ...config.versionLocations]) seen(location);
  }
  // A dot folder in the project: hidden from its file lists and globs, seen by the container.
  const folder = container
    ? fs.mkdtempSync(path.join(here, '.alembic-lens-downgrade-'))
    : fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-downgrade-'));
  const cleanup = (): void => fs.rmSync(folder, { recursive: true, force: true });
  try {
    const versions = path.join(folder, 'versions');
    fs.mkdirSync(versions);
    const contents = await repo.readBlobs(files.map((f) => f.blob));
    const names = new Set<string>();
    for (const [i, file] of files.entries()) {
      const base = path.basename(file.path);
      const name = names.has(base) ? `${i}_${base}` : base;
      names.add(name);
      fs.writeFileSync(path.join(versions, name), contents.get(file.blob) ?? '');
    }
    const ours = config.versionLocations.map((location, i) => {
      if (!options.copyVersions) return location;
      const copy = path.join(folder, `copy${i}`);
      // A version location that does not exist (a problem reported elsewhere) gets an empty copy.
      if (fs.existsSync(location)) {
        fs.cpSync(location, copy, { recursive: true, filter: (source) => !source.includes('__pycache__') });
      } else fs.mkdirSync(copy);
      return copy;
    });
    const text = temporaryIni({
      iniText,
      section: config.section,
      toml: config.tomlValues,
      here: seen(here),
      versionLocations: [...ours, versions].map(seen),
      // A container is Linux, whatever this machine is: its `os` separator is ':'.
      ownSeparator: container ? ':' : 'os',
    });
    const configFile = path.join(folder, config.iniPath ? path.basename(config.iniPath) : 'alembic.ini');
    fs.writeFileSync(configFile, text);
    return { configFile, folder, versionLocations: ours, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** A host path as the container sees it; throws when it is outside the mounted folder. */
function containerPathOf(mapping: PathMapping): (hostPath: string) => string {
  return (hostPath) => {
    const rel = path.relative(mapping.hostRoot, hostPath);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new Error(
        `${hostPath} is outside ${mapping.hostRoot}, the folder the Compose service "${mapping.service}" mounts: ` +
          'Alembic in the container cannot read it, so this action cannot run there',
      );
    }
    return toContainerPath(mapping, hostPath);
  };
}

export interface TemporaryIniInput {
  /** The project's alembic.ini; none for a project configured only in pyproject.toml. */
  iniText?: string;
  /** The ini section (`-n`); the toml table is always `[tool.alembic]`. */
  section: string;
  /** `[tool.alembic]` as parsed, `%(here)s` not substituted. */
  toml?: Readonly<Record<string, unknown>>;
  /** The project's folder as Alembic sees it (the container's path in a container). */
  here: string;
  /** Every version folder Alembic should read, absolute, the temporary one last. */
  versionLocations: readonly string[];
  /** The separator to name when the ini names none: `os`, or `:` for a container. */
  ownSeparator: string;
}

// What the temporary ini must do, from alembic/config.py and script/base.py:
// - Alembic 1.16 to 1.19 (checked in the source of 1.16.0 and 1.19.2): `-c temp.ini` alone still reads
//   `pyproject.toml` of the working folder (the project folder here). Every option is looked up in the
//   ini's section first (`get_alembic_option`, the booleans, a non-empty version_locations or
//   prepend_sys_path), a `[post_write_hooks]` section replaces the toml's hooks: the toml only fills in what
//   the ini does not name. So the temporary ini names the toml's keys itself, and nothing it sets is
//   overridden; lists and tables other than the known ones are left to the toml. path_separator is read
//   from the ini only (`get_main_option`) and splits version_locations and prepend_sys_path. A toml
//   boolean counts from 1.16.4 (`get_alembic_boolean_option`); the ini's `true` in every version.
// - Alembic 1.7 to 1.15 read no toml and only version_path_separator, for version_locations
//   (`newline` since 1.14); prepend_sys_path is split on spaces, commas and colons. Before 1.7 version_locations
//   is split on spaces and commas. For a project with both files, these versions would see the toml's keys
//   here too: the extension reads such a project as Alembic 1.16 does (config.ts).
// - `%(here)s`: the ini's from configparser's defaults, the toml's from Python's `%`, both the folder of
//   their file; locateConfig keeps both in one folder, so toml values keep `%(here)s`, now the ini's.
const SEPARATOR_CANDIDATES = [';', ':', 'space', 'newline'];
/** The toml keys the temporary ini writes itself, or that Alembic reads from the ini only. */
const TOML_HANDLED = new Set(['version_locations', 'path_separator', 'version_path_separator', 'post_write_hooks']);
const REPLACED_KEY = /^\s*(version_locations|version_path_separator)\s*[=:]/i;
/** A key configparser reads back as written (it lower-cases keys). */
const PLAIN_KEY = /^[a-z0-9_][a-z0-9_.-]*$/;

/**
 * The temporary ini: the project's ini text (every section kept) with, in `section`, version_locations
 * replaced, a separator Alembic splits it with, and the `[tool.alembic]` keys the section lacks; `here`
 * pinned in [DEFAULT] to the project's folder, since the file lives elsewhere. Without an ini, a new one
 * with those keys and an empty logging configuration (env.py's `fileConfig` needs its sections).
 */
export function temporaryIni(input: TemporaryIniInput): string {
  const ini = input.iniText === undefined ? undefined : parseIni(input.iniText, 'alembic.ini', { here: input.here });
  const ownSection = ini?.sections.get(input.section);
  // configparser's has_option: the section must exist; [DEFAULT] keys count for it.
  const iniHas = (name: string): boolean => !!ownSection && (ownSection.has(name) || ini!.defaults.has(name));
  const iniValue = (name: string): string | undefined => {
    const result = iniHas(name) ? getOption(ini!, input.section, name) : undefined;
    return result && 'value' in result ? result.value : undefined;
  };
  const toml = input.toml ?? {};
  const expandHere = (value: string): string => value.replace(/%\(here\)s|%%/g, (m) => (m === '%%' ? '%' : input.here));

  const prepend = iniHas('prepend_sys_path') ? undefined : stringList(toml.prepend_sys_path);
  const paths = [...input.versionLocations, ...(prepend ?? []).map(expandHere)];
  const iniSeparator = iniValue('path_separator');
  const separatorName = iniSeparator ?? pickSeparator(input.ownSeparator, paths);
  const separator = SEPARATORS[separatorName];
  if (separator === undefined) {
    throw new Error(`path_separator '${separatorName}' is not one Alembic takes: 'space', 'newline', 'os', ':', ';'`);
  }
  // version_path_separator for Alembic < 1.16, which knows no path_separator.
  const added = [
    `version_locations = ${joinLines(input.versionLocations.map(escapePercent), separator)}`,
    `version_path_separator = ${separatorName}`,
  ];
  // An ini's own prepend_sys_path without path_separator is split the legacy way in every version: kept so.
  if (iniSeparator === undefined && !iniHas('prepend_sys_path')) added.push(`path_separator = ${separatorName}`);
  if (prepend) added.push(`prepend_sys_path = ${joinLines(prepend.map(tomlToIni), separator)}`);
  for (const [key, value] of Object.entries(toml)) {
    if (TOML_HANDLED.has(key) || key === 'prepend_sys_path' || key === 'here' || iniHas(key.toLowerCase())) continue;
    const text = scalarText(value);
    if (text !== undefined && PLAIN_KEY.test(key.toLowerCase())) added.push(`${key} = ${text}`);
  }
  const sections = new Map<string, string[]>([[input.section, added]]);
  const hooks = ini?.sections.has('post_write_hooks') ? undefined : hookLines(toml.post_write_hooks);
  if (hooks) sections.set('post_write_hooks', hooks);
  return rewriteIni(input.iniText ?? EMPTY_LOGGING, input.section, `here = ${escapePercent(input.here)}`, sections);
}

// No handlers, the root logger at Python's default: what a project without an ini logs.
const EMPTY_LOGGING =
  '[loggers]\nkeys = root\n\n[handlers]\nkeys =\n\n[formatters]\nkeys =\n\n[logger_root]\nhandlers =\n';

const escapePercent = (value: string): string => value.replace(/%/g, '%%');

/** A toml string for the ini: `%(here)s` and `%%` mean the same there, any other `%` is escaped. */
const tomlToIni = (value: string): string =>
  multiLine(value.replace(/%\(here\)s|%%|%/g, (m) => (m === '%' ? '%%' : m)));

/** Values joined by `separator`; a newline starts a continuation line. */
const joinLines = (values: readonly string[], separator: string): string =>
  values.join(separator === '\n' ? '\n  ' : separator);

/** configparser's continuation lines: the value's further lines indented. */
const multiLine = (value: string): string => value.replace(/\r\n|\r|\n/g, '\n  ');

/** A toml value as the ini's text, when the ini can say the same: strings, integers, booleans. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return tomlToIni(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return String(value);
  return undefined;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length && value.every((v) => typeof v === 'string') ? value : undefined;
}

/** The first separator whose character is in none of `paths`. */
function pickSeparator(own: string, paths: readonly string[]): string {
  const name = [own, ...SEPARATOR_CANDIDATES].find((n) => !paths.some((p) => p.includes(SEPARATORS[n])));
  if (!name) throw new Error(`No path separator Alembic takes is free in these paths: ${paths.join(', ')}`);
  return name;
}

/**
 * The toml's `[[tool.alembic.post_write_hooks]]` as an ini `[post_write_hooks]` section; undefined (left to
 * the toml) when the ini could not say the same: Alembic matches the ini's lower-cased keys to the names.
 */
function hookLines(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || !value.length) return undefined;
  const names: string[] = [];
  const lines: string[] = [];
  for (const hook of value) {
    if (typeof hook !== 'object' || hook === null) return undefined;
    const entries = Object.entries(hook as Record<string, unknown>);
    const name = (hook as Record<string, unknown>).name;
    if (typeof name !== 'string' || !/^[a-z0-9_-]+$/.test(name)) return undefined;
    if (!entries.every(([key, v]) => typeof v === 'string' && PLAIN_KEY.test(key))) return undefined;
    names.push(name);
    for (const [key, v] of entries) if (key !== 'name') lines.push(`${name}.${key} = ${tomlToIni(v as string)}`);
  }
  return [`hooks = ${names.join(', ')}`, ...lines];
}

/**
 * `text` with `lines` added at the top of each named section (appended when the section is missing), the
 * section's version_locations and version_path_separator dropped, and `here` set in [DEFAULT].
 */
function rewriteIni(text: string, section: string, here: string, lines: ReadonlyMap<string, string[]>): string {
  const out: string[] = [];
  const written = new Set<string>();
  let current: string | undefined;
  let hasDefault = false;
  let skipIndent: number | undefined;
  for (const line of text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/)) {
    const indent = line.length - line.trimStart().length;
    if (skipIndent !== undefined && line.trim() && indent > skipIndent) continue;
    skipIndent = undefined;
    const header = /^\[(.+)\]/.exec(line.trim());
    if (header && indent === 0) {
      current = header[1];
      out.push(line);
      if (current === 'DEFAULT') {
        hasDefault = true;
        out.push(here);
      }
      const added = lines.get(current);
      if (added && !written.has(current)) out.push(...added);
      written.add(current);
      continue;
    }
    const replaced =
      (current === section && REPLACED_KEY.test(line)) || (current === 'DEFAULT' && /^\s*here\s*[=:]/i.test(line));
    if (replaced) {
      skipIndent = indent;
      continue;
    }
    out.push(line);
  }
  const missing = [...lines].filter(([name]) => !written.has(name)).map(([name, added]) => [`[${name}]`, ...added, '']);
  const body = [...missing.flat(), ...out].join('\n');
  return `${hasDefault ? '' : `[DEFAULT]\n${here}\n\n`}${body}`;
}
