// How Alembic runs (setting alembic.command): the Python "in the same environment" for the helpers, the
// suggestion from a project's files, and Compose: path mapping both ways and the database host seen from
// the host. The Compose files are excerpts of real projects' files (test/fixtures/compose).
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type ComposeProject,
  containerPathsToHost,
  parseCompose,
  readComposeProject,
  serviceMountingFolder,
  toContainerPath,
  toHostPath,
} from '../../src/core/compose';
import {
  composeServiceOf,
  containerCommand,
  hostReachableUrl,
  pythonCommandFor,
  pythonScriptLaunch,
  suggestRunMode,
} from '../../src/core/runMode';
import { generatedFile } from '../../src/core/terminalOutput';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/compose');

function compose(folder: string, names: string[], env: Record<string, string> = {}): ComposeProject {
  const files = names.map((name) => ({
    file: path.join(FIXTURES, folder, name),
    text: fs.readFileSync(path.join(FIXTURES, folder, name), 'utf8'),
  }));
  const parsed = parseCompose(files, env);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.project;
}

describe('runMode: Python in the same environment as Alembic', () => {
  it('replaces the trailing alembic of a wrapper by python', () => {
    assert.deepStrictEqual(pythonCommandFor(['uv', 'run', 'alembic']), ['uv', 'run', 'python']);
    assert.deepStrictEqual(pythonCommandFor(['poetry', 'run', 'alembic']), ['poetry', 'run', 'python']);
    assert.deepStrictEqual(pythonCommandFor(['pdm', 'run', 'alembic']), ['pdm', 'run', 'python']);
    assert.deepStrictEqual(pythonCommandFor(['docker', 'compose', 'exec', '-T', 'backend', 'alembic']), [
      'docker',
      'compose',
      'exec',
      '-T',
      'backend',
      'python',
    ]);
  });

  it('uses the interpreter of `-m alembic` and the python next to a venv alembic', () => {
    assert.deepStrictEqual(pythonCommandFor(['/p/.venv/bin/python', '-m', 'alembic']), ['/p/.venv/bin/python']);
    assert.deepStrictEqual(pythonCommandFor(['/p/.venv/bin/alembic']), ['/p/.venv/bin/python']);
    assert.deepStrictEqual(pythonCommandFor(['alembic']), ['python']);
  });

  it('has no answer for a command that does not end in alembic', () => {
    assert.strictEqual(pythonCommandFor(['./scripts/migrate.sh']), undefined);
    assert.strictEqual(pythonScriptLaunch(['make', 'migrate'], '/ext/helper.py', []), undefined);
  });

  it('runs a helper script by path locally, and from stdin in a container', () => {
    assert.deepStrictEqual(pythonScriptLaunch(['uv', 'run', 'alembic'], '/ext/drift.py', ['-c', 'alembic.ini']), {
      argv: ['uv', 'run', 'python', '/ext/drift.py', '-c', 'alembic.ini'],
    });
    const docker = ['docker', 'compose', 'exec', '-T', 'backend', 'alembic'];
    assert.deepStrictEqual(pythonScriptLaunch(docker, '/ext/drift.py', ['-c', '/app/alembic.ini']), {
      argv: ['docker', 'compose', 'exec', '-T', 'backend', 'python', '-', '-c', '/app/alembic.ini'],
      stdinFile: '/ext/drift.py',
    });
    const mapping = { service: 'backend', hostRoot: '/home/u/proj/backend', containerRoot: '/app' };
    assert.deepStrictEqual(pythonScriptLaunch(docker, '/home/u/proj/backend/tools/check.py', [], mapping), {
      argv: ['docker', 'compose', 'exec', '-T', 'backend', 'python', '/app/tools/check.py'],
    });
  });
});

describe('runMode: suggestion from the project files', () => {
  const folders = ['/w/backend', '/w'];
  const suggest = (present: string[], composeProjects: ComposeProject[] = []) =>
    suggestRunMode({ folder: '/w/backend', folders, exists: (f) => present.includes(f), compose: composeProjects });

  it('suggests uv, Poetry and PDM from their lock files, nearest folder first', () => {
    assert.deepStrictEqual(suggest(['/w/uv.lock'])?.command, ['uv', 'run', 'alembic']);
    assert.deepStrictEqual(suggest(['/w/backend/poetry.lock'])?.command, ['poetry', 'run', 'alembic']);
    assert.deepStrictEqual(suggest(['/w/pdm.lock'])?.command, ['pdm', 'run', 'alembic']);
    assert.deepStrictEqual(suggest(['/w/uv.lock', '/w/backend/poetry.lock'])?.command, ['poetry', 'run', 'alembic']);
    assert.strictEqual(suggest(['/w/backend/poetry.lock'])?.reason, 'poetry.lock in the project folder');
    assert.strictEqual(suggest(['/w/requirements.txt']), undefined);
  });

  it('suggests docker compose exec for the service that mounts the project (full-stack-fastapi-template)', () => {
    const template = compose('fastapi-template', ['compose.yml', 'compose.override.yml']);
    const backend = path.join(FIXTURES, 'fastapi-template', 'backend');
    const suggestion = suggestRunMode({ folder: backend, folders: [backend], exists: () => true, compose: [template] });
    assert.deepStrictEqual(suggestion?.command, ['docker', 'compose', 'exec', '-T', 'backend', 'alembic']);
    assert.match(suggestion?.reason ?? '', /"backend" mounts this folder at \/app\/backend/);
  });

  it('suggests nothing from Compose when no service mounts the project folder', () => {
    const baseOnly = compose('fastapi-template', ['compose.yml']);
    const backend = path.join(FIXTURES, 'fastapi-template', 'backend');
    const files = { folder: backend, folders: [backend], exists: () => false, compose: [baseOnly] };
    const suggestion = suggestRunMode(files);
    assert.strictEqual(suggestion, undefined);
  });
});

describe('compose: real Compose files', () => {
  it('merges the override file and reads develop.watch sync and bind mounts', () => {
    const template = compose('fastapi-template', ['compose.yml', 'compose.override.yml']);
    const backend = template.services.find((s) => s.name === 'backend');
    const root = path.join(FIXTURES, 'fastapi-template');
    assert.deepStrictEqual(backend?.mounts, [
      { source: path.join(root, 'backend/htmlcov'), target: '/app/backend/htmlcov', kind: 'bind' },
      { source: path.join(root, 'backend'), target: '/app/backend', kind: 'sync' },
    ]);
    assert.deepStrictEqual(backend?.ports, [{ target: 8000, published: 8000 }]);
    assert.deepStrictEqual(template.services.find((s) => s.name === 'db')?.ports, [{ target: 5432, published: 5432 }]);
  });

  it("reads `${PWD}` in a mount as the folder docker compose runs from, not this process's own PWD", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-pwd-'));
    try {
      const backend = path.join(dir, 'backend');
      fs.mkdirSync(backend);
      fs.writeFileSync(
        path.join(backend, 'docker-compose.yml'),
        'services:\n  api:\n    image: python\n    volumes:\n      - ${PWD}:/srv/app\n',
      );
      const parsed = readComposeProject(backend, dir, { PWD: '/somewhere/else' });
      assert.ok(parsed?.ok, JSON.stringify(parsed));
      assert.deepStrictEqual(serviceMountingFolder(parsed.project, backend), {
        service: 'api',
        hostRoot: backend,
        containerRoot: '/srv/app',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps paths both ways for the 2020 template (./backend/app:/app)', () => {
    const project = compose('fastapi-template-2020', ['docker-compose.override.yml']);
    const host = path.join(FIXTURES, 'fastapi-template-2020', 'backend', 'app');
    const mapping = serviceMountingFolder(project, host);
    assert.deepStrictEqual(mapping, { service: 'api', hostRoot: host, containerRoot: '/app' });
    assert.strictEqual(toContainerPath(mapping!, path.join(host, 'alembic.ini')), '/app/alembic.ini');
    assert.strictEqual(toHostPath(mapping!, '/app/alembic/versions/x.py'), path.join(host, 'alembic/versions/x.py'));
    assert.strictEqual(toHostPath(mapping!, '/usr/lib/python3/x.py'), '/usr/lib/python3/x.py');
    assert.strictEqual(toContainerPath(mapping!, '/etc/hosts'), '/etc/hosts');
  });

  it('resolves a revision file Alembic generated in the container on the host', () => {
    const mapping = { service: 'backend', hostRoot: '/home/u/proj/backend', containerRoot: '/app' };
    const output = '  Generating /app/alembic/versions/1a2b_add_users.py ...  done\r\n';
    const onHost = '/home/u/proj/backend/alembic/versions/1a2b_add_users.py';
    const found = generatedFile(
      output,
      '/app',
      (f) => f === onHost,
      (p) => toHostPath(mapping, p),
    );
    assert.strictEqual(found, onHost);
    assert.strictEqual(
      containerPathsToHost(
        mapping,
        'FAILED: Can\'t locate revision in "/app/alembic/versions", see /app/alembic.ini:3',
      ),
      'FAILED: Can\'t locate revision in "/home/u/proj/backend/alembic/versions", see /home/u/proj/backend/alembic.ini:3',
    );
    assert.strictEqual(containerPathsToHost(mapping, 'see /application/x'), 'see /application/x');
  });

  it('interpolates variables as Compose does', () => {
    const parsed = parseCompose(
      [
        {
          file: '/w/compose.yaml',
          text: [
            'services:',
            '  db:',
            '    ports: ["${DB_PORT:-5433}:5432", "127.0.0.1:${ADMIN_PORT}:80"]',
            '  app:',
            '    volumes: ["${SRC-./src}:/srv/app:ro", "data:/data", {type: bind, source: ./cfg, target: /cfg}]',
          ].join('\n'),
        },
      ],
      { ADMIN_PORT: '9090' },
    );
    assert.ok(parsed.ok);
    const db = parsed.project.services[0];
    assert.deepStrictEqual(db.ports, [
      { target: 5432, published: 5433 },
      { target: 80, published: 9090, hostIp: '127.0.0.1' },
    ]);
    assert.deepStrictEqual(
      parsed.project.services[1].mounts.map((m) => [m.source, m.target]),
      [
        ['/w/src', '/srv/app'],
        ['/w/cfg', '/cfg'],
      ],
    );
  });

  it('says where a Compose file is not valid YAML', () => {
    const parsed = parseCompose([{ file: '/w/compose.yaml', text: 'services:\n  db:\n    ports: [5432\n  app: {}\n' }]);
    assert.ok(!parsed.ok);
    assert.match(parsed.error, /^\/w\/compose\.yaml:\d+: not valid YAML/);
  });
});

describe('runMode: containers', () => {
  const mapping = { service: 'backend', hostRoot: '/home/u/proj/backend', containerRoot: '/app' };

  it('runs Alembic in the project folder inside the container', () => {
    const command = ['docker', 'compose', 'exec', '-T', 'backend', 'alembic'];
    assert.deepStrictEqual(containerCommand(command, mapping, '/home/u/proj/backend/sub'), [
      'docker',
      'compose',
      'exec',
      '--workdir',
      '/app/sub',
      '-T',
      'backend',
      'alembic',
    ]);
    const given = ['docker', 'compose', 'exec', '-w', '/srv', 'backend', 'alembic'];
    assert.deepStrictEqual(containerCommand(given, mapping, '/home/u/proj/backend'), given);
    assert.strictEqual(composeServiceOf(command), 'backend');
    assert.strictEqual(composeServiceOf(['uv', 'run', 'alembic']), undefined);
  });

  it('reads a Compose-hosted database through its published port (full-stack-fastapi-template)', () => {
    const template = compose('fastapi-template', ['compose.yml', 'compose.override.yml']);
    const reach = hostReachableUrl('postgresql+psycopg://postgres:s3cret@db:5432/app', template);
    assert.strictEqual(reach.kind, 'published');
    assert.strictEqual(
      reach.kind === 'published' && reach.url,
      'postgresql+psycopg://postgres:s3cret@127.0.0.1:5432/app',
    );
    assert.match(reach.kind === 'published' ? reach.note : '', /port 5432, published by the Compose service "db"/);
    const defaultPort = hostReachableUrl('postgresql://u@db/app?sslmode=disable', template);
    assert.strictEqual(
      defaultPort.kind === 'published' && defaultPort.url,
      'postgresql://u@127.0.0.1:5432/app?sslmode=disable',
    );
  });

  it('says when the database service publishes no port, and leaves other hosts alone', () => {
    const baseOnly = compose('fastapi-template', ['compose.yml']);
    assert.strictEqual(hostReachableUrl('postgresql://u:p@db:5432/app', baseOnly).kind, 'unpublished');
    assert.strictEqual(hostReachableUrl('postgresql://u:p@localhost:5432/app', baseOnly).kind, 'not-a-service');
    assert.strictEqual(hostReachableUrl('sqlite:///app.db', baseOnly).kind, 'not-a-service');
  });

  it('uses the published port of a remapped, address-bound port', () => {
    const parsed = parseCompose([
      { file: '/w/compose.yaml', text: 'services:\n  pg:\n    ports: ["127.0.0.1:15432:5432"]\n' },
    ]);
    assert.ok(parsed.ok);
    const reach = hostReachableUrl('postgresql://u:p@pg/app', parsed.project);
    assert.strictEqual(reach.kind === 'published' && reach.url, 'postgresql://u:p@127.0.0.1:15432/app');
  });
});
