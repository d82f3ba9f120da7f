import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { iniProjectSections, loadConfig } from '../../src/core/config';
import { tempDir } from '../support/tempProject';

function project(files: Record<string, string>, dirs: string[] = []): string {
  const root = tempDir();
  for (const dir of dirs) fs.mkdirSync(path.join(root, dir), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('loadConfig', () => {
  it('resolves a relative script_location against the base dir and defaults versions/', () => {
    const root = project({ 'alembic.ini': '[alembic]\nscript_location = migrations\n' }, ['migrations/versions']);
    const config = loadConfig({ iniPath: path.join(root, 'alembic.ini') });
    assert.strictEqual(config.scriptLocation, path.join(root, 'migrations'));
    assert.deepStrictEqual(config.versionLocations, [path.join(root, 'migrations', 'versions')]);
    assert.deepStrictEqual(config.problems, []);
  });

  it('resolves %(here)s, absolute paths, and the package:path form', () => {
    const root = project(
      { 'alembic.ini': '[alembic]\nscript_location = myapp.db:migrations\nversion_locations = %(here)s/extra\n' },
      ['myapp/db/migrations', 'extra'],
    );
    const config = loadConfig({ iniPath: path.join(root, 'alembic.ini') });
    assert.strictEqual(config.scriptLocation, path.join(root, 'myapp', 'db', 'migrations'));
    assert.deepStrictEqual(config.versionLocations, [path.join(root, 'extra')]);
  });

  it('finds the package of package:path above the config when the ini lives inside that package', () => {
    const root = project(
      { 'src/app/__init__.py': '', 'src/app/alembic.ini': '[core]\nscript_location = app:db/revisions/core\n' },
      ['src/app/db/revisions/core/versions'],
    );
    const config = loadConfig({ iniPath: path.join(root, 'src', 'app', 'alembic.ini'), section: 'core' });
    assert.strictEqual(config.scriptLocation, path.join(root, 'src', 'app', 'db', 'revisions', 'core'));
    assert.deepStrictEqual(config.problems, []);
  });

  it('splits version_locations by path_separator, the deprecated version_path_separator, or the legacy space/comma rule', () => {
    const dirs = ['alembic/versions', 'a b', 'c'];
    const cases: Array<[string, string[]]> = [
      ['version_locations = %(here)s/a b;%(here)s/c\npath_separator = ;\n', ['a b', 'c']],
      ['version_locations = %(here)s/a b:%(here)s/c\nversion_path_separator = :\n', ['a b', 'c']],
      ['version_locations = %(here)s/c, %(here)s/alembic/versions\n', ['c', 'alembic/versions']],
      ['version_locations = %(here)s/c %(here)s/alembic/versions\n', ['c', 'alembic/versions']],
    ];
    for (const [options, expected] of cases) {
      const root = project({ 'alembic.ini': `[alembic]\nscript_location = alembic\n${options}` }, dirs);
      const config = loadConfig({ iniPath: path.join(root, 'alembic.ini') });
      assert.deepStrictEqual(
        config.versionLocations,
        expected.map((d) => path.join(root, d)),
        options,
      );
    }
  });

  it('reports an invalid separator', () => {
    const root = project(
      { 'alembic.ini': '[alembic]\nscript_location = alembic\nversion_locations = a\npath_separator = comma\n' },
      ['alembic'],
    );
    const config = loadConfig({ iniPath: path.join(root, 'alembic.ini') });
    assert.ok(config.problems.some((p) => p.code === 'bad-separator' && p.line === 4));
  });

  it('reads [tool.alembic] from pyproject.toml, the ini winning key by key', () => {
    const toml =
      '[tool.alembic]\nscript_location = "%(here)s/from_toml"\nversion_locations = ["%(here)s/v1", "%(here)s/v2"]\nrecursive_version_locations = true\n';
    const root = project({ 'pyproject.toml': toml, 'alembic.ini': '[alembic]\nscript_location = from_ini\n' }, [
      'from_ini',
      'from_toml',
      'v1',
      'v2',
    ]);
    const both = loadConfig({ iniPath: path.join(root, 'alembic.ini'), tomlPath: path.join(root, 'pyproject.toml') });
    assert.strictEqual(both.scriptLocation, path.join(root, 'from_ini'));
    assert.deepStrictEqual(both.versionLocations, [path.join(root, 'v1'), path.join(root, 'v2')]);
    assert.strictEqual(both.recursiveVersionLocations, true);
    const tomlOnly = loadConfig({ tomlPath: path.join(root, 'pyproject.toml') });
    assert.strictEqual(tomlOnly.scriptLocation, path.join(root, 'from_toml'));
  });

  it("splits the ini's version_locations by the ini's separator only: pyproject.toml's path_separator splits nothing", () => {
    const root = project(
      {
        'alembic.ini': '[alembic]\nscript_location = alembic\nversion_locations = %(here)s/a;b %(here)s/c\n',
        'pyproject.toml': '[tool.alembic]\npath_separator = ";"\n',
      },
      ['alembic', 'a;b', 'c'],
    );
    const config = loadConfig({ iniPath: path.join(root, 'alembic.ini'), tomlPath: path.join(root, 'pyproject.toml') });
    // Alembic 1.16 to 1.19 read it with get_main_option: no ini separator, the legacy space/comma split.
    assert.deepStrictEqual(config.versionLocations, [path.join(root, 'a;b'), path.join(root, 'c')]);
  });

  it('reports invalid TOML with its line, and a non-boolean flag', () => {
    const root = project({ 'pyproject.toml': '[tool.alembic]\nscript_location = "x"\nversion_locations = [\n' });
    const config = loadConfig({ tomlPath: path.join(root, 'pyproject.toml') });
    assert.ok(
      config.problems.some((p) => p.code === 'toml-syntax' && p.line >= 3),
      JSON.stringify(config.problems),
    );
    const root2 = project({ 'pyproject.toml': '[tool.alembic]\nscript_location = "x"\nsourceless = "true"\n' }, [
      'x/versions',
    ]);
    assert.ok(
      loadConfig({ tomlPath: path.join(root2, 'pyproject.toml') }).problems.some((p) => p.code === 'toml-value'),
    );
  });

  it('uses a named section (-n) and reports a missing one or a missing script_location', () => {
    const root = project(
      { 'alembic.ini': '[alembic]\nscript_location = a\n[other]\nscript_location = b\n[empty]\nx = 1\n' },
      ['a/versions', 'b/versions'],
    );
    const ini = path.join(root, 'alembic.ini');
    assert.strictEqual(loadConfig({ iniPath: ini, section: 'other' }).scriptLocation, path.join(root, 'b'));
    assert.ok(loadConfig({ iniPath: ini, section: 'missing' }).problems.some((p) => p.code === 'no-section'));
    assert.ok(loadConfig({ iniPath: ini, section: 'empty' }).problems.some((p) => p.code === 'no-script-location'));
  });

  it("reads Flask-Migrate's layout (alembic.ini beside env.py, no script_location) as `flask db` does, with a warning", () => {
    // Flask-Migrate's template ini: an [alembic] section with comments only.
    const ini = '# A generic, single database configuration.\n\n[alembic]\n# file_template = %%(rev)s_%%(slug)s\n';
    const root = project({ 'migrations/alembic.ini': ini, 'migrations/env.py': '' }, ['migrations/versions']);
    const config = loadConfig({ iniPath: path.join(root, 'migrations', 'alembic.ini') });
    assert.strictEqual(config.scriptLocation, path.join(root, 'migrations'));
    assert.deepStrictEqual(config.versionLocations, [path.join(root, 'migrations', 'versions')]);
    assert.deepStrictEqual(
      config.problems.map((p) => [p.severity, p.code]),
      [['warning', 'flask-migrate']],
    );
    assert.match(config.problems[0].message, /flask db/);
    // Without env.py beside it, it is what plain Alembic says.
    fs.rmSync(path.join(root, 'migrations', 'env.py'));
    const plain = loadConfig({ iniPath: path.join(root, 'migrations', 'alembic.ini') });
    assert.deepStrictEqual(
      plain.problems.map((p) => [p.severity, p.code, p.message]),
      [['error', 'no-script-location', "No 'script_location' key found in configuration."]],
    );
  });

  it("reports a script_location folder that does not exist once, in Alembic's words (a template's placeholder)", () => {
    const root = project({ 'alembic.ini': '[alembic]\nscript_location = {alembic_dir}\n' });
    const config = loadConfig({ iniPath: path.join(root, 'alembic.ini') });
    assert.deepStrictEqual(
      config.problems.map((p) => [p.code, p.line, p.message]),
      [
        [
          'missing-script-location',
          2,
          `Path doesn't exist: {alembic_dir}.  Please use the 'init' command to create a new scripts folder. (script_location is ${path.join(root, '{alembic_dir}')}.)`,
        ],
      ],
      'no second problem for its versions folder, and no word of inline comments where there is none',
    );
    const commented = project({ 'alembic.ini': '[alembic]\nscript_location = migrations ; the scripts\n' }, [
      'migrations',
    ]);
    const [found] = loadConfig({ iniPath: path.join(commented, 'alembic.ini') }).problems;
    assert.match(found.message, /^Path doesn't exist: migrations ; the scripts\. .* no inline comments/);
  });

  it('warns about a version location that does not exist', () => {
    const root = project(
      {
        'alembic.ini':
          '[alembic]\nscript_location = alembic\nversion_locations = %(here)s/nowhere\npath_separator = os\n',
      },
      ['alembic'],
    );
    const config = loadConfig({ iniPath: path.join(root, 'alembic.ini') });
    assert.ok(config.problems.some((p) => p.code === 'missing-version-location' && p.line === 3));
  });

  it('lists the projects of a multi-section ini, the default section first', () => {
    assert.deepStrictEqual(
      iniProjectSections(
        '[db2]\nscript_location = b\n[alembic]\nscript_location = a\n[loggers]\nkeys = root\n',
        'x.ini',
      ),
      ['alembic', 'db2'],
    );
    assert.deepStrictEqual(iniProjectSections('not an ini', 'x.ini'), ['alembic']);
  });
});

describe('loadConfig on a hostile alembic.ini', () => {
  it('reports an interpolation that grows ten-fold per level at the line of the key, and goes on', () => {
    const lines = ['[alembic]', `a0 = ${'x'.repeat(1000)}`];
    for (let level = 1; level <= 9; level++) lines.push(`a${level} = ${`%(a${level - 1})s`.repeat(10)}`);
    lines.push('script_location = migrations', 'sqlalchemy.url = %(a9)s');
    const root = project({ 'alembic.ini': lines.join('\n') }, ['migrations/versions']);
    const config = loadConfig({ iniPath: path.join(root, 'alembic.ini') });
    assert.strictEqual(config.scriptLocation, path.join(root, 'migrations'));
    assert.strictEqual(config.option('sqlalchemy.url'), undefined);
    assert.strictEqual(config.option('sqlalchemy.url'), undefined);
    const problems = config.problems.filter((p) => p.code === 'ini-interpolation');
    assert.strictEqual(problems.length, 1, 'reported once however often it is read');
    assert.strictEqual(problems[0].line, 13);
    assert.match(problems[0].message, /sqlalchemy\.url.*more than 4 MiB/);
  });
});

describe('loadConfig: what is there but is not what Alembic needs', () => {
  it('a non-string script_location in pyproject.toml says so, not that the key is missing', () => {
    for (const [value, what] of [
      ['42', 'a number'],
      ['["a", "b"]', 'a list'],
    ]) {
      const dir = tempDir('alembic-lens-toml-');
      fs.writeFileSync(path.join(dir, 'pyproject.toml'), `[tool.alembic]\nscript_location = ${value}\n`);
      const config = loadConfig({ tomlPath: path.join(dir, 'pyproject.toml') });
      assert.deepStrictEqual(
        config.problems.map((p) => p.message),
        [`'script_location' in [tool.alembic] is ${what}, not a string: Alembic needs the path of the scripts folder.`],
      );
    }
  });

  it('a version location that is a file, or a link to itself, is named as such', () => {
    const dir = tempDir('alembic-lens-notdir-');
    fs.mkdirSync(path.join(dir, 'mig'));
    fs.writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/mig\n');
    fs.writeFileSync(path.join(dir, 'mig', 'versions'), 'not a folder');
    const messages = () => loadConfig({ iniPath: path.join(dir, 'alembic.ini') }).problems.map((p) => p.message);
    assert.match(messages()[0], /versions is a file, not a folder: current Alembic reads no revision from it/);
    fs.rmSync(path.join(dir, 'mig', 'versions'));
    fs.symlinkSync(path.join(dir, 'mig', 'versions'), path.join(dir, 'mig', 'versions'));
    assert.match(messages()[0], /versions is a symbolic link that leads back to itself/);
    fs.rmSync(path.join(dir, 'mig', 'versions'));
    assert.match(messages()[0], /versions does not exist/);
  });
});
