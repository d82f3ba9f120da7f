// The migration tests' scratch database on a PostgreSQL server, from the Test Explorer of a real VS Code:
// the first run on a server asks once (a modal naming the server, never the password), a second run on
// the same server does not ask, and a declined confirmation runs nothing. The server is the throwaway
// cluster scripts/vscode-test.sh starts (ALEMBIC_LENS_TEST_PG_URL); its databases are listed with psycopg2.
import * as assert from 'node:assert';
import type { AlembicLensApi } from '../../src/testApi/testApi';
import { activatedApi } from './helpers';
import {
  ALEMBIC_PYTHON,
  describeShown,
  FIRST,
  prompts,
  python,
  restoreSettings,
  saveSettings,
  setAlembicSetting,
  testPostgresServer,
  withDialogs,
} from './loopHelpers';

const CONFIRM = 'Create and Run';

describe('migration tests on a PostgreSQL server: confirmed once per server', function () {
  this.timeout(90000);
  let api: AlembicLensApi;
  let url: string;
  let password: string;
  let port: string;
  let saved: Record<string, unknown>;

  /** The scratch databases on the server now. */
  function scratchDatabases(): string[] {
    const listed = python(
      [
        '-c',
        'import os, psycopg2\nc = psycopg2.connect(os.environ["LENS_TEST_URL"])\ncur = c.cursor()\n' +
          'cur.execute("SELECT datname FROM pg_database WHERE datname LIKE \'alembic_lens_test_%\'")\n' +
          'print("\\n".join(r[0] for r in cur.fetchall()))',
      ],
      { env: { LENS_TEST_URL: url } },
    );
    return listed.split('\n').filter(Boolean);
  }

  function assertNoPassword(text: string): void {
    for (const secret of new Set([password, encodeURIComponent(password)]))
      assert.ok(!text.includes(secret), `the password appears in: ${text}`);
  }

  before(async function () {
    this.timeout(60000);
    let host: string;
    ({ url, password, host, port } = testPostgresServer());
    assert.strictEqual(host, '127.0.0.1', 'the test server is named by its address');
    api = await activatedApi<AlembicLensApi>();
    saved = saveSettings('pythonPath', 'test.databaseUrl');
    await setAlembicSetting('pythonPath', ALEMBIC_PYTHON);
  });

  after(async () => restoreSettings(saved));

  /** Runs the first revision's stairway, answering the confirmation with `answer` (undefined: closed). */
  async function runFirstStairway(answer: string | undefined) {
    return withDialogs({ warning: () => answer }, () => api.migrationTests.run([`stairway:${FIRST}`]));
  }

  it('asks on the first run on a server, naming it without the password, then runs there', async () => {
    await setAlembicSetting('test.databaseUrl', url);
    const { result, shown } = await runFirstStairway(CONFIRM);
    const asked = prompts(shown);
    assert.strictEqual(asked.length, 1, describeShown(shown));
    assert.strictEqual(asked[0].modal, true, 'a modal dialog');
    assert.match(asked[0].message, new RegExp(`PostgreSQL on 127\\.0\\.0\\.1:${port}`));
    assert.deepStrictEqual(asked[0].items, [CONFIRM]);
    assertNoPassword(JSON.stringify(shown));
    assert.deepStrictEqual(
      result.outcomes.map((o) => [o.id, o.status]),
      [[`stairway:${FIRST}`, 'passed']],
      JSON.stringify(result.outcomes),
    );
    assert.match(
      result.database ?? '',
      new RegExp(`^PostgreSQL alembic_lens_test_[0-9a-f]{8} on 127\\.0\\.0\\.1:${port}$`),
    );
    assert.deepStrictEqual(scratchDatabases(), [], 'the scratch database was dropped');
  });

  it('does not ask again on the same server', async () => {
    await setAlembicSetting('test.databaseUrl', url);
    const { result, shown } = await runFirstStairway(undefined);
    assert.deepStrictEqual(prompts(shown), [], describeShown(shown));
    assert.deepStrictEqual(
      result.outcomes.map((o) => o.status),
      ['passed'],
    );
  });

  it('runs nothing when the confirmation for another server is declined', async () => {
    // The same cluster named `localhost`: another server as far as the confirmation knows.
    await setAlembicSetting('test.databaseUrl', url.replace('@127.0.0.1:', '@localhost:'));
    const seen: string[] = [];
    const { result, shown } = await withDialogs(
      {
        warning: () => {
          seen.push(...scratchDatabases());
          return undefined;
        },
      },
      () => api.migrationTests.run([`stairway:${FIRST}`]),
    );
    const asked = prompts(shown);
    assert.strictEqual(asked.length, 1, describeShown(shown));
    assert.match(asked[0].message, new RegExp(`PostgreSQL on localhost:${port}`));
    assert.deepStrictEqual(
      result.outcomes.map((o) => [o.status, o.message]),
      [['errored', 'Not run: the scratch database was not confirmed.']],
    );
    assert.strictEqual(result.database, undefined, 'no scratch database was made');
    assert.deepStrictEqual([...seen, ...scratchDatabases()], []);
  });
});
