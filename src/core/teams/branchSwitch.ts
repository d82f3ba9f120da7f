// After a branch switch the database can stand on a revision this checkout does not have (see
// git/revisionOrigin.ts): Alembic cannot downgrade from there, since it has no file for that revision.
// The fix: take the other branch's missing revision files from git into a temporary folder, give Alembic
// a temporary copy of the ini whose version_locations adds that folder, and downgrade to the newest
// revision both histories share; then `upgrade head` works on this branch. What that downgrade runs is
// computed with the same planner as every other downgrade (migrationPlan.ts) on the combined history.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SEPARATORS } from '../config';
import type { GitRepository } from '../git/gitRepository';
import type { RevisionOrigin } from '../git/revisionOrigin';
import { downgradePlan } from '../migrationPlan';
import type { Project } from '../project';
import type { RevisionSource } from '../revisionFile';
import { type Revision, RevisionMap } from '../revisionMap';

export interface ForeignDowngrade {
  origin: RevisionOrigin;
  /** The newest revision both histories share, or `base`. */
  target: string;
  /** What `alembic downgrade <target>` runs, newest first. */
  reverted: Revision[];
  /** The origin's revision files whose revisions this checkout lacks: work-tree path and blob id. */
  files: { path: string; blob: string }[];
}

export interface PreparedDowngrade {
  /** The temporary ini to pass to Alembic with `-c`. */
  configFile: string;
  /** The temporary folder holding it and the revision files; removed by cleanup(). */
  folder: string;
  cleanup(): void;
}

/** Plans the downgrade from `versionTable` (the database's rows) to what this checkout shares with `origin`. */
export function planForeignDowngrade(
  project: Project,
  origin: RevisionOrigin,
  versionTable: readonly string[],
): ForeignDowngrade {
  const ours = project.graph.revisions;
  const foreign = [...origin.history.sources.entries()].filter(([, source]) => !ours.has(source.revision));
  const sources: RevisionSource[] = [...[...ours.values()].map((rev) => rev.source), ...foreign.map(([, s]) => s)];
  const combined = new RevisionMap(sources);
  const standing = versionTable.map((id) => combined.get(id)).filter((rev): rev is Revision => rev !== undefined);
  const shared = combined.ancestors(standing).filter((rev) => ours.has(rev.id));
  const below = new Set(combined.ancestors(shared.flatMap((rev) => rev.allParents)));
  const newest = shared.filter((rev) => !below.has(rev));
  if (newest.length > 1) {
    throw new Error(
      `the database's revisions build on several revisions of this checkout (${newest.map((r) => r.id).join(', ')}): ` +
        'downgrade each line by hand',
    );
  }
  const target = newest[0]?.id ?? 'base';
  const reverted = downgradePlan(combined, versionTable, target).revisions;
  const files = foreign.map(([file]) => ({ path: file, blob: origin.history.blobs.get(file)! }));
  return { origin, target, reverted, files };
}

/** Writes the plan's revision files and the ini copy into a new private temporary folder. */
export function prepareForeignDowngrade(
  project: Project,
  repo: GitRepository,
  plan: ForeignDowngrade,
): PreparedDowngrade {
  const ini = project.config.iniPath;
  if (!ini) {
    throw new Error(
      `${project.config.configFile}: the downgrade with another branch's revisions needs an alembic.ini ` +
        '(its temporary copy adds the folder of those revisions to version_locations)',
    );
  }
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-downgrade-'));
  const cleanup = (): void => fs.rmSync(folder, { recursive: true, force: true });
  try {
    const versions = path.join(folder, 'versions');
    fs.mkdirSync(versions);
    const contents = repo.readBlobs(plan.files.map((f) => f.blob));
    const names = new Set<string>();
    for (const [i, file] of plan.files.entries()) {
      const base = path.basename(file.path);
      const name = names.has(base) ? `${i}_${base}` : base;
      names.add(name);
      fs.writeFileSync(path.join(versions, name), contents.get(file.blob) ?? '');
    }
    const separatorName = project.config.option('path_separator');
    const separator = (separatorName && SEPARATORS[separatorName]) || path.delimiter;
    const locations = [...project.config.versionLocations, versions].join(separator === '\n' ? '\n  ' : separator);
    const text = iniWithVersionLocations(fs.readFileSync(ini, 'utf8'), {
      section: project.config.section,
      here: path.dirname(path.resolve(ini)),
      versionLocations: locations,
      separatorOption: separatorName ? undefined : 'os',
    });
    const configFile = path.join(folder, path.basename(ini));
    fs.writeFileSync(configFile, text);
    return { configFile, folder, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
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
