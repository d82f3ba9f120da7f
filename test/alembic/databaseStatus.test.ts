// The live database status against the real thing: databases migrated by the real Alembic
// (/usr/bin/python3 -m alembic, SQLAlchemy, psycopg2), SQLite files and a throwaway PostgreSQL
// cluster; `readDatabaseRevisions` must agree with `alembic current`, and `resolveDatabaseUrl` must
// find the database Alembic really used. Also: URL parsing against SQLAlchemy's make_url, .env
// parsing against python-dotenv, env.py templates from `alembic init`, a pydantic settings class.
import * as assert from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { maskSecrets, parseDatabaseUrl } from '../../src/core/databaseUrl';
import { parseDotenv, readDotenvFile } from '../../src/core/dotenv';
import { resolveDatabaseUrl, urlSourceForConfig } from '../../src/core/urlSource';
import { currentFromAlembicOutput, type DatabaseRevisions, readDatabaseRevisions } from '../../src/core/versionTable';
import { type PostgresCluster, startPostgres } from '../support/postgres';
import { copySample } from '../support/sampleCopy';
import { revisionText } from '../support/tempProject';

const PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';
const FIRST = '13c9c7d2277c';
const HEAD = '92404fb3f98d';

/** The environment Alembic runs with: this process's, minus anything that would pick a database. */
function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(DATABASE_URL|LENS_|PG)/i.test(k)) env[k] = v;
  return { ...env, PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

function python(args: string[], cwd: string, env: Record<string, string> = {}): { stdout: string; stderr: string } {
  const result = spawnSync(PYTHON, args, { cwd, env: baseEnv(env), encoding: 'utf8', timeout: 60000 });
  if (result.status !== 0) {
    throw new Error(
      `${PYTHON} ${args.join(' ')} (in ${cwd}) exited with ${result.status ?? result.signal}:\n${maskSecrets(`${result.stdout}${result.stderr}${result.error ?? ''}`)}`,
    );
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

function alembic(project: string, args: string[], env: Record<string, string> = {}): string {
  return python(['-m', 'alembic', ...args], project, env).stdout;
}

/** What `alembic current` says, as a sorted list. */
function alembicCurrent(project: string, env: Record<string, string> = {}): string[] {
  return currentFromAlembicOutput(alembic(project, ['current'], env)).sort();
}

function okRevisions(result: DatabaseRevisions): string[] {
  assert.strictEqual(result.status, 'ok', JSON.stringify(result));
  return (result as { revisions: string[] }).revisions.slice().sort();
}

function makeTemp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe('database status: SQLite migrated by the real Alembic', function () {
  this.timeout(60000);
  let dir: string;
  let project: string;

  before(() => {
    dir = makeTemp('alembic-lens-status-');
    project = copySample(path.join(dir, 'project'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('agrees with `alembic current` after each upgrade, with two heads, and at base', async () => {
    const file = path.join(dir, 'steps.db');
    const url = `sqlite:///${file}`;
    const env = { DATABASE_URL: url };
    assert.deepStrictEqual(await readDatabaseRevisions(url, { cwd: project }), { status: 'no-database' });
    assert.strictEqual(fs.existsSync(file), false, 'reading must not create the file');

    alembic(project, ['upgrade', FIRST], env);
    assert.deepStrictEqual(
      okRevisions(await readDatabaseRevisions(url, { cwd: project })),
      alembicCurrent(project, env),
    );
    assert.deepStrictEqual(alembicCurrent(project, env), [FIRST]);

    alembic(project, ['upgrade', 'head'], env);
    assert.deepStrictEqual(okRevisions(await readDatabaseRevisions(url, { cwd: project })), [HEAD]);
    assert.deepStrictEqual(alembicCurrent(project, env), [HEAD]);

    // A second branch off the first revision: two rows in the version table.
    const branch = 'b7e1c0de5a11';
    fs.writeFileSync(
      path.join(project, 'alembic', 'versions', `${branch}_side_branch.py`),
      revisionText({ id: branch, down: FIRST, message: 'side branch' }),
    );
    try {
      alembic(project, ['upgrade', 'heads'], env);
      assert.deepStrictEqual(okRevisions(await readDatabaseRevisions(url, { cwd: project })), [HEAD, branch].sort());
      assert.deepStrictEqual(alembicCurrent(project, env), [HEAD, branch].sort());
      alembic(project, ['downgrade', 'base'], env);
    } finally {
      fs.rmSync(path.join(project, 'alembic', 'versions', `${branch}_side_branch.py`));
    }
    // Migrated, then downgraded to nothing: the table is there, empty: base.
    assert.deepStrictEqual(await readDatabaseRevisions(url, { cwd: project }), { status: 'ok', revisions: [] });
    assert.deepStrictEqual(alembicCurrent(project, env), []);
  });

  it("finds the database env.py really uses when DATABASE_URL is unset (the sample's app.db)", async () => {
    const config = loadConfig({ iniPath: path.join(project, 'alembic.ini') });
    const resolved = resolveDatabaseUrl({ config, processEnv: {} });
    assert.deepStrictEqual(
      { ...resolved.source, expression: undefined },
      {
        kind: 'envPy',
        file: path.join(project, 'app', 'database.py'),
        line: 16,
        expression: undefined,
        defaultOf: 'DATABASE_URL',
      },
    );
    assert.strictEqual(resolved.url, `sqlite:///${path.join(project, 'app.db').split(path.sep).join('/')}`);
    alembic(project, ['upgrade', 'head']);
    assert.ok(fs.existsSync(path.join(project, 'app.db')), 'Alembic created app.db where the reader said');
    assert.deepStrictEqual(
      okRevisions(await readDatabaseRevisions(resolved.url!, { cwd: project })),
      alembicCurrent(project),
    );
  });

  it('resolves a relative SQLite path against the config folder, as Alembic run there does', async () => {
    const env = { DATABASE_URL: 'sqlite:///relative.db' };
    const config = loadConfig({ iniPath: path.join(project, 'alembic.ini') });
    const resolved = resolveDatabaseUrl({ config, processEnv: env });
    assert.deepStrictEqual(
      [resolved.url, resolved.source],
      ['sqlite:///relative.db', { kind: 'environment', name: 'DATABASE_URL' }],
    );
    alembic(project, ['upgrade', FIRST], env);
    assert.ok(fs.existsSync(path.join(project, 'relative.db')));
    assert.deepStrictEqual(okRevisions(await readDatabaseRevisions(resolved.url!, { cwd: config.baseDir })), [FIRST]);
  });

  it('follows .env (loaded by env.py with python-dotenv) to the database Alembic migrates', async () => {
    const proj = copySample(path.join(dir, 'dotenv-project'));
    const envPy = path.join(proj, 'alembic', 'env.py');
    fs.writeFileSync(envPy, `from dotenv import load_dotenv\nload_dotenv()\n${fs.readFileSync(envPy, 'utf8')}`);
    fs.writeFileSync(
      path.join(proj, '.env'),
      `# local settings\nDATA_DIR=${proj}\nexport DATABASE_URL="sqlite:///\${DATA_DIR}/from-dotenv.db"  # expanded\n`,
    );
    const config = loadConfig({ iniPath: path.join(proj, 'alembic.ini') });
    const dotenv = readDotenvFile(path.join(proj, '.env'), { env: {} });
    const resolved = resolveDatabaseUrl({ config, processEnv: {}, dotenv });
    assert.deepStrictEqual(
      [resolved.url, resolved.source],
      [`sqlite:///${proj}/from-dotenv.db`, { kind: 'dotenv', name: 'DATABASE_URL' }],
    );
    alembic(proj, ['upgrade', 'head']);
    assert.ok(fs.existsSync(path.join(proj, 'from-dotenv.db')), 'Alembic used the .env URL');
    assert.deepStrictEqual(
      okRevisions(await readDatabaseRevisions(resolved.url!, { cwd: proj })),
      alembicCurrent(proj),
    );
  });

  it('reads a pydantic BaseSettings field the way pydantic does (prefix, case-insensitive, default)', async () => {
    const proj = copySample(path.join(dir, 'settings-project'));
    fs.writeFileSync(
      path.join(proj, 'app', 'config.py'),
      [
        'from pydantic import BaseSettings',
        '',
        '',
        'class Settings(BaseSettings):',
        '    database_url: str = "sqlite:///./settings-default.db"',
        '',
        '    class Config:',
        '        env_prefix = "LENS_"',
        '',
        '',
        'settings = Settings()',
        '',
      ].join('\n'),
    );
    const envPy = path.join(proj, 'alembic', 'env.py');
    const text = fs.readFileSync(envPy, 'utf8');
    fs.writeFileSync(
      envPy,
      text
        .replace('from app.database import DATABASE_URL', 'from app.config import settings')
        .replace('DATABASE_URL.replace("%", "%%")', 'settings.database_url'),
    );
    const config = loadConfig({ iniPath: path.join(proj, 'alembic.ini') });
    assert.deepStrictEqual(
      { ...urlSourceForConfig(config), where: undefined },
      {
        kind: 'env',
        variable: 'LENS_DATABASE_URL',
        fallback: 'sqlite:///./settings-default.db',
        caseInsensitive: true,
        where: undefined,
      },
    );

    const env = { lens_database_url: `sqlite:///${path.join(dir, 'settings-env.db')}` };
    const fromEnv = resolveDatabaseUrl({ config, processEnv: env });
    assert.deepStrictEqual(fromEnv.source, { kind: 'environment', name: 'lens_database_url' });
    alembic(proj, ['upgrade', FIRST], env);
    assert.deepStrictEqual(
      okRevisions(await readDatabaseRevisions(fromEnv.url!, { cwd: proj })),
      alembicCurrent(proj, env),
    );
    assert.ok(fs.existsSync(path.join(dir, 'settings-env.db')));

    const fallback = resolveDatabaseUrl({ config, processEnv: {} });
    assert.strictEqual(fallback.url, 'sqlite:///./settings-default.db');
    alembic(proj, ['upgrade', 'head']);
    assert.ok(fs.existsSync(path.join(proj, 'settings-default.db')));
    assert.deepStrictEqual(
      okRevisions(await readDatabaseRevisions(fallback.url!, { cwd: proj })),
      alembicCurrent(proj),
    );
  });

  it('says no-database for a missing file and leaves it missing; names a missing folder, where Alembic fails too', async () => {
    const inFolder = path.join(dir, 'never.db');
    assert.deepStrictEqual(await readDatabaseRevisions(`sqlite:///${inFolder}`, { cwd: dir }), {
      status: 'no-database',
    });
    assert.strictEqual(fs.existsSync(inFolder), false);
    const missing = path.join(dir, 'sub', 'never.db');
    assert.deepStrictEqual(await readDatabaseRevisions(`sqlite:///${missing}`, { cwd: dir }), {
      status: 'no-database',
      missingFolder: path.join(dir, 'sub'),
    });
    assert.strictEqual(fs.existsSync(path.dirname(missing)), false);
    // Alembic's first upgrade cannot create the file there; beside an existing folder it can.
    assert.throws(
      () => alembic(project, ['upgrade', 'head'], { DATABASE_URL: `sqlite:///${missing}` }),
      /unable to open database file/,
    );
    alembic(project, ['upgrade', 'head'], { DATABASE_URL: `sqlite:///${inFolder}` });
    assert.ok(fs.existsSync(inFolder));
  });

  it('a directory where the SQLite file should be is unreachable (as for Alembic), never "no database yet"', async () => {
    const folder = path.join(dir, 'folder.db');
    fs.mkdirSync(folder);
    const ran = spawnSync(
      PYTHON,
      ['-c', `import sqlite3; sqlite3.connect(${JSON.stringify(folder)}).execute('select 1')`],
      {
        encoding: 'utf8',
      },
    );
    assert.match(ran.stderr, /unable to open database file/, 'SQLite itself cannot open it');
    const read = await readDatabaseRevisions('sqlite:///folder.db', { cwd: dir });
    assert.strictEqual(read.status, 'unreachable');
    assert.match((read as { message: string }).message, /folder\.db: it is not a regular file/);
  });

  it('says no-version-table for an empty file and for a database Alembic never ran on', async () => {
    const empty = path.join(dir, 'empty.db');
    fs.writeFileSync(empty, '');
    assert.deepStrictEqual(await readDatabaseRevisions('sqlite:///empty.db', { cwd: dir }), {
      status: 'no-version-table',
    });
    assert.strictEqual(fs.statSync(empty).size, 0, 'the empty file stays untouched');
    const other = path.join(dir, 'other.db');
    python(
      [
        '-c',
        `import sqlite3; c = sqlite3.connect(${JSON.stringify(other)}); c.execute("create table t (x)"); c.commit()`,
      ],
      dir,
    );
    assert.deepStrictEqual(await readDatabaseRevisions(`sqlite:///${other}`, { cwd: dir }), {
      status: 'no-version-table',
    });
  });

  it('says unreachable, with a short message, for a file that is no database', async () => {
    fs.writeFileSync(path.join(dir, 'text.db'), 'this is not a database, '.repeat(100));
    const result = await readDatabaseRevisions('sqlite:///text.db', { cwd: dir });
    assert.strictEqual(result.status, 'unreachable');
    assert.match((result as { message: string }).message, /not a database/);
  });

  it('does not wait long on a SQLite file another process holds locked (a migration running)', async () => {
    const file = path.join(dir, 'locked.db');
    python(
      [
        '-c',
        `import sqlite3; c = sqlite3.connect(${JSON.stringify(file)}); c.execute("create table alembic_version (version_num varchar(32) not null)"); c.commit()`,
      ],
      dir,
    );
    const holder = spawn(
      PYTHON,
      [
        '-c',
        `import sqlite3, sys, time\nc = sqlite3.connect(${JSON.stringify(file)}, isolation_level=None)\nc.execute("begin exclusive")\nprint("locked", flush=True)\ntime.sleep(20)`,
      ],
      { env: baseEnv() },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', () => resolve());
        holder.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
      });
      const started = Date.now();
      const result = await readDatabaseRevisions(`sqlite:///${file}`, { cwd: dir, timeoutMs: 3000 });
      assert.strictEqual(result.status, 'unreachable', JSON.stringify(result));
      assert.match((result as { message: string }).message, /locked/);
      assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    } finally {
      holder.kill();
    }
  });

  it('reads a custom version table name', async () => {
    const file = path.join(dir, 'custom-table.db');
    python(
      [
        '-c',
        `import sqlite3; c = sqlite3.connect(${JSON.stringify(file)}); c.execute("create table lens_version (version_num varchar(32) not null)"); c.execute("insert into lens_version values ('abc123')"); c.commit()`,
      ],
      dir,
    );
    assert.deepStrictEqual(
      await readDatabaseRevisions(`sqlite:///${file}`, { cwd: dir, versionTable: 'lens_version' }),
      { status: 'ok', revisions: ['abc123'] },
    );
    assert.deepStrictEqual(await readDatabaseRevisions(`sqlite:///${file}`, { cwd: dir }), {
      status: 'no-version-table',
    });
  });
});

describe("database status: env.py from Alembic's own templates", function () {
  this.timeout(30000);
  const expected: Record<string, string> = { generic: 'ini', async: 'ini', multidb: 'computed' };
  for (const template of Object.keys(expected)) {
    it(`alembic init -t ${template}: ${expected[template]}`, () => {
      const dir = makeTemp('alembic-lens-init-');
      try {
        python(['-m', 'alembic', 'init', '-t', template, 'migrations'], dir);
        const config = loadConfig({ iniPath: path.join(dir, 'alembic.ini') });
        const found = urlSourceForConfig(config);
        assert.strictEqual(found.kind, expected[template], JSON.stringify(found));
        // The template's ini keeps the placeholder URL: nothing to read yet.
        if (template !== 'multidb') assert.match(resolveDatabaseUrl({ config }).unresolved ?? '', /placeholder/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("database URLs parsed as SQLAlchemy's make_url parses them", function () {
  this.timeout(30000);
  const urls = [
    'postgresql+psycopg2://scott:tiger@db.example.com:5433/mydb?sslmode=require&application_name=x',
    'postgresql://u:p%40ss%3Aw%25rd%2F@localhost/app',
    'postgresql://u:pa/ss@host/db',
    'mysql+pymysql://us%40er:secret@[::1]:3307/shop?charset=utf8mb4',
    'postgresql://app@/appdb?host=/var/run/postgresql',
    'postgresql://h/d?host=a&host=b',
    'sqlite:///relative/app.db',
    'sqlite:////abs/app.db',
    'sqlite://',
    'sqlite+pysqlite:///:memory:',
    'mssql+pyodbc://u:Pw0rd@dsn',
    'postgresql://[2001:db8::7]/db',
    'oracle://u:Orac1e@h:1521/?service_name=x',
  ];
  it('agrees on every part', () => {
    const script = [
      'import json, sys',
      'from sqlalchemy.engine.url import make_url',
      'out = []',
      'for text in json.loads(sys.argv[1]):',
      '    u = make_url(text)',
      '    q = {k: (list(v) if isinstance(v, tuple) else [v]) for k, v in u.query.items()}',
      '    out.append(dict(drivername=u.drivername, username=u.username, password=u.password, host=u.host, port=u.port, database=u.database, query=q))',
      'print(json.dumps(out))',
    ].join('\n');
    const truth = JSON.parse(python(['-c', script, JSON.stringify(urls)], os.tmpdir()).stdout) as Array<
      Record<string, unknown>
    >;
    urls.forEach((text, i) => {
      const parsed = parseDatabaseUrl(text, '/base');
      assert.ok(parsed.ok, text);
      const u = parsed.url;
      const mine = {
        drivername: u.drivername,
        username: u.username ?? null,
        password: u.password ?? null,
        host: u.host ?? null,
        port: u.port ?? null,
        database: u.database ?? null,
        query: u.query,
      };
      // `?host=` is a connect argument of psycopg2 / PyMySQL that this parser also takes as the host.
      const expected = { ...truth[i] };
      if (expected.host === null && u.query.host) expected.host = u.query.host[0];
      assert.deepStrictEqual(mine, expected, text);
      if (u.password) assert.ok(!maskSecrets(text).includes(u.password), maskSecrets(text));
    });
  });
});

describe("URLs with an unencoded '@' in the password, against SQLAlchemy's make_url", function () {
  this.timeout(30000);
  // Each URL and the password its author meant.
  const urls: Array<[string, string]> = [
    ['postgresql://u:p@ss@dbhost/db', 'p@ss'],
    ['postgresql://u:aa@bb/cc@host/db', 'aa@bb/cc'],
    ['postgresql://u@dbhost:5432/db?password=x@yz', 'x@yz'],
    ['mysql+pymysql://u:pa@ss:w@h:3306/d', 'pa@ss:w'],
  ];
  it('make_url puts part of the password in the host, port or database (or fails): parseDatabaseUrl refuses them', () => {
    const script = [
      'import json, sys',
      'from sqlalchemy.engine.url import make_url',
      'out = []',
      'for text in json.loads(sys.argv[1]):',
      '    try:',
      '        u = make_url(text)',
      '        out.append(" ".join(str(x) for x in (u.host, u.port, u.database)))',
      '    except Exception as e:',
      '        out.append(None)',
      'print(json.dumps(out))',
    ].join('\n');
    const shown = JSON.parse(python(['-c', script, JSON.stringify(urls.map(([u]) => u))], os.tmpdir()).stdout) as Array<
      string | null
    >;
    urls.forEach(([url, meant], i) => {
      const pieces = meant.split(/[@:/?=]/).filter((p) => p.length >= 2);
      assert.ok(shown[i] === null || pieces.some((p) => shown[i]!.includes(p)), `make_url(${url}) shows ${shown[i]}`);
      const parsed = parseDatabaseUrl(url, '/base');
      assert.strictEqual(parsed.ok, false, url);
      assert.match(!parsed.ok ? parsed.error : '', /unencoded '@'|port/);
    });
  });
});

describe('.env files parsed as python-dotenv parses them', function () {
  this.timeout(30000);
  it('agrees on a file full of corner cases', () => {
    const text = [
      '# comment',
      'PLAIN=value',
      'export EXPORTED=yes',
      '  SPACED  =  around  ',
      'EMPTY=',
      'NOVALUE',
      'INLINE=val # comment',
      'HASH=val#not',
      "SINGLE='single # kept \\' quote \\n raw'",
      'DOUBLE="double \\"q\\" \\n newline \\t tab \\\\ back"',
      'MULTI="line one',
      'line two"',
      "QUOTED_KEY_LATER='x' # c",
      "'QKEY'=quoted key",
      'BAD="x" trailing',
      'AFTER_BAD=fine',
      'EXPAND=${PLAIN}-${FROM_ENV}-${MISSING:-dflt}-${EMPTY:-unused}',
      "SQ_EXPAND='${PLAIN}'",
      'URL=postgresql://${USER_NAME:-app}:p%40ss@localhost:5432/db?sslmode=require',
      'EQUALS=a=b=c',
      'UNICODE=héllo wörld',
      'CRLF=x\r',
      'LAST=no newline at end',
    ].join('\n');
    const dir = makeTemp('alembic-lens-dotenv-');
    try {
      const file = path.join(dir, '.env');
      fs.writeFileSync(file, text);
      const script =
        'import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps({k: v for k, v in dotenv_values(sys.argv[1]).items() if v is not None}))';
      const truth = JSON.parse(python(['-c', script, file], dir, { FROM_ENV: 'env-value' }).stdout);
      assert.deepStrictEqual(parseDotenv(text, { env: { FROM_ENV: 'env-value' } }), truth);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('database status: PostgreSQL migrated by the real Alembic', function () {
  this.timeout(60000);
  let pg: PostgresCluster | undefined;
  let dir: string;
  let project: string;

  before(async () => {
    dir = makeTemp('alembic-lens-pgstatus-');
    project = copySample(path.join(dir, 'project'));
    pg = await startPostgres({ password: 'pg:s3cr@t/%' });
    pg.sql('CREATE DATABASE app');
    pg.sql('CREATE DATABASE fresh');
    pg.sql('CREATE DATABASE schemadb');
    pg.sql('CREATE SCHEMA lens', 'schemadb');
  });
  after(() => {
    pg?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('agrees with `alembic current` after each upgrade (psycopg2 URL, read with node-postgres)', async () => {
    const url = pg!.url('app', { driver: 'psycopg2' });
    const env = { DATABASE_URL: url };
    alembic(project, ['upgrade', FIRST], env);
    assert.deepStrictEqual(
      okRevisions(await readDatabaseRevisions(url, { cwd: project })),
      alembicCurrent(project, env),
    );
    alembic(project, ['upgrade', 'head'], env);
    assert.deepStrictEqual(okRevisions(await readDatabaseRevisions(url, { cwd: project })), [HEAD]);
    assert.deepStrictEqual(alembicCurrent(project, env), [HEAD]);

    const config = loadConfig({ iniPath: path.join(project, 'alembic.ini') });
    const resolved = resolveDatabaseUrl({ config, processEnv: env });
    assert.deepStrictEqual([resolved.url, resolved.source], [url, { kind: 'environment', name: 'DATABASE_URL' }]);
  });

  it('reads through the Unix socket (?host=), as psycopg2 does', async () => {
    const url = `postgresql://postgres@/app?host=${pg!.socketDir}&port=${pg!.port}`;
    assert.deepStrictEqual(alembicCurrent(project, { DATABASE_URL: url }), [HEAD]);
    assert.deepStrictEqual(okRevisions(await readDatabaseRevisions(url, { cwd: project })), [HEAD]);
  });

  it('says no-version-table for a database Alembic never ran on, no-database for a missing one', async () => {
    assert.deepStrictEqual(await readDatabaseRevisions(pg!.url('fresh'), { cwd: dir }), { status: 'no-version-table' });
    assert.deepStrictEqual(await readDatabaseRevisions(pg!.url('nosuchdb'), { cwd: dir }), { status: 'no-database' });
  });

  it('reads version_table / version_table_schema given to context.configure', async () => {
    const proj = copySample(path.join(dir, 'schema-project'));
    const envPy = path.join(proj, 'alembic', 'env.py');
    fs.writeFileSync(
      envPy,
      fs
        .readFileSync(envPy, 'utf8')
        .replace(
          /target_metadata=target_metadata,/g,
          'target_metadata=target_metadata,\n        version_table="lens_version",\n        version_table_schema="lens",',
        ),
    );
    const url = pg!.url('schemadb');
    const env = { DATABASE_URL: url };
    alembic(proj, ['upgrade', 'head'], env);
    const config = loadConfig({ iniPath: path.join(proj, 'alembic.ini') });
    const resolved = resolveDatabaseUrl({ config, processEnv: env });
    assert.deepStrictEqual([resolved.versionTable, resolved.versionTableSchema], ['lens_version', 'lens']);
    const read = await readDatabaseRevisions(resolved.url!, {
      cwd: proj,
      versionTable: resolved.versionTable,
      schema: resolved.versionTableSchema,
    });
    assert.deepStrictEqual(okRevisions(read), alembicCurrent(proj, env));
    assert.deepStrictEqual(await readDatabaseRevisions(url, { cwd: proj }), { status: 'no-version-table' });
    assert.deepStrictEqual(
      await readDatabaseRevisions(url, { cwd: proj, versionTable: 'lens_version', schema: 'nosuchschema' }),
      { status: 'no-version-table' },
    );
  });

  it('says unreachable and refused for a wrong password (the server answered), without showing either password', async () => {
    const wrong = 'wr0ng:p@ss%w/rd';
    const url = pg!.url('app', { password: wrong });
    const result = await readDatabaseRevisions(url, { cwd: dir });
    assert.strictEqual(result.status, 'unreachable', JSON.stringify(result));
    assert.strictEqual((result as { refused?: boolean }).refused, true, JSON.stringify(result));
    const message = (result as { message: string }).message;
    assert.match(message, /password authentication failed/);
    for (const secret of [wrong, encodeURIComponent(wrong), pg!.password, encodeURIComponent(pg!.password)])
      assert.ok(!message.includes(secret), message);
  });

  it('says unreachable, quickly, when the server is down', async () => {
    const url = pg!.url('app');
    pg!.stop();
    const started = Date.now();
    const result = await readDatabaseRevisions(url, { cwd: dir, timeoutMs: 2000 });
    assert.strictEqual(result.status, 'unreachable', JSON.stringify(result));
    assert.match((result as { message: string }).message, /refused/i);
    assert.strictEqual((result as { refused?: boolean }).refused, undefined, 'a server that is down refused no login');
    assert.ok(!(result as { message: string }).message.includes(pg!.password));
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });
});
