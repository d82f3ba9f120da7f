// No database password in any text alembic-lens produces: parse errors, descriptions, masked driver
// and SQLAlchemy messages. Hand-written hostile cases, then a seeded fuzz of generated URLs.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeDatabase, maskSecrets, parseDatabaseUrl } from '../../src/core/databaseUrl';
import { readDatabaseRevisions } from '../../src/core/versionTable';
import { prng } from '../support/prng';
import { tempDir } from '../support/tempProject';

/**
 * Every text the URL code can produce for `url`: masked messages (first, before anything parsed the
 * URL and learned its password), the parse error, the description, and the version-table reader's
 * answer when it needs no server.
 */
async function everythingShownFor(url: string): Promise<string[]> {
  const masked = [
    maskSecrets(url),
    maskSecrets(`(psycopg2.OperationalError) could not connect: ${url}`),
    maskSecrets(`sqlalchemy.exc.ArgumentError: Could not parse SQLAlchemy URL from string '${url}'`),
  ];
  const parsed = parseDatabaseUrl(url, '/proj');
  const needsServer = parsed.ok && ['postgresql', 'mysql', 'mariadb'].includes(parsed.url.kind);
  const read = needsServer ? undefined : await readDatabaseRevisions(url, { cwd: '/proj-that-does-not-exist' });
  return [...masked, parsed.ok ? '' : parsed.error, describeDatabase(url, '/proj'), JSON.stringify(read ?? '')];
}

function assertHidden(shown: string[], secret: string): void {
  for (const text of shown) assert.ok(!text.includes(secret), `"${secret}" shown in: ${text}`);
}

describe('secrets: URLs that do not parse', () => {
  const cases: Array<[string, string]> = [
    ['postgresql://u:my secret@host:5432x/db', 'my secret'],
    ['postgresql://u@host/db?password=my secret', 'my secret'],
    ['postgresql://u@host/db?password=ab#cd', 'ab#cd'],
    ['postgresql://u@host/db?sslmode=require&pwd=top secret#x&a=1', 'top secret#x'],
    ['nosuch dialect://u:hunter22@host/db', 'hunter22'],
    ['sqlite://u:sqlite-pw@host/app.db', 'sqlite-pw'],
    ['postgresql://u:p@ss@dbhost/db', 'p@ss'],
    ['postgresql://u:a@b/c@host/db', 'a@b/c'],
    ['postgresql://u:x y:z@host:12ab/db', 'x y:z'],
    // Mistyped schemes: one slash, none, backslashes.
    ['postgresql:/user:s3cretPW@127.0.0.1:1/db', 's3cretPW'],
    ['postgresql:user:s3cretPW@127.0.0.1/db', 's3cretPW'],
    ['postgresql+psycopg2:\\\\user:s3cretPW@host/db', 's3cretPW'],
    // A password the DSN holds URL-encoded (`%3D` is `=`, `+` a space).
    ['postgresql+psycopg2:///?dsn=host%3D127.0.0.1 password%3Ds3cretPW', 's3cretPW'],
    ['postgresql+psycopg2:///?dsn=host%3D127.0.0.1+password%3Ds3cretPW', 's3cretPW'],
  ];
  for (const [url, secret] of cases) {
    it(`never shows "${secret}" from ${url.replace(secret, '<secret>')}`, async () => {
      assertHidden(await everythingShownFor(url), secret);
    });
  }

  it('masks SQLAlchemy\'s "Could not parse" message without being given the URL', () => {
    for (const message of [
      "sqlalchemy.exc.ArgumentError: Could not parse rfc1738 URL from string 'postgresql://u:my secret@host:5432x/db'",
      "ValueError: invalid literal for int() with base 10: '5432x' in postgresql+psycopg2://admin:Pa ss#w@rd@db.internal:5432x/app",
    ]) {
      const masked = maskSecrets(message);
      for (const secret of ['my secret', 'Pa ss#w@rd', 'ss#w']) assert.ok(!masked.includes(secret), masked);
      assert.match(masked, /\*\*\*@(host|db\.internal)/);
    }
  });

  it('masks a mistyped URL in a message, and leaves the rest of the message and other messages as they are', () => {
    assert.strictEqual(
      maskSecrets('database: unreadable database URL (literal in alembic/env.py:11: "postgresql:/u:s3cretPW@h:1/db")'),
      'database: unreadable database URL (literal in alembic/env.py:11: "postgresql:/u:***@h:1/db")',
    );
    for (const message of [
      'alembic/env.py:13: warning: target_metadata is None: autogenerate has no models [target-metadata-none]',
      "versions/0badc0de_fix.py:9: error: Character(s) '@' not allowed in revision identifier 'x@b2'.",
      'Revision ID: a1b2c3\nRevises: 0f0f0f\nCreate Date: 2024-01-01 10:20:30.000000',
    ]) {
      assert.strictEqual(maskSecrets(message), message);
    }
  });

  it('masks password-like query values whole: spaces, # and @ included, up to & or the end', () => {
    assert.strictEqual(maskSecrets('postgresql://h/db?password=my secret'), 'postgresql://h/db?password=***');
    assert.strictEqual(
      maskSecrets('postgresql://h/db?password=ab#cd&sslmode=require'),
      'postgresql://h/db?password=***&sslmode=require',
    );
    assert.strictEqual(maskSecrets('mysql://h/db?user=u&passwd=a b@c'), 'mysql://h/db?user=u&passwd=***');
    assert.strictEqual(maskSecrets('DRIVER={x};SERVER=h;PWD=se cret'), 'DRIVER={x};SERVER=h;PWD=***');
  });
});

describe('secrets: an unencoded @ in the password', () => {
  const url = 'postgresql://u:p@ss@dbhost/db';

  it('is a clear error, not a host named "ss@dbhost"', () => {
    const parsed = parseDatabaseUrl(url);
    assert.strictEqual(parsed.ok, false);
    assert.match(!parsed.ok ? parsed.error : '', /@.*%40/);
    assert.ok(!describeDatabase(url).includes('ss@'), describeDatabase(url));
  });

  it('masks everything between the first : and the last @, and never single letters of the password', () => {
    parseDatabaseUrl(url);
    assert.strictEqual(maskSecrets(`failed for ${url}`), 'failed for postgresql://u:***@dbhost/db');
    const text = 'psycopg2.OperationalError: could not translate host name "ss@dbhost" to address: parse error';
    const masked = maskSecrets(text, url);
    assert.ok(!masked.includes('ss@dbhost'), masked);
    assert.ok(masked.includes('psycopg2.OperationalError'), `letters of the password replaced everywhere: ${masked}`);
    assert.ok(masked.includes('parse error'), masked);
  });
});

describe('secrets: seeded fuzz of hostile URLs', function () {
  this.timeout(60000);
  const schemes = [
    'postgresql',
    'postgresql+psycopg2',
    'mysql+pymysql',
    'mariadb',
    'sqlite',
    'mssql+pyodbc',
    'ora cle',
    'x-y',
    'dríver',
    '',
  ];
  const hostile = [
    ' ',
    '@',
    '#',
    '%',
    '%4',
    '%40',
    '?',
    '/',
    ':',
    '&',
    '=',
    '"',
    "'",
    '\\',
    'é',
    '密',
    '🔑',
    '\t',
    '+',
    ';',
    '//',
    '@@',
    '?password=',
  ];
  const hosts = ['dbhost', 'db.example.com', '127.0.0.1', '[::1]', '', 'h-1', 'münchen.example'];
  const ports = ['', ':5432', ':5432x', ':', ':99999999999999999999', ': 1', ':-1', ':٣'];

  /** A password with hostile characters between random capital-letter chunks the assertion looks for. */
  function password(random: () => number, inQuery: boolean): { text: string; chunks: string[] } {
    // In a query an `&` ends the value (for SQLAlchemy too): no query password can hold one.
    const characters = inQuery ? hostile.filter((c) => !c.includes('&')) : hostile;
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const chunks: string[] = [];
    let text = '';
    const parts = 1 + Math.floor(random() * 4);
    for (let i = 0; i < parts; i++) {
      const chunk = Array.from({ length: 5 }, () => String.fromCharCode(65 + Math.floor(random() * 26))).join('');
      chunks.push(chunk);
      text += (random() < 0.7 ? pick(characters) : '') + chunk + (random() < 0.5 ? pick(characters) : '');
    }
    return { text, chunks };
  }

  function hostileUrl(random: () => number): { url: string; chunks: string[] } {
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const form = random();
    const pw = password(random, form >= 0.55);
    const user = pick(['u', 'app', '', 'us er', 'a@b']);
    const db = pick(['/db', '/app', '', '/', '/my db', '/d?sslmode=require']);
    let url: string;
    if (form < 0.55) url = `${pick(schemes)}://${user}:${pw.text}@${pick(hosts)}${pick(ports)}${db}`;
    else if (form < 0.8)
      url = `${pick(schemes)}://${user}@${pick(hosts)}${pick(ports)}/db?${pick(['password', 'pwd', 'passwd', 'PASSWORD'])}=${pw.text}`;
    else url = `${pick(schemes)}://${user}:${pw.text}@${pick(hosts)}${pick(ports)}${db}?a=1&password=${pw.text}`;
    return { url, chunks: pw.chunks };
  }

  for (const seed of [1, 7, 42, 2024]) {
    it(`seed ${seed}: 1000 URLs, no chunk of a planted password in any output`, async () => {
      const random = prng(seed);
      for (let i = 0; i < 1000; i++) {
        const { url, chunks } = hostileUrl(random);
        const shown = await everythingShownFor(url);
        for (const chunk of chunks) {
          for (const text of shown)
            assert.ok(
              !text.includes(chunk),
              `seed ${seed} #${i}: ${JSON.stringify(url)} shows ${chunk} in ${JSON.stringify(text)}`,
            );
        }
      }
    });
  }
});

describe('secrets: an alembic.ini that quotes its URL in a problem', () => {
  const PASSWORD = 'S3cretPW';
  const cases: Record<string, string> = {
    'a key above the first section (quoted in "no section headers")': `sqlalchemy.url = postgresql://u:${PASSWORD}@h/db\n[alembic]\nscript_location = %(here)s/mig\n`,
    'an indented URL line, read as part of script_location': `[alembic]\nscript_location = %(here)s/mig\n sqlalchemy.url = postgresql://u:${PASSWORD}@h/db\n`,
    'a bad %( reference inside the password': `[alembic]\nscript_location = %(here)s/mig\nsqlalchemy.url = postgresql://u:%(${PASSWORD}@h/db\n`,
    'an unknown %(key)s inside the password': `[alembic]\nscript_location = %(here)s/mig\nsqlalchemy.url = postgresql://u:%(${PASSWORD})s@h/db\n`,
  };
  const cli = path.join(process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..'), 'dist', 'cli.js');

  for (const [what, ini] of Object.entries(cases)) {
    it(`${what}: no command or format shows it, and each problem stays on one line`, () => {
      assert.ok(fs.existsSync(cli), `${cli} is built (npm test builds it first)`);
      const dir = tempDir('alembic-lens-ini-secret-');
      fs.mkdirSync(path.join(dir, 'mig', 'versions'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'alembic.ini'), ini);
      const env = { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') };
      const commands = [
        ['heads'],
        ['history'],
        ['check'],
        ['check', '--format', 'json'],
        ['check', '--format', 'sarif'],
        ['check', '--format', 'github'],
        ['config', '--json'],
        ['graph', '--json'],
        ['status'],
        ['status', '--json'],
      ];
      let problems = 0;
      for (const args of commands) {
        const ran = spawnSync(process.execPath, [cli, '-c', path.join(dir, 'alembic.ini'), ...args], {
          cwd: dir,
          encoding: 'utf8',
          env,
        });
        const output = ran.stdout + ran.stderr;
        assert.ok(!output.toLowerCase().includes(PASSWORD.toLowerCase()), `${args.join(' ')}: ${output}`);
        if (args.length === 1 && args[0] === 'check') {
          const lines = ran.stdout.split('\n').filter(Boolean);
          problems = lines.length;
          for (const line of lines)
            assert.match(line, /^alembic\.ini:\d+: (error|warning|info): .* \[[a-z-]+\]$|^mig\//, line);
        }
      }
      assert.ok(problems > 0, 'check reports the broken ini');
    });
  }
});
