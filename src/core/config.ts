// Resolves an Alembic project's configuration the way `alembic.config.Config` and
// `ScriptDirectory.from_config` do: alembic.ini (a named section, default `alembic`) and, since
// Alembic 1.16, `[tool.alembic]` in pyproject.toml, the ini winning key by key.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { readTextFile } from './fileBytes';
import { getOption, type IniFile, parseIni } from './ini';
import { type Problem, problem } from './problems';

export interface ConfigLocation {
  /** alembic.ini (may be absent when the project lives only in pyproject.toml). */
  iniPath?: string;
  /** pyproject.toml whose `[tool.alembic]` table is read (Alembic >= 1.16). */
  tomlPath?: string;
  /** The ini section (`-n/--name`); the toml table is always `[tool.alembic]`. */
  section?: string;
  /**
   * The directory relative paths resolve against. Alembic resolves them against its working
   * directory; the extension runs Alembic from the config file's folder, which is the default here.
   */
  baseDir?: string;
}

export interface AlembicConfig {
  /** The file that defines the project: the ini when there is one, else pyproject.toml. */
  configFile: string;
  iniPath?: string;
  tomlPath?: string;
  section: string;
  baseDir: string;
  /** Absolute script directory (holds env.py), when it could be resolved. */
  scriptLocation?: string;
  /** Absolute version directories, in Alembic's order. */
  versionLocations: string[];
  /** Alembic >= 1.10 only; older versions ignore the option. */
  recursiveVersionLocations: boolean;
  sourceless: boolean;
  /** Reads another main option (ini first, then toml), interpolated. */
  option(name: string): string | undefined;
  /** Why option(name) gave nothing although the key is there (its interpolation failed). */
  optionError?(name: string): string | undefined;
  /** `[tool.alembic]` as parsed, `%(here)s` not substituted (for a temporary ini built from it). */
  tomlValues?: Readonly<Record<string, unknown>>;
  problems: Problem[];
}

export function loadConfig(location: ConfigLocation): AlembicConfig {
  const section = location.section ?? 'alembic';
  const problems: Problem[] = [];
  const configFile = location.iniPath ?? location.tomlPath ?? 'alembic.ini';
  const baseDir = location.baseDir ?? path.dirname(path.resolve(configFile));

  let ini: IniFile | undefined;
  if (location.iniPath) {
    const text = readText(location.iniPath);
    if (text === undefined) {
      if (!location.tomlPath)
        problems.push(problem('error', 'no-config', `Config file not found: ${location.iniPath}`, location.iniPath, 1));
    } else {
      ini = parseIni(text, location.iniPath, { here: path.dirname(path.resolve(location.iniPath)) });
      problems.push(...ini.problems);
    }
  }
  const toml = location.tomlPath ? readTomlAlembic(location.tomlPath, problems) : undefined;

  const iniLine = (name: string): number => {
    const option = ini?.sections.get(section)?.get(name) ?? ini?.defaults.get(name);
    return option?.line || 1;
  };
  // Each option is interpolated once, when first read (Alembic reads only a few), and its problem reported once.
  const interpolated = new Map<string, string | undefined>();
  const interpolationErrors = new Map<string, string>();
  const fromIni = (name: string): string | undefined => {
    if (!ini) return undefined;
    if (interpolated.has(name)) return interpolated.get(name);
    const result = getOption(ini, section, name);
    if (result && 'error' in result) {
      interpolationErrors.set(name, result.error);
      problems.push(problem('error', 'ini-interpolation', result.error, ini.path, iniLine(name)));
    }
    const value = result && 'value' in result ? result.value : undefined;
    interpolated.set(name, value);
    return value;
  };
  // configparser's has_option: the section must exist; [DEFAULT] keys count for every section.
  const hasIniOption = (name: string): boolean => {
    const options = ini?.sections.get(section);
    return !!options && (options.has(name) || ini!.defaults.has(name));
  };
  const option = (name: string): string | undefined => {
    if (hasIniOption(name)) return fromIni(name);
    const value = toml?.values[name];
    return typeof value === 'string' ? toml!.interpolate(value, name) : undefined;
  };
  const booleanOption = (name: string): boolean => {
    if (hasIniOption(name)) return fromIni(name) === 'true';
    const value = toml?.values[name];
    if (value !== undefined && typeof value !== 'boolean') {
      problems.push(
        problem('error', 'toml-value', `boolean value expected for TOML parameter '${name}'`, toml!.path, 1),
      );
      return false;
    }
    return value === true;
  };

  const config: AlembicConfig = {
    configFile,
    iniPath: location.iniPath,
    tomlPath: location.tomlPath,
    section,
    baseDir,
    versionLocations: [],
    recursiveVersionLocations: false,
    sourceless: false,
    option,
    optionError: (name) => interpolationErrors.get(name),
    tomlValues: toml?.values,
    problems,
  };

  if (ini && !ini.sections.has(section) && !toml) {
    problems.push(
      problem(
        'error',
        'no-section',
        `No '[${section}]' section in ${path.basename(ini.path)}: Alembic says "No config file found, or file has no '[${section}]' section".`,
        ini.path,
        1,
      ),
    );
    return config;
  }
  const scriptLocation = option('script_location');
  const where = hasIniOption('script_location')
    ? { file: ini!.path, line: iniLine('script_location') }
    : { file: toml?.path ?? configFile, line: 1 };
  const unwritten = !hasIniOption('script_location') && toml?.values.script_location === undefined;
  const iniFolder = ini ? path.dirname(path.resolve(ini.path)) : undefined;
  if (!scriptLocation && unwritten && ini && iniFolder && isFlaskMigrateFolder(iniFolder)) {
    // Flask-Migrate's layout: `flask db` sets script_location to the ini's folder itself; plain Alembic stops.
    config.scriptLocation = iniFolder;
    problems.push(
      problem(
        'warning',
        'flask-migrate',
        "No 'script_location' key found in configuration: this is Flask-Migrate's layout (env.py beside alembic.ini), " +
          'read as `flask db` reads it, with this folder as script_location. Plain `alembic` stops at this; run ' +
          'the commands as `flask db ...`, whose env.py needs the Flask application.',
        ini.path,
        1,
      ),
    );
  } else if (!scriptLocation) {
    // A key whose value could not be interpolated has its own problem already.
    if (hasIniOption('script_location')) return config;
    const written = toml?.values.script_location;
    const message =
      written === undefined
        ? "No 'script_location' key found in configuration."
        : `'script_location' in [tool.alembic] is ${Array.isArray(written) ? 'a list' : `a ${typeof written}`}, not a string: Alembic needs the path of the scripts folder.`;
    problems.push(problem('error', 'no-script-location', message, where.file, where.line));
    return config;
  }
  if (scriptLocation) config.scriptLocation = resolveResource(scriptLocation, baseDir, where, problems);
  const scriptDirMissing = !!config.scriptLocation && !isDirectory(config.scriptLocation);
  if (scriptLocation && scriptDirMissing) {
    // Alembic's words (current Alembic names the folder as written, a package resource once resolved).
    const named =
      scriptLocation.includes(':') && !path.isAbsolute(scriptLocation) ? config.scriptLocation : scriptLocation;
    const comment = /[#;]/.test(scriptLocation)
      ? " An ini value has no inline comments: everything after '=' is the value."
      : '';
    problems.push(
      problem(
        'error',
        'missing-script-location',
        `Path doesn't exist: ${named}.  Please use the 'init' command to create a new scripts folder. (script_location is ${config.scriptLocation}.)${comment}`,
        where.file,
        where.line,
      ),
    );
  }
  config.recursiveVersionLocations = booleanOption('recursive_version_locations');
  config.sourceless = booleanOption('sourceless');

  const versionWhere = hasIniOption('version_locations')
    ? { file: ini!.path, line: iniLine('version_locations') }
    : { file: toml?.path ?? configFile, line: 1 };
  const separatorLine = ['path_separator', 'version_path_separator']
    .map((n) => ini?.sections.get(section)?.get(n)?.line)
    .find((l) => l !== undefined);
  const listed = versionLocationList(fromIni, hasIniOption, toml, problems, {
    file: versionWhere.file,
    line: separatorLine ?? versionWhere.line,
  });
  if (listed) {
    config.versionLocations = listed
      .map((entry) => resolveResource(entry, baseDir, versionWhere, problems))
      .filter((dir): dir is string => !!dir);
  } else if (config.scriptLocation) {
    config.versionLocations = [path.join(config.scriptLocation, 'versions')];
  }
  // Under a script folder that is missing, its default versions folder is missing too: one problem is enough.
  if (scriptDirMissing && !listed) return config;
  for (const dir of config.versionLocations) {
    if (!isDirectory(dir)) {
      const what = notAFolder(dir);
      problems.push(
        problem(
          'warning',
          'missing-version-location',
          what
            ? `Version location ${dir} ${what}`
            : listed
              ? `Version location ${dir} does not exist; Alembic skips it.`
              : `Version location ${dir} does not exist; current Alembic skips it (older releases, 1.8 among them, fail on a missing default versions folder).`,
          versionWhere.file,
          versionWhere.line,
        ),
      );
    }
  }
  return config;
}

/** The values of path_separator / version_path_separator and the character each splits on. */
export const SEPARATORS: Record<string, string> = { space: ' ', newline: '\n', os: path.delimiter, ':': ':', ';': ';' };

/** Alembic's `get_version_locations_list`: path_separator, the deprecated version_path_separator, or the legacy split. */
function versionLocationList(
  fromIni: (name: string) => string | undefined,
  hasIniOption: (name: string) => boolean,
  toml: TomlAlembic | undefined,
  problems: Problem[],
  separatorWhere: { file: string; line: number },
): string[] | undefined {
  const text = hasIniOption('version_locations') ? fromIni('version_locations') : undefined;
  if (text) {
    // The separator comes from the ini only (`get_main_option`, Alembic 1.16 to 1.19): pyproject.toml's
    // path_separator splits nothing, its lists need none.
    const separatorName = ['path_separator', 'version_path_separator'].find((name) => hasIniOption(name));
    if (!separatorName) return text.split(/, *| +/);
    const separatorValue = fromIni(separatorName);
    const separator = separatorValue === undefined ? undefined : SEPARATORS[separatorValue];
    if (separator === undefined) {
      problems.push(
        problem(
          'error',
          'bad-separator',
          `'${separatorValue}' is not a valid value for ${separatorName}; expected 'space', 'newline', 'os', ':', ';'`,
          separatorWhere.file,
          separatorWhere.line,
        ),
      );
      return [];
    }
    return text
      .split(separator)
      .filter((x) => x)
      .map((x) => x.trim());
  }
  const fromToml = toml?.values.version_locations;
  if (Array.isArray(fromToml))
    return fromToml
      .filter((v): v is string => typeof v === 'string')
      .map((v) => toml!.interpolate(v, 'version_locations'));
  return undefined;
}

/**
 * Alembic's `coerce_resource_to_filename`: `package:sub/dir` names a folder inside an importable
 * package; anything else is a path. Packages are looked up next to the config without importing.
 */
function resolveResource(
  value: string,
  baseDir: string,
  where: { file: string; line: number },
  problems: Problem[],
): string | undefined {
  if (!path.isAbsolute(value) && value.includes(':') && !/^[A-Za-z]:[\\/]/.test(value)) {
    const [pkg, ...parts] = value.split(':');
    const pkgDir = findPackageDir(pkg, baseDir);
    if (!pkgDir) {
      problems.push(
        problem(
          'error',
          'package-not-found',
          `Cannot find the Python package '${pkg}' of '${value}' next to the config without importing it; use a path, or keep the package in the project folder.`,
          where.file,
          where.line,
        ),
      );
      return undefined;
    }
    return path.join(pkgDir, ...parts);
  }
  return path.resolve(baseDir, value);
}

/**
 * Where `import pkg` would find the package, without Python: next to the config, in a `src/` layout,
 * or in a folder above (the config often lives inside the package it names, e.g. `src/app/alembic.ini`
 * with `script_location = app:migrations`). Above the config, only real packages (`__init__.py`) count.
 */
function findPackageDir(dotted: string, baseDir: string): string | undefined {
  const rel = dotted.split('.');
  const roots: string[] = [baseDir, path.join(baseDir, 'src')];
  for (
    let dir = path.dirname(baseDir), depth = 0;
    depth < 6 && dir !== path.dirname(dir);
    dir = path.dirname(dir), depth++
  )
    roots.push(dir, path.join(dir, 'src'));
  for (const [i, root] of roots.entries()) {
    const dir = path.join(root, ...rel);
    const isPackage = i < 2 || fs.existsSync(path.join(dir, '__init__.py'));
    if (isPackage && isDirectory(dir)) return dir;
  }
  return undefined;
}

interface TomlAlembic {
  path: string;
  values: Record<string, unknown>;
  interpolate(value: string, name: string): string;
}

function readTomlAlembic(tomlPath: string, problems: Problem[]): TomlAlembic | undefined {
  const text = readText(tomlPath);
  if (text === undefined) return undefined;
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const e = err as Error & { line?: number };
    problems.push(
      problem(
        'error',
        'toml-syntax',
        `pyproject.toml is not valid TOML: ${e.message.split('\n')[0]}`,
        tomlPath,
        e.line ?? 1,
      ),
    );
    return undefined;
  }
  const tool = data.tool as Record<string, unknown> | undefined;
  const alembic = tool?.alembic;
  if (alembic === undefined) return undefined;
  if (typeof alembic !== 'object' || alembic === null || Array.isArray(alembic)) {
    problems.push(
      problem('error', 'toml-value', 'Incorrect TOML format: [tool.alembic] must be a table.', tomlPath, 1),
    );
    return undefined;
  }
  const here = path.dirname(path.resolve(tomlPath));
  return {
    path: tomlPath,
    values: alembic as Record<string, unknown>,
    interpolate(value: string, name: string): string {
      // Python's `value % {"here": ...}`: only %(here)s and %% are meaningful.
      return value.replace(/%\(([^)]*)\)s|%%/g, (m, key: string | undefined) => {
        if (m === '%%') return '%';
        if (key === 'here') return here;
        problems.push(
          problem('error', 'toml-value', `Unknown substitution %(${key})s in [tool.alembic] ${name}`, tomlPath, 1),
        );
        return m;
      });
    },
  };
}

/** True when pyproject.toml has a `[tool.alembic]` table (cheap text check before a full parse). */
export function tomlHasAlembic(text: string): boolean {
  return /^\s*\[\s*tool\s*\.\s*alembic\s*\]/m.test(text) || /^\s*\[\s*tool\s*\.\s*alembic\s*\./m.test(text);
}

function readText(file: string): string | undefined {
  try {
    return readTextFile(file);
  } catch {
    return undefined;
  }
}

/** A folder that holds env.py and versions/ (Flask-Migrate keeps alembic.ini in it, without script_location). */
function isFlaskMigrateFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'env.py')) && isDirectory(path.join(dir, 'versions'));
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The Alembic projects an alembic.ini defines: every section with a `script_location` (the `-n`
 * sections of a multi-project ini), or just `alembic` when none has one, so that its problems show.
 */
export function iniProjectSections(text: string, iniPath: string): string[] {
  const ini = parseIni(text, iniPath);
  const sections = [...ini.sections.entries()]
    .filter(([, options]) => options.has('script_location'))
    .map(([name]) => name);
  if (!sections.length) return ['alembic'];
  // The default section first: it is the one `alembic` uses without -n.
  return sections.sort((a, b) => (a === 'alembic' ? -1 : b === 'alembic' ? 1 : 0));
}

/** alembic.ini and pyproject.toml in one folder make one project, the ini winning key by key (Alembic >= 1.16). */
export function locateConfig(configPath: string, options: { section?: string; baseDir?: string } = {}): ConfigLocation {
  const absolute = path.resolve(configPath);
  const dir = path.dirname(absolute);
  if (path.basename(absolute) === 'pyproject.toml') {
    const ini = path.join(dir, 'alembic.ini');
    return {
      tomlPath: absolute,
      iniPath: fs.existsSync(ini) ? ini : undefined,
      section: options.section,
      baseDir: options.baseDir,
    };
  }
  const toml = path.join(dir, 'pyproject.toml');
  let tomlPath: string | undefined;
  try {
    if (tomlHasAlembic(readTextFile(toml))) tomlPath = toml;
  } catch {
    // no pyproject.toml: the ini alone
  }
  return { iniPath: absolute, tomlPath, section: options.section, baseDir: options.baseDir };
}

/** The configuration of a project that could not be loaded: no revisions, nothing else to read. */
export function unloadedConfig(configFile: string): AlembicConfig {
  return {
    configFile,
    section: 'alembic',
    baseDir: path.dirname(configFile),
    versionLocations: [],
    recursiveVersionLocations: false,
    sourceless: false,
    option: () => undefined,
    problems: [],
  };
}

/** Why a version location that is there is no folder: a file, or a link that loops (undefined when it is just missing). */
function notAFolder(dir: string): string | undefined {
  try {
    fs.statSync(dir);
    return 'is a file, not a folder: current Alembic reads no revision from it (1.8 fails: NotADirectoryError).';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      return 'is a symbolic link that leads back to itself: current Alembic skips it (1.8 fails: too many levels of symbolic links).';
    return undefined;
  }
}
