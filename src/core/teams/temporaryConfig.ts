// Alembic run with revision files this checkout lacks (another branch's, the base's): the files,
// taken from git, go into a private temporary folder, next to a copy of the ini whose version_locations
// adds that folder, with `here` pinned to the project's folder. Alembic gets the copy with `-c`; the
// folder is removed afterwards. The project's own files are untouched, unless Alembic writes a new one.
// When Alembic runs in a Compose service, the temporary folder is made in the project folder (the
// container sees only what is mounted) and the paths the copy names are the container's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type PathMapping, toContainerPath } from '../compose';
import { SEPARATORS } from '../config';
import type { GitRepository } from '../git/gitRepository';
import type { RefHistory } from '../git/refHistory';
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
  /** The temporary ini to pass to Alembic with `-c`. */
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
 * Writes `files` (from git) and an ini copy whose version_locations adds their folder into a new private
 * temporary folder. With `copyVersions`, the project's version folders are copied there too and the
 * ini names the copies instead: what Alembic writes then lands in the temporary folder (a preview).
 */
export async function prepareTemporaryConfig(
  project: Project,
  repo: GitRepository,
  files: readonly HistoryFile[],
  options: TemporaryConfigOptions = {},
): Promise<TemporaryConfig> {
  const ini = project.config.iniPath;
  if (!ini) {
    throw new Error(
      `${project.config.configFile}: running Alembic with another branch's revisions needs an alembic.ini ` +
        '(its temporary copy adds the folder of those revisions to version_locations)',
    );
  }
  const { container } = options;
  const here = path.dirname(path.resolve(ini));
  const seen = container ? containerPathOf(container) : (file: string): string => file;
  if (container) {
    // Refused before anything is written: a folder the container does not see.
    for (const location of [here, ...project.config.versionLocations]) seen(location);
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
    const separatorName = project.config.option('path_separator');
    // A container is Linux, whatever this machine is: its `os` separator is ':'.
    const ownSeparator = container ? ':' : 'os';
    const separator = (separatorName && SEPARATORS[separatorName]) || SEPARATORS[ownSeparator];
    const ours = project.config.versionLocations.map((location, i) => {
      if (!options.copyVersions) return location;
      const copy = path.join(folder, `copy${i}`);
      // A version location that does not exist (a problem reported elsewhere) gets an empty copy.
      if (fs.existsSync(location)) {
        fs.cpSync(location, copy, { recursive: true, filter: (source) => !source.includes('__pycache__') });
      } else fs.mkdirSync(copy);
      return copy;
    });
    const locations = [...ours, versions].map(seen).join(separator === '\n' ? '\n  ' : separator);
    const text = iniWithVersionLocations(fs.readFileSync(ini, 'utf8'), {
      section: project.config.section,
      here: seen(here),
      versionLocations: locations,
      separatorOption: separatorName ? undefined : ownSeparator,
    });
    const configFile = path.join(folder, path.basename(ini));
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

const REPLACED_KEY = /^\s*(version_locations|version_path_separator)\s*[=:]/i;

/**
 * The ini text with `version_locations` (and, when given, `version_path_separator`) of `section`
 * replaced, and `here` pinned in [DEFAULT] to the original folder: the copy lives elsewhere, and
 * `%(here)s` must keep meaning the project's folder. Values are escaped for configparser's `%`.
 */
export function iniWithVersionLocations(
  text: string,
  options: { section: string; here: string; versionLocations: string; separatorOption?: string },
): string {
  const escapePercent = (value: string): string => value.replace(/%/g, '%%');
  const here = `here = ${escapePercent(options.here)}`;
  const added = [`version_locations = ${escapePercent(options.versionLocations)}`];
  if (options.separatorOption) added.push(`version_path_separator = ${options.separatorOption}`);
  const out: string[] = [];
  let section: string | undefined;
  let hasDefault = false;
  let skipIndent: number | undefined;
  for (const line of text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/)) {
    const indent = line.length - line.trimStart().length;
    if (skipIndent !== undefined && line.trim() && indent > skipIndent) continue;
    skipIndent = undefined;
    const header = /^\[(.+)\]/.exec(line.trim());
    if (header && indent === 0) {
      section = header[1];
      out.push(line);
      if (section === 'DEFAULT') {
        hasDefault = true;
        out.push(here);
      }
      if (section === options.section) out.push(...added);
      continue;
    }
    const replaced =
      (section === options.section && REPLACED_KEY.test(line)) ||
      (section === 'DEFAULT' && /^\s*here\s*[=:]/i.test(line));
    if (replaced) {
      skipIndent = indent;
      continue;
    }
    out.push(line);
  }
  return `${hasDefault ? '' : `[DEFAULT]\n${here}\n\n`}${out.join('\n')}`;
}
