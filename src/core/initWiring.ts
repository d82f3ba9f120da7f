// After `alembic init`: find the app's declarative Base, its model modules and its database URL by
// reading the project's Python files, then wire env.py and alembic.ini so that the first autogenerate
// sees the models. Pure text in, text out.

import * as path from 'node:path';

export interface PythonModuleText {
  /** Dotted module name, e.g. `app.models`. */
  module: string;
  text: string;
}

export interface AppModels {
  /** Where the metadata comes from: `from <module> import <name>`, then `<name>.metadata`. */
  base?: { module: string; name: string; kind: 'declarative' | 'sqlmodel' };
  /** Modules that define mapped classes and must be imported so that they register on the metadata. */
  modelModules: string[];
  /** The environment variable the app reads its URL from, and its literal default when there is one. */
  urlVariable?: string;
  urlDefault?: string;
}

const DECLARATIVE_BASE = /^(\w+)\s*(?::[^=\n]+)?=\s*(?:\w+\.)*declarative_base\s*\(/m;
const DECLARATIVE_CLASS = /^class\s+(\w+)\s*\(\s*(?:\w+\.)*DeclarativeBase(?:NoMeta)?\b/m;
const SQLMODEL_TABLE = /^class\s+\w+\s*\([^)]*\bSQLModel\b[^)]*table\s*=\s*True/m;
const MAPPED_CLASS = /^\s+__tablename__\s*=/m;
const ENV_URL =
  /os\.(?:environ\.get|getenv)\(\s*["'](\w*(?:DATABASE|DB)\w*URL\w*|\w*(?:DATABASE|DB)_URI\w*)["']\s*(?:,\s*(?:f?["']([^"'\n]+)["']))?/;
const ENV_URL_INDEX = /os\.environ\[\s*["'](\w*(?:DATABASE|DB)\w*(?:URL|URI)\w*)["']\s*\]/;
const LITERAL_URL =
  /^\s*\w*(?:DATABASE|DB)\w*(?:URL|URI)\w*\s*(?::[^=\n]+)?=\s*["']((?:sqlite|postgres(?:ql)?|mysql|mariadb|oracle|mssql)[^"'\n]*)["']/im;

/** pytest's modules (tests/, test_*.py, *_test.py, conftest.py): their tables are fixtures, not the app's. */
function isTestModule(module: string): boolean {
  const parts = module.split('.');
  const last = parts[parts.length - 1];
  return parts.some((p) => p === 'tests' || p === 'test') || /^test_|_test$|^conftest$/.test(last);
}

export function findAppModels(modules: readonly PythonModuleText[]): AppModels {
  const found: AppModels = { modelModules: [] };
  for (const { module, text } of modules) {
    if (isTestModule(module)) continue;
    if (!found.base) {
      const declarative = DECLARATIVE_BASE.exec(text) ?? DECLARATIVE_CLASS.exec(text);
      if (declarative) found.base = { module, name: declarative[1], kind: 'declarative' };
    }
    if (SQLMODEL_TABLE.test(text)) {
      found.base ??= { module: 'sqlmodel', name: 'SQLModel', kind: 'sqlmodel' };
      found.modelModules.push(module);
    } else if (MAPPED_CLASS.test(text)) {
      found.modelModules.push(module);
    }
    if (!found.urlVariable) {
      const env = ENV_URL.exec(text) ?? ENV_URL_INDEX.exec(text);
      if (env) {
        found.urlVariable = env[1];
        if (env[2] && !env[2].includes('{')) found.urlDefault = env[2];
      }
    }
    if (!found.urlDefault) {
      const literal = LITERAL_URL.exec(text);
      if (literal) found.urlDefault = literal[1];
    }
  }
  return found;
}

/** env.py with the models' metadata as target_metadata and, when the app reads one, the URL's variable. */
export function wireEnvPy(envPy: string, models: AppModels): string {
  let text = envPy;
  if (models.base && /^target_metadata\s*=\s*None\s*$/m.test(text)) {
    const imports = [`from ${models.base.module} import ${models.base.name}`];
    for (const module of models.modelModules) {
      if (module !== models.base.module)
        imports.push(`import ${module}  # noqa: F401  (registers its models on the metadata)`);
    }
    const block = `# The models autogenerate compares with the database (wired by Alembic Lens).\n${imports.join('\n')}\n\ntarget_metadata = ${models.base.name}.metadata`;
    text = text.replace(/^target_metadata\s*=\s*None\s*$/m, block);
  }
  if (models.urlVariable && !text.includes(models.urlVariable)) {
    const line = `\n# The same database as the app: $${models.urlVariable} when set, else sqlalchemy.url from the ini.\nimport os  # noqa: E402\n\nif os.environ.get(${JSON.stringify(models.urlVariable)}):\n    config.set_main_option("sqlalchemy.url", os.environ[${JSON.stringify(models.urlVariable)}].replace("%", "%%"))\n`;
    // After `config = context.config`, which every template has.
    text = text.replace(/^(config\s*=\s*context\.config\s*)$/m, `$1${line}`);
  }
  return text;
}

const PLACEHOLDER_URL_LINE = /^(sqlalchemy\.url\s*=\s*)driver:\/\/user:pass@localhost\/dbname\s*$/m;

/** alembic.ini with the template's placeholder URL replaced (a % doubled, as configparser needs). */
export function setIniUrl(ini: string, url: string): string {
  return ini.replace(PLACEHOLDER_URL_LINE, (_, key: string) => `${key}${url.replace(/%/g, '%%')}`);
}

/**
 * Where an alembic.ini for a scripts folder goes: the first folder above it that is not a Python package,
 * where Alembic runs and Python imports the application's top package from (warehouse/migrations gets
 * the checkout's root); never above `workspaceFolder`.
 */
export function configFolderFor(scriptsFolder: string, workspaceFolder: string, isFile: (file: string) => boolean) {
  let folder = path.dirname(scriptsFolder);
  while (folder !== workspaceFolder && isFile(path.join(folder, '__init__.py')) && path.dirname(folder) !== folder)
    folder = path.dirname(folder);
  return folder;
}

/**
 * The smallest alembic.ini that names a scripts folder, with the folder it runs in on sys.path; undefined
 * for a path an ini value cannot hold (a line break, or spaces at either end, which configparser strips).
 */
export function configForScripts(scriptsFolder: string, configFolder: string): string | undefined {
  const relative = path.relative(configFolder, scriptsFolder).split(path.sep).join('/');
  if (/[\r\n]/.test(relative) || relative !== relative.trim()) return undefined;
  // configparser reads `%` as the start of an interpolation: `%%` is a literal one.
  const value = `%(here)s/${relative.replace(/%/g, '%%')}`;
  return [
    `# Written by Alembic Lens: ${relative} had no config file naming it (the application builds its own in code).`,
    '[alembic]',
    `script_location = ${value}`,
    'prepend_sys_path = .',
    '',
  ].join('\n');
}
