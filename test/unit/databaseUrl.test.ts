import * as assert from 'node:assert';
import * as path from 'node:path';
import {
  describeDatabase,
  isLocalDatabase,
  isPlaceholderUrl,
  maskSecrets,
  parseDatabaseUrl,
} from '../../src/core/databaseUrl';

const parse = (text: string, cwd = '/proj') => {
  const result = parseDatabaseUrl(text, cwd);
  if (!result.ok) throw new Error(result.error);
  return result.url;
};

describe('parseDatabaseUrl', () => {
  it('reads dialect, driver, credentials, host, port, database and query', () => {
    const u = parse('postgresql+psycopg2://scott:tiger@db.example.com:5433/mydb?sslmode=require&application_name=x');
    assert.strictEqual(u.dialect, 'postgresql');
    assert.strictEqual(u.driver, 'psycopg2');
    assert.strictEqual(u.kind, 'postgresql');
    assert.strictEqual(u.username, 'scott');
    assert.strictEqual(u.password, 'tiger');
    assert.strictEqual(u.host, 'db.example.com');
    assert.strictEqual(u.port, 5433);
    assert.strictEqual(u.database, 'mydb');
    assert.deepStrictEqual(u.query, { sslmode: ['require'], application_name: ['x'] });
    assert.strictEqual(u.placeholder, false);
  });

  it('decodes percent-encoded user names and passwords, keeps the database as written', () => {
    const u = parse('mysql+pymysql://us%40er:p%40ss%3Aw%25rd%2F@localhost/shop%20db');
    assert.strictEqual(u.kind, 'mysql');
    assert.strictEqual(u.username, 'us@er');
    assert.strictEqual(u.password, 'p@ss:w%rd/');
    assert.strictEqual(u.database, 'shop%20db');
  });

  it('takes the password up to the first @, as SQLAlchemy does', () => {
    const u = parse('postgresql://u:pa/ss@host/db');
    assert.strictEqual(u.password, 'pa/ss');
    assert.strictEqual(u.host, 'host');
  });

  it('reads IPv6 hosts in brackets', () => {
    const u = parse('postgresql://u:p@[::1]:5432/db');
    assert.strictEqual(u.host, '::1');
    assert.strictEqual(u.port, 5432);
    assert.strictEqual(parse('postgresql://[2001:db8::7]/db').host, '2001:db8::7');
  });

  it('reads a Unix socket directory from ?host=', () => {
    const u = parse('postgresql://app@/appdb?host=/var/run/postgresql');
    assert.strictEqual(u.host, '/var/run/postgresql');
    assert.strictEqual(u.database, 'appdb');
    assert.strictEqual(parse('mysql://u@/d?unix_socket=/tmp/mysql.sock').host, undefined);
  });

  it('keeps repeated query keys', () => {
    assert.deepStrictEqual(parse('postgresql://h/d?host=a&host=b').query.host, ['a', 'b']);
  });

  it('resolves SQLite paths: relative against cwd, absolute with four slashes, memory', () => {
    assert.strictEqual(parse('sqlite:///app.db', '/proj').sqliteFile, path.resolve('/proj', 'app.db'));
    assert.strictEqual(parse('sqlite:///./data/app.db', '/proj').sqliteFile, path.resolve('/proj/data/app.db'));
    assert.strictEqual(parse('sqlite:////var/lib/app.db').sqliteFile, path.resolve('/var/lib/app.db'));
    assert.strictEqual(parse('sqlite+pysqlite:////abs.db').sqliteFile, path.resolve('/abs.db'));
    assert.strictEqual(parse('sqlite+aiosqlite:///rel.db', '/x').sqliteFile, path.resolve('/x/rel.db'));
    assert.strictEqual(parse('sqlite://').sqliteMemory, true);
    assert.strictEqual(parse('sqlite:///:memory:').sqliteMemory, true);
    assert.strictEqual(parse('sqlite:///file:data.db?mode=ro&uri=true', '/p').sqliteFile, path.resolve('/p/data.db'));
  });

  it('rejects SQLite URLs with a host, and text that is no URL (masked)', () => {
    assert.strictEqual(parseDatabaseUrl('sqlite://host/app.db').ok, false);
    const bad = parseDatabaseUrl('not a url with secret://u:hunter2@h');
    assert.strictEqual(bad.ok, false);
    assert.ok(!bad.ok && !bad.error.includes('hunter2'), !bad.ok ? bad.error : '');
    assert.strictEqual(parseDatabaseUrl('postgresql://h:abc/db').ok, false);
  });

  it("reads postgres:// as PostgreSQL and marks Alembic's template placeholder", () => {
    assert.strictEqual(parse('postgres://u@h/d').kind, 'postgresql');
    assert.strictEqual(parse('driver://user:pass@localhost/dbname').placeholder, true);
    assert.strictEqual(isPlaceholderUrl('driver://user:pass@localhost/dbname'), true);
    assert.strictEqual(isPlaceholderUrl('sqlite:///driver.db'), false);
  });
});

describe('maskSecrets', () => {
  const cases: Array<[string, string]> = [
    ['postgresql://scott:tiger@localhost/db', 'postgresql://scott:***@localhost/db'],
    [
      'postgresql+psycopg2://u:p%40ss@h:5432/db?sslmode=require',
      'postgresql+psycopg2://u:***@h:5432/db?sslmode=require',
    ],
    ['mysql://u:p@ss@host/db', 'mysql://u:***@host/db'],
    ['postgresql://u:pa/ss@host/db', 'postgresql://u:***@host/db'],
    ['postgresql://u:p@[::1]:5432/db', 'postgresql://u:***@[::1]:5432/db'],
    ['postgresql://u@host/db', 'postgresql://u@host/db'],
    ['postgresql://host:5432/db', 'postgresql://host:5432/db'],
    ['postgresql://[::1]:5432/db', 'postgresql://[::1]:5432/db'],
    ['sqlite:///app.db', 'sqlite:///app.db'],
    ['postgresql://h/db?user=u&password=secret&x=1', 'postgresql://h/db?user=u&password=***&x=1'],
    // Credentials run to the line's last `@`: a password may hold `@`, spaces and `://`.
    [
      'failed: (psycopg2.OperationalError) postgresql://a:b@h/d and mysql://c:d@e/f',
      'failed: (psycopg2.OperationalError) postgresql://a:***@e/f',
    ],
  ];
  for (const [input, expected] of cases) {
    it(`masks ${input}`, () => assert.strictEqual(maskSecrets(input), expected));
  }

  it('never shows any part of a password, whatever it holds', () => {
    for (const pw of ['s3cr3t', 'p@ss', 'a:b', 'x/y', 'q?r', 'p@ss@word', '%41%42']) {
      const masked = maskSecrets(`postgresql://user:${pw}@db.example.com/app`);
      assert.ok(!masked.includes(pw), masked);
      assert.ok(masked.includes('***'), masked);
    }
  });

  it('maskSecrets also hides the bare password inside driver messages', () => {
    const url = 'postgresql://u:Tr0ub4dor%26@h/db';
    const text = maskSecrets('connect failed for password "Tr0ub4dor&" (url postgresql://u:Tr0ub4dor%26@h/db)', url);
    assert.ok(!text.includes('Tr0ub4dor'), text);
  });
});

describe('isLocalDatabase', () => {
  const local = [
    'sqlite:///app.db',
    'sqlite://',
    'postgresql://u:p@localhost/db',
    'postgresql://127.0.0.1/db',
    'postgresql://127.1.2.3:5433/db',
    'postgresql://[::1]/db',
    'postgresql://u@/db',
    'postgresql://u@/db?host=/var/run/postgresql',
    'mysql://u@LOCALHOST/db',
    'postgresql://app.localhost/db',
  ];
  const remote = [
    'postgresql://db.example.com/db',
    'postgresql://10.0.0.5/db',
    'postgresql://[2001:db8::1]/db',
    'mysql://128.0.0.1/db',
    'postgresql://localhost.example.com/db',
  ];
  for (const url of local) it(`local: ${url}`, () => assert.strictEqual(isLocalDatabase(url), true));
  for (const url of remote) it(`remote: ${url}`, () => assert.strictEqual(isLocalDatabase(url), false));
});

describe('describeDatabase', () => {
  it('says what and where, never the password', () => {
    assert.strictEqual(describeDatabase('sqlite:///app.db', '/proj'), 'SQLite app.db');
    assert.strictEqual(describeDatabase('sqlite:////var/lib/x.db', '/proj'), 'SQLite /var/lib/x.db');
    assert.strictEqual(describeDatabase('sqlite://'), 'SQLite in memory');
    assert.strictEqual(
      describeDatabase('postgresql+psycopg2://u:secret@db.example.com/mydb'),
      'PostgreSQL mydb on db.example.com',
    );
    assert.strictEqual(
      describeDatabase('postgresql://u:secret@db.example.com:5433/mydb'),
      'PostgreSQL mydb on db.example.com:5433',
    );
    assert.strictEqual(describeDatabase('mysql+pymysql://u:secret@127.0.0.1:3306/shop'), 'MySQL shop on 127.0.0.1');
    assert.strictEqual(describeDatabase('mariadb://u@[::1]:3307/shop'), 'MariaDB shop on [::1]:3307');
    assert.strictEqual(
      describeDatabase('postgresql://u@/app?host=/var/run/postgresql'),
      'PostgreSQL app on socket /var/run/postgresql',
    );
    assert.strictEqual(describeDatabase('mssql+pyodbc://u:p@sql.example.com/erp'), 'SQL Server erp on sql.example.com');
    assert.strictEqual(describeDatabase('driver://user:pass@localhost/dbname'), 'no database configured');
  });
});
