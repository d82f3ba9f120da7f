// Migration tests, the plain-Node parts: the helper's answer read line by line, the skip comments,
// the CLI's lines, how the helper is started, the choice of the scratch server, and the scratch URL.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCompose } from '../../src/core/compose';
import { parseDatabaseUrl } from '../../src/core/databaseUrl';
import {
  chooseScratchServer,
  formatFailure,
  formatSkip,
  helperLaunch,
  helperStdin,
  LineSplitter,
  parseHelperLine,
  readTestSkips,
  STDIN_BOOTSTRAP,
  serverKey,
  stairwayRevisions,
  summaryLine,
  testTarget,
  withDatabase,
} from '../../src/core/migrationTests';
import { parseChecks, parseCommand } from '../../src/core/migrationTests/testCommand';
import { loadProject } from '../../src/core/project';
import { tempDir, writeProject } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');

function parsed(url: string) {
  const result = parseDatabaseUrl(url);
  assert.ok(result.ok, url);
  return result.url;
}

describe('migration tests: the helper protocol', () => {
  it('reads results, with where they are, and ignores what is not its JSON', () => {
    const fields = { check: 'stairway', revision: 'abc', status: 'failed', message: 'boom', path: '/p/x.py', line: 12 };
    const line = JSON.stringify({ event: 'result', ...fields });
    assert.deepStrictEqual(parseHelperLine(line), { kind: 'result', result: fields });
    assert.strictEqual(parseHelperLine('INFO  [alembic.runtime.migration] Running upgrade'), undefined);
    assert.strictEqual(parseHelperLine('{not json'), undefined);
    assert.strictEqual(parseHelperLine(JSON.stringify({ event: 'begin', check: 'nonsense' })), undefined);
    assert.deepStrictEqual(parseHelperLine('{"event": "begin", "check": "models-match", "revision": null}'), {
      kind: 'begin',
      check: 'models-match',
      revision: null,
    });
  });

  it('reads a fatal answer, an unknown code as a plain error', () => {
    assert.deepStrictEqual(parseHelperLine('{"event": "fatal", "code": "refused", "message": "no"}'), {
      kind: 'fatal',
      fatal: { code: 'refused', message: 'no' },
    });
    assert.deepStrictEqual(parseHelperLine('{"event": "fatal", "code": "weird", "message": "x"}'), {
      kind: 'fatal',
      fatal: { code: 'error', message: 'x' },
    });
  });

  it('splits a stream into whole lines however it is chunked', () => {
    const splitter = new LineSplitter();
    assert.deepStrictEqual(splitter.push('{"a"'), []);
    assert.deepStrictEqual(splitter.push(': 1}\r\n{"b": 2}\n{"c"'), ['{"a": 1}', '{"b": 2}']);
    assert.deepStrictEqual(splitter.end(), ['{"c"']);
    assert.deepStrictEqual(splitter.end(), []);
  });
});

describe('migration tests: skip comments', () => {
  it('reads the check and the reason from comment lines only', () => {
    const text = [
      '"""msg"""',
      '# alembic-lens: test-skip stairway: data migration, cannot be undone',
      'x = "# alembic-lens: test-skip models-match: inside a string"',
      '    #alembic-lens:test-skip downgrade-to-base,single-head',
      '# alembic-lens: test-skip stairs: typo',
    ].join('\n');
    assert.deepStrictEqual(readTestSkips(text), {
      skips: [
        { check: 'stairway', reason: 'data migration, cannot be undone', line: 2 },
        { check: 'downgrade-to-base', reason: 'no reason given', line: 4 },
        { check: 'single-head', reason: 'no reason given', line: 4 },
      ],
      unknown: [{ name: 'stairs', line: 5 }],
    });
  });

  it('reads a skip comment at the end of a code line', () => {
    const text = [
      'def upgrade():',
      "    op.execute('UPDATE items SET n = 0')  # alembic-lens: test-skip stairway: data only",
    ];
    assert.deepStrictEqual(readTestSkips(text.join('\n')).skips, [{ check: 'stairway', reason: 'data only', line: 2 }]);
  });

  it('does not read the text of a docstring or a multi-line string as a skip', () => {
    const text = [
      '"""Add items.',
      '',
      '# alembic-lens: test-skip stairway: an example in the docstring',
      '"""',
      "SQL = '''",
      '  # alembic-lens: test-skip models-match: inside a string',
      "'''",
      'def downgrade():',
      '    """',
      '    # alembic-lens: test-skip downgrade-to-base: documented, not said',
      '    """',
    ].join('\n');
    assert.deepStrictEqual(readTestSkips(text), { skips: [], unknown: [] });
  });
});

describe('migration tests: output for CI', () => {
  it('writes a skip as a note with its reason', () => {
    const cwd = path.resolve('/work/app');
    const skip = {
      check: 'stairway' as const,
      revision: 'abc',
      status: 'skipped' as const,
      message: 'data only',
      path: path.join(cwd, 'alembic/versions/abc.py'),
      line: 3,
    };
    assert.strictEqual(formatSkip(skip, cwd), 'alembic/versions/abc.py:3: note: stairway abc skipped: data only');
    assert.strictEqual(
      formatSkip({ ...skip, revision: null, check: 'models-match', message: '', path: undefined }, cwd),
      '<project>:3: note: models-match skipped: no reason given',
    );
  });

  it('writes failures as a compiler does, relative to the working folder', () => {
    const cwd = path.resolve('/work/app');
    const failure = {
      check: 'stairway' as const,
      revision: 'abc',
      status: 'failed' as const,
      message: 'downgrade left table tags',
      path: path.join(cwd, 'alembic/versions/abc.py'),
      line: 27,
    };
    assert.strictEqual(
      formatFailure(failure, cwd),
      'alembic/versions/abc.py:27: error: stairway abc: downgrade left table tags',
    );
    assert.strictEqual(
      formatFailure({ ...failure, path: '/elsewhere/x.py', revision: null, check: 'models-match' }, cwd),
      '/elsewhere/x.py:27: error: models-match: downgrade left table tags',
    );
  });

  it("prefixes the summary so that it is never the test runner's line", () => {
    assert.strictEqual(summaryLine({ passed: 3, failed: 1, skipped: 0 }), 'alembic-lens test: 3 passed, 1 failed');
    assert.strictEqual(
      summaryLine({ passed: 3, failed: 0, skipped: 2 }),
      'alembic-lens test: 3 passed, 0 failed, 2 skipped',
    );
  });

  it('reads --check lists and names the unknown ones', () => {
    assert.deepStrictEqual(parseChecks(undefined), ['stairway', 'single-head', 'models-match', 'downgrade-to-base']);
    assert.deepStrictEqual(parseChecks('models-match, stairway'), ['models-match', 'stairway']);
    assert.match(parseChecks('stairway,stairs') as string, /unknown check 'stairs'/);
    assert.match(parseChecks('') as string, /unknown check/);
  });

  it('reads --command as words or as a JSON array, and says what it expects', () => {
    assert.strictEqual(parseCommand(undefined), undefined);
    assert.deepStrictEqual(parseCommand(' uv  run alembic '), ['uv', 'run', 'alembic']);
    assert.deepStrictEqual(parseCommand('["/opt/run in env", "alembic"]'), ['/opt/run in env', 'alembic']);
    for (const bad of ['', '[]', '[1]', '["uv", ""]', '[not json'])
      assert.match(parseCommand(bad) as string, /--command expects the command that runs Alembic/, bad);
  });
});

describe('migration tests: how the helper is started', () => {
  const helper = '/ext/media/python/alembic_lens_migtest.py';

  it('runs the helper with the Python of the command that runs Alembic', () => {
    assert.deepStrictEqual(helperLaunch(['uv', 'run', 'alembic'], helper, ['-c', 'alembic.ini']), [
      'uv',
      'run',
      'python',
      helper,
      '-c',
      'alembic.ini',
    ]);
    assert.deepStrictEqual(helperLaunch(['/venv/bin/python', '-m', 'alembic'], helper, []), [
      '/venv/bin/python',
      helper,
    ]);
    assert.deepStrictEqual(helperLaunch(['/venv/bin/alembic'], helper, []), ['/venv/bin/python', helper]);
  });

  it('says why a command that does not end in alembic, or a container whose mount is unknown, cannot run it', () => {
    assert.match(helperLaunch(['make', 'migrate'], helper, []) as string, /does not end in "alembic"/);
    assert.match(
      helperLaunch(['docker', 'compose', 'exec', '-T', 'backend', 'alembic'], helper, []) as string,
      /run in a container only when the folder it mounts is known/,
    );
  });

  it("runs the container's python with the bootstrap that reads the helper from stdin", () => {
    const docker = ['docker', 'compose', 'exec', '--workdir', '/app', '-T', 'backend', 'alembic'];
    assert.deepStrictEqual(helperLaunch(docker, helper, ['-c', '/app/alembic.ini'], true), [
      ...docker.slice(0, -1),
      'python',
      '-c',
      STDIN_BOOTSTRAP,
      '-c',
      '/app/alembic.ini',
    ]);
  });

  it('sends the helper, the modules it imports and the URL on stdin, ASCII only', () => {
    const real = path.join(ROOT, 'media', 'python', 'alembic_lens_migtest.py');
    const url = 'postgresql://u:p\u00e4ss@db:5432/alembic_lens_test_0a1b2c3d';
    const text = helperStdin(real, { ALEMBIC_LENS_TEST_URL: url });
    assert.match(text, /^[\x00-\x7f]*$/);
    const [bootstrap, payload, rest] = text.split('\n');
    assert.strictEqual(rest, '');
    assert.strictEqual(
      JSON.parse(bootstrap),
      fs.readFileSync(path.join(ROOT, 'media/python/alembic_lens_stdin.py'), 'utf8'),
    );
    const parsedPayload = JSON.parse(payload) as {
      env: Record<string, string>;
      modules: Record<string, string>;
      main: string;
    };
    assert.deepStrictEqual(parsedPayload.env, { ALEMBIC_LENS_TEST_URL: url });
    assert.strictEqual(parsedPayload.main, 'alembic_lens_migtest');
    // The helper and what it imports (followed through imports), not the other helpers next to it.
    assert.deepStrictEqual(Object.keys(parsedPayload.modules).sort(), [
      'alembic_lens_drift',
      'alembic_lens_migtest',
      'alembic_lens_schema',
    ]);
    assert.strictEqual(parsedPayload.modules.alembic_lens_migtest, fs.readFileSync(real, 'utf8'));
  });
});

describe('migration tests in a Compose service: command and URLs (the full-stack-fastapi-template files)', () => {
  const root = path.join(ROOT, 'test/fixtures/compose/fastapi-template');
  const folder = path.join(root, 'backend');
  const files = ['compose.yml', 'compose.override.yml'].map((name) => ({
    file: path.join(root, name),
    text: fs.readFileSync(path.join(root, name), 'utf8'),
  }));
  const parsedCompose = parseCompose(files);
  assert.ok(parsedCompose.ok);
  const compose = parsedCompose.project;
  const command = ['docker', 'compose', 'exec', '-T', 'backend', 'alembic'];
  const url = 'postgresql+psycopg://postgres:changethis@db:5432/app';

  it('creates the scratch database through the published port, and gives the container the URL it reaches', () => {
    const target = testTarget({ alembicCommand: command, folder, compose, projectUrl: url });
    assert.deepStrictEqual(target, {
      alembicCommand: ['docker', 'compose', 'exec', '--workdir', '/app/backend', '-T', 'backend', 'alembic'],
      container: {
        mapping: { service: 'backend', hostRoot: folder, containerRoot: '/app/backend' },
        serverUrl: url,
      },
      explicitUrl: undefined,
      projectUrl: 'postgresql+psycopg://postgres:changethis@127.0.0.1:5432/app',
    });
    const explicit = testTarget({ alembicCommand: command, folder, compose, explicitUrl: url, projectUrl: 'x' });
    assert.ok(typeof explicit !== 'string');
    assert.strictEqual(explicit.explicitUrl, 'postgresql+psycopg://postgres:changethis@127.0.0.1:5432/app');
    assert.strictEqual(explicit.projectUrl, 'x');
  });

  it('keeps a URL that names no Compose service (SQLite, a server outside), and leaves local commands alone', () => {
    const sqlite = testTarget({ alembicCommand: command, folder, compose, projectUrl: 'sqlite:///app.db' });
    assert.ok(typeof sqlite !== 'string');
    assert.deepStrictEqual(sqlite.container, {
      mapping: { service: 'backend', hostRoot: folder, containerRoot: '/app/backend' },
    });
    assert.strictEqual(sqlite.projectUrl, 'sqlite:///app.db');
    const local = ['uv', 'run', 'alembic'];
    assert.deepStrictEqual(testTarget({ alembicCommand: local, folder, compose, projectUrl: url }), {
      alembicCommand: local,
      explicitUrl: undefined,
      projectUrl: url,
    });
  });

  it('says why when the service mounts no project folder, no Compose file is found, or the database port is not published', () => {
    const worker = ['docker', 'compose', 'exec', '-T', 'prestart', 'alembic'];
    assert.match(
      testTarget({ alembicCommand: worker, folder, compose, projectUrl: url }) as string,
      /the Compose service "prestart" .* only when a Compose file declares that service with a volume that mounts .*backend: compose\.yml has none\./,
    );
    assert.match(
      testTarget({ alembicCommand: command, folder, projectUrl: url }) as string,
      /no Compose file was found\./,
    );
    const unpublished = parseCompose([{ file: path.join(root, 'compose.yml'), text: files[0].text }]);
    assert.ok(unpublished.ok);
    const withoutPorts = {
      ...unpublished.project,
      services: [
        ...compose.services.filter((s) => s.name === 'backend'),
        ...unpublished.project.services.filter((s) => s.name !== 'backend'),
      ],
    };
    assert.match(
      testTarget({ alembicCommand: command, folder, compose: withoutPorts, projectUrl: url }) as string,
      /only reachable inside Compose \(the Compose service "db" publishes no port for 5432\): publish its port, or name a server/,
    );
  });
});

describe('migration tests: the scratch server', () => {
  const cwd = '/work/app';

  it("uses the project's server when it is local, SQLite included", () => {
    const local = chooseScratchServer({ projectUrl: 'postgresql://u:pw@localhost:5433/app', cwd });
    assert.ok(local.ok && local.base.host === 'localhost' && !local.explicit);
    const sqlite = chooseScratchServer({ projectUrl: 'sqlite:///app.db', cwd });
    assert.ok(sqlite.ok && sqlite.base.kind === 'sqlite');
  });

  it('refuses a server on another machine unless it is named, and never shows the password', () => {
    const remote = chooseScratchServer({
      projectUrl: 'postgresql://u:hunter2@db.example.com/app',
      explicitName: 'the setting alembic.test.databaseUrl',
      cwd,
    });
    assert.ok(!remote.ok);
    assert.match(
      remote.message,
      /another machine \(PostgreSQL app on db\.example\.com\).*the setting alembic\.test\.databaseUrl/,
    );
    assert.ok(!remote.message.includes('hunter2'));
    const named = chooseScratchServer({
      explicitUrl: 'postgresql://u:hunter2@db.example.com/app',
      projectUrl: 'sqlite:///app.db',
      cwd,
    });
    assert.ok(named.ok && named.explicit && named.base.host === 'db.example.com');
  });

  it("says why when the project's URL is unknown, a placeholder or another database", () => {
    const unknown = chooseScratchServer({ projectUnresolved: 'env.py computes the URL', cwd });
    assert.ok(!unknown.ok && /env\.py computes the URL.*--url/.test(unknown.message));
    const placeholder = chooseScratchServer({ projectUrl: 'driver://user:pass@localhost/dbname', cwd });
    assert.ok(!placeholder.ok && /placeholder/.test(placeholder.message));
    const oracle = chooseScratchServer({ projectUrl: 'oracle://u:p@localhost/x', cwd });
    assert.ok(!oracle.ok && /not on oracle/.test(oracle.message));
  });

  it('keys servers without users or secrets, for one confirmation per server', () => {
    assert.strictEqual(serverKey(parsed('postgresql://a:secret@127.0.0.1:5433/app')), 'postgresql://127.0.0.1:5433');
    assert.strictEqual(serverKey(parsed('postgresql://b:other@127.0.0.1:5433/other')), 'postgresql://127.0.0.1:5433');
  });

  it('names the scratch database in the URL, keeping credentials, host, port and query', () => {
    assert.strictEqual(
      withDatabase(
        parsed('postgresql+psycopg2://u%40x:p%40ss%3Aw%2Frd@127.0.0.1:5433/app?sslmode=require'),
        'alembic_lens_test_1',
      ),
      'postgresql+psycopg2://u%40x:p%40ss%3Aw%2Frd@127.0.0.1:5433/alembic_lens_test_1?sslmode=require',
    );
    assert.strictEqual(withDatabase(parsed('mysql+pymysql://root@[::1]/shop'), 's'), 'mysql+pymysql://root@[::1]/s');
    assert.strictEqual(
      withDatabase(parsed('postgresql://u@/app?host=/var/run/postgresql'), 's'),
      'postgresql://u@/s?host=%2Fvar%2Frun%2Fpostgresql',
    );
  });
});

describe('migration tests: which stairways run', () => {
  it('follows upgrade order and the range given', () => {
    const dir = tempDir();
    writeProject(dir, [
      { id: 'c3', down: 'b2' },
      { id: 'a1', down: null },
      { id: 'b2', down: 'a1' },
    ]);
    const project = loadProject(path.join(dir, 'alembic.ini'));
    assert.deepStrictEqual(
      stairwayRevisions(project).map((r) => r.id),
      ['a1', 'b2', 'c3'],
    );
    assert.deepStrictEqual(
      stairwayRevisions(project, 'b2:').map((r) => r.id),
      ['b2', 'c3'],
    );
    assert.deepStrictEqual(
      stairwayRevisions(project, undefined, ['c3', 'a1']).map((r) => r.id),
      ['a1', 'c3'],
    );
    assert.throws(() => stairwayRevisions(project, 'b2'), /bad range 'b2'/);
  });
});
