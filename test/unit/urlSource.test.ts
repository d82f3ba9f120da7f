import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import {
  describeUrlSource,
  findUrlSource,
  type ResolvedUrl,
  resolveDatabaseUrl,
  urlSourceForConfig,
} from '../../src/core/urlSource';
import { tempDir } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');

const made: string[] = [];
after(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes files under a fresh folder (alembic.ini defaults to the generic one) and returns the folder. */
function project(files: Record<string, string>): string {
  const dir = tempDir('alembic-lens-url-');
  made.push(dir);
  const all = {
    'alembic.ini': '[alembic]\nscript_location = alembic\nprepend_sys_path = .\nsqlalchemy.url = sqlite:///ini.db\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function sourceOf(files: Record<string, string>) {
  const dir = project(files);
  const config = loadConfig({ iniPath: path.join(dir, 'alembic.ini') });
  const found = urlSourceForConfig(config);
  return { dir, config, found };
}

// Alembic's generic template (1.8-1.16), as `alembic init` writes it.
const GENERIC = `from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
target_metadata = None

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;

/** The generic template with `extra` inserted after `config = context.config`. */
const generic = (extra: string, imports = ''): string =>
  GENERIC.replace('from alembic import context\n', `from alembic import context\n${imports}`).replace(
    'config = context.config\n',
    `config = context.config\n${extra}\n`,
  );

describe('findUrlSource: templates and the sample', () => {
  it("reads the generic template as the ini's sqlalchemy.url", () => {
    assert.deepStrictEqual(sourceOf({ 'alembic/env.py': GENERIC }).found, { kind: 'ini' });
  });

  it('reads the async template (AsyncEngine around engine_from_config, async with) as the ini', () => {
    const env = GENERIC.replace(
      /connectable = engine_from_config\(([\s\S]*?)\)\n\n {4}with connectable.connect\(\) as connection:/,
      'connectable = AsyncEngine(\n        engine_from_config($1)\n    )\n\n    async with connectable.connect() as connection:',
    ).replace(
      'from sqlalchemy import pool\n',
      'from sqlalchemy import pool\nfrom sqlalchemy.ext.asyncio import AsyncEngine\n',
    );
    assert.ok(env.includes('AsyncEngine(\n        engine_from_config'));
    assert.deepStrictEqual(sourceOf({ 'alembic/env.py': env }).found, { kind: 'ini' });
  });

  it('reads the newer async template (async_engine_from_config) as the ini', () => {
    const env = GENERIC.replace('connectable = engine_from_config(', 'connectable = async_engine_from_config(')
      .replace(
        'from sqlalchemy import pool\n',
        'from sqlalchemy import pool\nfrom sqlalchemy.ext.asyncio import async_engine_from_config\n',
      )
      .replace('with connectable.connect() as connection:', 'async with connectable.connect() as connection:');
    assert.deepStrictEqual(sourceOf({ 'alembic/env.py': env }).found, { kind: 'ini' });
  });

  it('reads the multidb template as computed', () => {
    const env = generic(
      `db_names = config.get_main_option("databases", "")\n\ndef run_migrations_online():\n    engines = {}\n    for name in re.split(r",\\s*", db_names):\n        engines[name] = rec = {}\n        rec["engine"] = engine_from_config(\n            context.config.get_section(name),\n            prefix="sqlalchemy.",\n            poolclass=pool.NullPool,\n        )\n`,
    );
    const found = sourceOf({ 'alembic/env.py': env }).found;
    assert.strictEqual(found.kind, 'computed', JSON.stringify(found));
  });

  it("follows the repo's migrations-sample into app/database.py: DATABASE_URL, default app.db next to alembic.ini", () => {
    const sample = path.join(ROOT, 'migrations-sample');
    const config = loadConfig({ iniPath: path.join(sample, 'alembic.ini') });
    const found = urlSourceForConfig(config);
    assert.deepStrictEqual(found, {
      kind: 'env',
      variable: 'DATABASE_URL',
      fallback: `sqlite:///${path.join(sample, 'app.db').split(path.sep).join('/')}`,
      where: {
        file: path.join(sample, 'app', 'database.py'),
        line: 16,
        expression: 'os.environ.get("DATABASE_URL", f"sqlite:///{(PROJECT_DIR / "app.db").as_posix()}")',
      },
    });
  });
});

describe('findUrlSource: where env.py takes the URL from', () => {
  const cases: Array<[string, Record<string, string>, unknown]> = [
    [
      'set_main_option from os.environ[...]',
      {
        'alembic/env.py': generic(
          'config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])',
          'import os\n',
        ),
      },
      { kind: 'env', variable: 'DATABASE_URL' },
    ],
    [
      'set_main_option from os.getenv with a literal default, escaped for ConfigParser',
      {
        'alembic/env.py': generic(
          'config.set_main_option("sqlalchemy.url", os.getenv("DB_URL", "sqlite:///dev.db").replace("%", "%%"))',
          'import os\n',
        ),
      },
      { kind: 'env', variable: 'DB_URL', fallback: 'sqlite:///dev.db' },
    ],
    [
      'a module-level name from os.environ.get, used by create_engine and context.configure',
      {
        'alembic/env.py': generic(
          'DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app@localhost/app")',
          'import os\nfrom sqlalchemy import create_engine\n',
        )
          .replace(/connectable = engine_from_config\([\s\S]*?\)\n/, 'connectable = create_engine(DATABASE_URL)\n')
          .replace('url = config.get_main_option("sqlalchemy.url")', 'url = DATABASE_URL'),
      },
      { kind: 'env', variable: 'DATABASE_URL', fallback: 'postgresql://app@localhost/app' },
    ],
    [
      'env var or the ini value',
      {
        'alembic/env.py': generic(
          'config.set_main_option("sqlalchemy.url", os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url"))',
          'import os\n',
        ),
      },
      { kind: 'env', variable: 'DATABASE_URL', fallback: 'ini' },
    ],
    [
      'a literal URL',
      { 'alembic/env.py': generic('config.set_main_option("sqlalchemy.url", "postgresql://u:p%%40ss@localhost/lit")') },
      { kind: 'literal', url: 'postgresql://u:p%40ss@localhost/lit' },
    ],
    [
      'from os import getenv, environ',
      {
        'alembic/env.py': generic(
          'URL = getenv("A_URL") or environ["B_URL"]\nconfig.set_main_option("sqlalchemy.url", URL)',
          'from os import getenv, environ\n',
        ),
      },
      // The first variable, then something this reader does not resolve (the second variable).
      { kind: 'env', variable: 'A_URL', fallback: 'computed' },
    ],
    [
      'the old full-stack template: get_url() into configuration["sqlalchemy.url"]',
      {
        'alembic/env.py': generic(
          'def get_url():\n    return os.getenv("DATABASE_URL", "postgresql://postgres@db/app")\n',
          'import os\n',
        ).replace(
          /connectable = engine_from_config\(\n {8}config.get_section\(config.config_ini_section, \{\}\),/,
          'configuration = config.get_section(config.config_ini_section)\n    configuration["sqlalchemy.url"] = get_url()\n    connectable = engine_from_config(\n        configuration,',
        ),
      },
      { kind: 'env', variable: 'DATABASE_URL', fallback: 'postgresql://postgres@db/app' },
    ],
    [
      'a URL built from several variables',
      {
        'alembic/env.py': generic(
          'def get_url():\n    user = os.getenv("POSTGRES_USER", "postgres")\n    password = os.getenv("POSTGRES_PASSWORD", "")\n    server = os.getenv("POSTGRES_SERVER", "db")\n    return f"postgresql://{user}:{password}@{server}/app"\n\nconfig.set_main_option("sqlalchemy.url", get_url())',
          'import os\n',
        ),
      },
      {
        kind: 'computed',
        detail: 'an f-string built from POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_SERVER (env.py:NN)',
      },
    ],
    [
      'a value chosen in branches',
      {
        'alembic/env.py': generic(
          'if os.getenv("TESTING"):\n    url = "sqlite://"\nelse:\n    url = os.environ["DATABASE_URL"]\nconfig.set_main_option("sqlalchemy.url", url)',
          'import os\n',
        ),
      },
      { kind: 'computed', detail: "'url' is assigned in several branches (env.py:NN)" },
    ],
    [
      'a name from an installed package (never read)',
      {
        'alembic/env.py': generic(
          'config.set_main_option("sqlalchemy.url", DATABASE_URL)',
          'from company_settings import DATABASE_URL\n',
        ),
      },
      { kind: 'computed', detail: 'company_settings.DATABASE_URL (env.py:NN)' },
    ],
    [
      'decoys in comments, strings and docstrings',
      {
        'alembic/env.py': generic(
          '# config.set_main_option("sqlalchemy.url", "sqlite:///decoy.db")\nNOTE = "context.configure(url=\'sqlite:///decoy2.db\')"\n"""\ncreate_engine("postgresql://decoy")\n"""',
        ),
      },
      { kind: 'ini' },
    ],
  ];
  for (const [name, files, expected] of cases) {
    it(name, () => {
      const found = sourceOf(files).found as { kind: string; detail?: string; where?: unknown };
      const { where: _where, ...rest } = found;
      void _where;
      if (rest.kind === 'computed' && (expected as { kind: string }).kind === 'computed') {
        const want = (expected as { detail: string }).detail;
        // Details end with a location; compare the stable part.
        const prefix = want.replace(/\(env\.py:NN\)$/, '').replace(/\.\.\. $/, '');
        assert.ok(rest.detail!.startsWith(prefix.trim()), `${rest.detail} should start with ${prefix}`);
        return;
      }
      assert.deepStrictEqual(rest, expected);
    });
  }

  it('reads literal version_table and version_table_schema', () => {
    const env = GENERIC.replace(
      'connection=connection, target_metadata=target_metadata',
      'connection=connection, target_metadata=target_metadata,\n            version_table="lens_version", version_table_schema=SCHEMA',
    ).replace('target_metadata = None\n', 'target_metadata = None\nSCHEMA = "lens"\n');
    assert.deepStrictEqual(sourceOf({ 'alembic/env.py': env }).found, {
      kind: 'ini',
      versionTable: 'lens_version',
      versionTableSchema: 'lens',
    });
  });

  it('says where the env lookup is', () => {
    const { dir, found } = sourceOf({
      'alembic/env.py': generic(
        '\nconfig.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])',
        'import os\n',
      ),
    });
    assert.deepStrictEqual((found as { where?: unknown }).where, {
      file: path.join(dir, 'alembic', 'env.py'),
      line: 13,
      expression: 'os.environ["DATABASE_URL"]',
    });
  });
});

describe('findUrlSource: app modules and settings classes', () => {
  const ENV_SETTINGS = generic(
    'config.set_main_option("sqlalchemy.url", str(settings.database_url))',
    'from app.config import settings\n',
  );

  it('follows `from app.database import DATABASE_URL`', () => {
    const found = sourceOf({
      'alembic/env.py': generic(
        'config.set_main_option("sqlalchemy.url", DATABASE_URL)',
        'from app.database import DATABASE_URL\n',
      ),
      'app/__init__.py': '',
      'app/database.py': 'import os\n\nDATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///./app.db")\n',
    }).found;
    assert.deepStrictEqual(found, {
      kind: 'env',
      variable: 'DATABASE_URL',
      fallback: 'sqlite:///./app.db',
      where: {
        file: (found as { where: { file: string } }).where.file,
        line: 3,
        expression: 'os.getenv("DATABASE_URL", "sqlite:///./app.db")',
      },
    });
  });

  it('follows names a package re-exports with `from .settings import *`, and a star import in env.py', () => {
    const files = {
      'app/__init__.py': '',
      'app/core/__init__.py': 'from .helpers import *\nfrom .settings import *\n',
      'app/core/helpers.py': 'def _private():\n    pass\n',
      'app/core/settings.py': 'import os\n\nDATABASE_URL = os.environ.get("APP_DB", "sqlite:///./app.db")\n',
    };
    const expected = { kind: 'env', variable: 'APP_DB', fallback: 'sqlite:///./app.db' };
    for (const imports of ['from app.core import DATABASE_URL\n', 'from app.core import *\n']) {
      const { found } = sourceOf({
        ...files,
        'alembic/env.py': generic('config.set_main_option("sqlalchemy.url", DATABASE_URL)', imports),
      });
      assert.deepStrictEqual({ ...found, where: undefined }, { ...expected, where: undefined }, imports);
      assert.match((found as { where: { file: string } }).where.file, /settings\.py$/);
    }
    // A name no star-imported module defines stays unknown, and says so.
    const { found } = sourceOf({
      ...files,
      'alembic/env.py': generic('config.set_main_option("sqlalchemy.url", OTHER_URL)', 'from app.core import *\n'),
    });
    assert.strictEqual(found.kind, 'computed', JSON.stringify(found));
  });

  it('reads a pydantic v2 BaseSettings field: env var, prefix, case-insensitive, literal default', () => {
    const { found } = sourceOf({
      'alembic/env.py': ENV_SETTINGS,
      'app/config.py': [
        'from pydantic_settings import BaseSettings, SettingsConfigDict',
        '',
        'class Settings(BaseSettings):',
        '    model_config = SettingsConfigDict(env_file=".env", env_prefix="app_")',
        '    debug: bool = False',
        '    database_url: str = "sqlite:///./dev.db"',
        '',
        'settings = Settings()',
      ].join('\n'),
    });
    assert.deepStrictEqual(
      { ...found, where: undefined },
      {
        kind: 'env',
        variable: 'APP_DATABASE_URL',
        fallback: 'sqlite:///./dev.db',
        caseInsensitive: true,
        where: undefined,
      },
    );
  });

  it('reads a pydantic v1 settings class with Config, Field(env=...), and a get_settings() cache', () => {
    const { found } = sourceOf({
      'alembic/env.py': generic(
        'config.set_main_option("sqlalchemy.url", get_settings().db_url)',
        'from app.core.config import get_settings\n',
      ),
      'app/core/config.py': [
        'from functools import lru_cache',
        'from pydantic import BaseSettings, Field',
        '',
        'class Base(BaseSettings):',
        '    class Config:',
        '        case_sensitive = True',
        '',
        'class Settings(Base):',
        '    db_url: str = Field(..., env="DB_URL")',
        '',
        '@lru_cache()',
        'def get_settings() -> Settings:',
        '    return Settings()',
      ].join('\n'),
    });
    assert.deepStrictEqual({ ...found, where: undefined }, { kind: 'env', variable: 'DB_URL', where: undefined });
  });

  it('calls a computed_field property computed, naming it', () => {
    const { found } = sourceOf({
      'alembic/env.py': generic(
        'def get_url():\n    return str(settings.SQLALCHEMY_DATABASE_URI)\n\nconfig.set_main_option("sqlalchemy.url", get_url())',
        'from app.core.config import settings\n',
      ),
      'app/core/config.py': [
        'from pydantic import computed_field, PostgresDsn',
        'from pydantic_core import MultiHostUrl',
        'from pydantic_settings import BaseSettings',
        'class Settings(BaseSettings):',
        '    POSTGRES_SERVER: str',
        '    POSTGRES_USER: str',
        '',
        '    @computed_field  # type: ignore[prop-decorator]',
        '    @property',
        '    def SQLALCHEMY_DATABASE_URI(self) -> PostgresDsn:',
        '        return MultiHostUrl.build(scheme="postgresql+psycopg", username=self.POSTGRES_USER, host=self.POSTGRES_SERVER)',
        '',
        'settings = Settings()  # type: ignore',
      ].join('\n'),
    });
    assert.strictEqual(found.kind, 'computed');
    assert.match((found as { detail: string }).detail, /Settings\.SQLALCHEMY_DATABASE_URI is computed by a method/);
  });

  it('makes the default of a validated field computed (old full-stack template)', () => {
    const { found } = sourceOf({
      'alembic/env.py': generic(
        'config.set_main_option("sqlalchemy.url", settings.SQLALCHEMY_DATABASE_URI)',
        'from app.core.config import settings\n',
      ),
      'app/core/config.py': [
        'from typing import Any, Dict, Optional',
        'from pydantic import BaseSettings, PostgresDsn, validator',
        'class Settings(BaseSettings):',
        '    SQLALCHEMY_DATABASE_URI: Optional[PostgresDsn] = None',
        '',
        '    @validator("SQLALCHEMY_DATABASE_URI", pre=True)',
        '    def assemble_db_connection(cls, v: Optional[str], values: Dict[str, Any]) -> Any:',
        '        if isinstance(v, str):',
        '            return v',
        '        return PostgresDsn.build(scheme="postgresql", user=values.get("POSTGRES_USER"))',
        '',
        '    class Config:',
        '        case_sensitive = True',
        'settings = Settings()',
      ].join('\n'),
    });
    assert.deepStrictEqual(
      { ...found, where: undefined },
      { kind: 'env', variable: 'SQLALCHEMY_DATABASE_URI', fallback: 'computed', where: undefined },
    );
  });

  it('follows a relative import two modules deep, with an engine imported into env.py', () => {
    const env = GENERIC.replace(
      'from alembic import context\n',
      'from alembic import context\nfrom app.db.session import engine\n',
    ).replace(/connectable = engine_from_config\([\s\S]*?\)\n/, 'connectable = engine\n');
    const { found } = sourceOf({
      'alembic/env.py': env,
      'app/__init__.py': '',
      'app/db/__init__.py': '',
      'app/db/session.py':
        'from sqlalchemy.ext.asyncio import create_async_engine\nfrom ..core.config import settings\n\nengine = create_async_engine(settings.DATABASE_URL.replace("+asyncpg", "+psycopg2"), echo=False)\n',
      'app/core/config.py':
        'import os\n\nclass Settings:\n    DATABASE_URL: str = os.getenv("DATABASE_URL", "postgresql+asyncpg://localhost/app")\n\nsettings = Settings()\n',
    });
    assert.deepStrictEqual(
      { ...found, where: undefined },
      {
        kind: 'env',
        variable: 'DATABASE_URL',
        fallback: 'postgresql+psycopg2://localhost/app',
        replace: [['+asyncpg', '+psycopg2']],
        where: undefined,
      },
    );
  });

  it('finds modules through prepend_sys_path (src layout) and `import pkg.mod as alias`', () => {
    const { found } = sourceOf({
      'alembic.ini': '[alembic]\nscript_location = migrations\nprepend_sys_path = . src\n',
      'migrations/env.py': generic(
        'config.set_main_option("sqlalchemy.url", cfg.URL)',
        'import myapp.settings as cfg\n',
      ),
      'src/myapp/__init__.py': '',
      'src/myapp/settings.py':
        'from starlette.config import Config\n\nconfig = Config(".env")\nURL = config("DATABASE_URL", cast=str, default="sqlite:///./star.db")\n',
    });
    assert.deepStrictEqual(
      { ...found, where: undefined },
      { kind: 'env', variable: 'DATABASE_URL', fallback: 'sqlite:///./star.db', where: undefined },
    );
  });

  it('prefers the try branch of a try/except ImportError', () => {
    const { found } = sourceOf({
      'alembic/env.py': generic(
        'try:\n    from app.database import DATABASE_URL\nexcept ImportError:\n    DATABASE_URL = "sqlite:///fallback.db"\nconfig.set_main_option("sqlalchemy.url", DATABASE_URL)',
      ),
      'app/database.py': 'import os\nDATABASE_URL = os.environ["DATABASE_URL"]\n',
    });
    assert.deepStrictEqual({ ...found, where: undefined }, { kind: 'env', variable: 'DATABASE_URL', where: undefined });
  });

  it('does not loop on circular imports', () => {
    const { found } = sourceOf({
      'alembic/env.py': generic('config.set_main_option("sqlalchemy.url", URL)', 'from app.a import URL\n'),
      'app/a.py': 'from app.b import URL\n',
      'app/b.py': 'from app.a import URL\n',
    });
    assert.strictEqual(found.kind, 'computed');
  });
});

describe('resolveDatabaseUrl', () => {
  const envFile = generic(
    'config.set_main_option("sqlalchemy.url", os.getenv("DATABASE_URL", "sqlite:///default.db"))',
    'import os\n',
  );

  it('takes the setting first, then the process env, then .env, then the default', () => {
    const { config } = sourceOf({ 'alembic/env.py': envFile });
    const resolve = (extra: object) => resolveDatabaseUrl({ config, ...extra });
    assert.deepStrictEqual(
      pick(resolve({ settingUrl: 'sqlite:///s.db', processEnv: { DATABASE_URL: 'sqlite:///e.db' } })),
      { url: 'sqlite:///s.db', source: { kind: 'setting', name: 'the setting alembic.databaseUrl' } },
    );
    assert.deepStrictEqual(
      pick(resolve({ processEnv: { DATABASE_URL: 'sqlite:///e.db' }, dotenv: { DATABASE_URL: 'sqlite:///d.db' } })),
      { url: 'sqlite:///e.db', source: { kind: 'environment', name: 'DATABASE_URL' } },
    );
    assert.deepStrictEqual(pick(resolve({ processEnv: {}, dotenv: { DATABASE_URL: 'sqlite:///d.db' } })), {
      url: 'sqlite:///d.db',
      source: { kind: 'dotenv', name: 'DATABASE_URL' },
    });
    assert.deepStrictEqual(pick(resolve({ processEnv: {} })), {
      url: 'sqlite:///default.db',
      source: {
        kind: 'envPy',
        file: path.join(config.baseDir, 'alembic', 'env.py'),
        line: 12,
        expression: 'os.getenv("DATABASE_URL", "sqlite:///default.db")',
        defaultOf: 'DATABASE_URL',
      },
    });
  });

  it("uses the ini when env.py does not override it, and says when it is the template's placeholder", () => {
    const { config } = sourceOf({ 'alembic/env.py': GENERIC });
    assert.deepStrictEqual(pick(resolveDatabaseUrl({ config, processEnv: { DATABASE_URL: 'sqlite:///ignored.db' } })), {
      url: 'sqlite:///ini.db',
      source: { kind: 'ini', file: path.join(config.baseDir, 'alembic.ini') },
    });
    const placeholder = sourceOf({
      'alembic.ini': '[alembic]\nscript_location = alembic\nsqlalchemy.url = driver://user:pass@localhost/dbname\n',
      'alembic/env.py': GENERIC,
    });
    const result = resolveDatabaseUrl({ config: placeholder.config });
    assert.strictEqual(result.url, undefined);
    assert.match(result.unresolved!, /placeholder/);
  });

  it("a single '%' in the ini's URL (a URL-encoded password): the status says why, check reports it, no password", () => {
    const ini = '[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://u:S3cr%40t@localhost:1/db\n';
    const { dir, config } = sourceOf({ 'alembic.ini': ini, 'alembic/env.py': GENERIC });
    const result = resolveDatabaseUrl({ config });
    assert.strictEqual(result.url, undefined);
    assert.match(
      result.unresolved!,
      /sqlalchemy\.url in alembic\.ini cannot be read.*'%' must be followed by '%' or '\('/,
    );
    assert.ok(!result.unresolved!.includes('40t@'), result.unresolved);
    fs.mkdirSync(path.join(dir, 'alembic', 'versions'));
    const cli = path.join(ROOT, 'dist', 'cli.js');
    const checked = spawnSync(process.execPath, [cli, '-c', path.join(dir, 'alembic.ini'), 'check', '--no-cache'], {
      encoding: 'utf8',
    });
    assert.strictEqual(checked.status, 1, checked.stdout + checked.stderr);
    assert.match(checked.stdout, /alembic\.ini:3: error: '%' must be followed by .*\[ini-interpolation\]$/m);
    assert.ok(!`${checked.stdout}${checked.stderr}`.includes('S3cr'), 'no part of the password');
  });

  it('matches a pydantic variable case-insensitively and applies replace()', () => {
    const { config } = sourceOf({
      'alembic/env.py': generic(
        'config.set_main_option("sqlalchemy.url", settings.database_url.replace("+asyncpg", ""))',
        'from app.config import settings\n',
      ),
      'app/config.py':
        'from pydantic_settings import BaseSettings\nclass S(BaseSettings):\n    database_url: str\nsettings = S()\n',
    });
    assert.deepStrictEqual(
      pick(resolveDatabaseUrl({ config, processEnv: { database_url: 'postgresql+asyncpg://h/db' } })),
      { url: 'postgresql://h/db', source: { kind: 'environment', name: 'database_url' } },
    );
    const missing = resolveDatabaseUrl({ config, processEnv: {} });
    assert.match(missing.unresolved!, /DATABASE_URL is not set/);
  });

  it('is unresolved, with the reason, when env.py computes the URL or there is no env.py', () => {
    const computed = sourceOf({
      'alembic/env.py': generic('config.set_main_option("sqlalchemy.url", make_url_somehow())'),
    });
    assert.match(resolveDatabaseUrl({ config: computed.config }).unresolved!, /env\.py computes the URL/);
    const none = sourceOf({});
    assert.match(resolveDatabaseUrl({ config: none.config }).unresolved!, /No env\.py/);
  });

  it('says so when the variable is set but empty', () => {
    const { config } = sourceOf({ 'alembic/env.py': envFile });
    assert.match(
      resolveDatabaseUrl({ config, processEnv: { DATABASE_URL: '' } }).unresolved!,
      /DATABASE_URL is set but empty/,
    );
  });

  it('does not guess past a syntax error in env.py', () => {
    const found = sourceOf({
      'alembic/env.py': GENERIC.replace('config = context.config', 'config = context.config('),
    }).found;
    assert.strictEqual(found.kind, 'computed');
    assert.match((found as { detail: string }).detail, /env\.py does not parse/);
  });

  it('carries the version table from env.py', () => {
    const { config } = sourceOf({
      'alembic/env.py': GENERIC.replace(
        'connection=connection,',
        'connection=connection, version_table="v", version_table_schema="s",',
      ),
    });
    const result = resolveDatabaseUrl({ config });
    assert.deepStrictEqual([result.versionTable, result.versionTableSchema], ['v', 's']);
  });

  it('reads env.py text given directly', () => {
    const found = findUrlSource('from alembic import context\ncontext.configure(url="sqlite:///x.db")\n', {
      envPyPath: '/nowhere/env.py',
      baseDir: '/nowhere',
    });
    assert.deepStrictEqual(found, {
      kind: 'literal',
      url: 'sqlite:///x.db',
      where: { file: path.resolve('/nowhere/env.py'), line: 2, expression: '"sqlite:///x.db"' },
    });
  });
});

describe('describeUrlSource', () => {
  it("names the file, the line and the expression of an env.py default (the sample's app/database.py)", () => {
    const sample = path.join(ROOT, 'migrations-sample');
    const config = loadConfig({ iniPath: path.join(sample, 'alembic.ini') });
    const resolved = resolveDatabaseUrl({ config, processEnv: {} });
    assert.strictEqual(
      describeUrlSource(resolved.source!, sample),
      'the default of DATABASE_URL in app/database.py:16: ' +
        'os.environ.get("DATABASE_URL", f"sqlite:///{(PROJECT_DIR / "app.db").as_posix()}")',
    );
  });

  it('names a literal in env.py, with its password masked, in the typed source too', () => {
    const { config } = sourceOf({
      'alembic/env.py': generic('config.set_main_option("sqlalchemy.url", "postgresql://app:Wq7-secret@db/app")'),
    });
    const resolved = resolveDatabaseUrl({ config, processEnv: {} });
    assert.strictEqual(resolved.url, 'postgresql://app:Wq7-secret@db/app');
    const text = describeUrlSource(resolved.source!, config.baseDir);
    assert.match(text, /^a literal in alembic\/env\.py:11: "postgresql:\/\/app:\*\*\*@db\/app"$/);
    assert.doesNotMatch(JSON.stringify(resolved.source), /Wq7-secret/);
  });

  it('names the variable and where it was set, the ini, the setting', () => {
    const envFile = path.join('/p', '.env.local');
    assert.strictEqual(describeUrlSource({ kind: 'environment', name: 'DB_URL' }), 'DB_URL from the environment');
    assert.strictEqual(describeUrlSource({ kind: 'dotenv', name: 'DB_URL', file: envFile }), 'DB_URL from .env.local');
    assert.strictEqual(describeUrlSource({ kind: 'dotenv', name: 'DB_URL' }), 'DB_URL from .env');
    assert.strictEqual(describeUrlSource({ kind: 'ini', file: path.join('/p', 'alembic.ini') }), 'alembic.ini');
    assert.strictEqual(describeUrlSource({ kind: 'setting', name: '--url' }), '--url');
  });
});

function pick(result: ResolvedUrl) {
  return result.unresolved ? { unresolved: result.unresolved } : { url: result.url, source: result.source };
}
