// The database status under Compose, in core: readProjectDatabase reads the URL env.py uses through the
// URL this machine reaches (hostUrl, from the Compose file's published port) and says so in its source,
// or leaves it to `alembic current` when the service publishes no port.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { parseCompose } from '../../src/core/compose';
import { loadConfig } from '../../src/core/config';
import { readProjectDatabase } from '../../src/core/projectDatabase';
import { hostReachableUrl } from '../../src/core/runMode';

describe('projectDatabase: a Compose-hosted database', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-compose-db-'));
    fs.writeFileSync(
      path.join(dir, 'alembic.ini'),
      '[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://app:s3cret@db:5432/app\n',
    );
    const db = new Database(path.join(dir, 'host.db'));
    db.exec(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL); INSERT INTO alembic_version VALUES ('abc123')",
    );
    db.close();
    // env.py uses the ini's URL, as the template's does.
    fs.mkdirSync(path.join(dir, 'alembic'));
    fs.writeFileSync(
      path.join(dir, 'alembic', 'env.py'),
      'from alembic import context\nconfig = context.config\nurl = config.get_main_option("sqlalchemy.url")\n',
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const input = () => ({
    config: loadConfig({ iniPath: path.join(dir, 'alembic.ini') }),
    processEnv: {},
    overrideLabel: 'setting',
  });

  it('reads through the URL the host reaches, and the source says so', async () => {
    let asked: string | undefined;
    const hostUrl = (url: string) => {
      asked = url;
      return { url: `sqlite:///${path.join(dir, 'host.db')}`, note: 'read from the host through port 5432' };
    };
    const read = await readProjectDatabase({ ...input(), hostUrl });
    assert.strictEqual(asked, 'postgresql://app:s3cret@db:5432/app');
    assert.deepStrictEqual(read.result, { status: 'ok', revisions: ['abc123'] });
    assert.strictEqual(read.source, 'alembic.ini, read from the host through port 5432');
  });

  it('leaves it to alembic current when the service publishes no port', async () => {
    const text = 'services:\n  db:\n    image: postgres\n';
    const compose = parseCompose([{ file: path.join(dir, 'compose.yaml'), text }]);
    assert.ok(compose.ok);
    const hostUrl = (url: string) => {
      const reach = hostReachableUrl(url, compose.project);
      return reach.kind === 'unpublished' ? { askAlembic: reach.note } : undefined;
    };
    const read = await readProjectDatabase({ ...input(), hostUrl });
    const message = 'the Compose service "db" publishes no port for 5432';
    assert.deepStrictEqual(read.result, { status: 'unresolved', message });
  });
});
