// The temporary ini of the teams actions (core/teams/temporaryConfig.ts) for projects configured in
// pyproject.toml: its text, and what the config reader (config.ts, Alembic's rules) reads back from it,
// compared with what it reads from the project. Alembic itself runs it in test/alembic/branchSwitch.test.ts.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { GitRepository } from '../../src/core/git/gitRepository';
import { loadProject } from '../../src/core/project';
import { prepareTemporaryConfig, type TemporaryConfig } from '../../src/core/teams/temporaryConfig';
import { git } from '../support/gitRepo';
import { tempDir } from '../support/tempProject';

/** A git repository holding `files`, with `dirs` made. */
function repository(files: Record<string, string>, dirs: string[]): string {
  const root = tempDir();
  git(root, 'init', '-q');
  for (const dir of dirs) fs.mkdirSync(path.join(root, dir), { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
  return root;
}

async function prepared(
  root: string,
  configFile: string,
  run: (t: TemporaryConfig, text: string) => void,
): Promise<void> {
  const project = loadProject(path.join(root, configFile));
  assert.deepStrictEqual(project.config.problems, []);
  const temporary = await prepareTemporaryConfig(project, await GitRepository.open(root), []);
  try {
    run(temporary, fs.readFileSync(temporary.configFile, 'utf8'));
  } finally {
    temporary.cleanup();
  }
}

const TOML = `[project]
name = "app"

[tool.alembic]
script_location = "%(here)s/migrations"
version_locations = ["%(here)s/migrations/versions", "%(here)s/more:versions", "%(here)s/third"]
# Alembic reads path_separator from an ini only: the toml's lists need none.
path_separator = ":"
prepend_sys_path = [".", "%(here)s/src"]
sourceless = true
truncate_slug_length = 40
file_template = "%%(rev)s_%%(slug)s"
"sqlalchemy.url" = "sqlite:///%(here)s/app.db?x=50%%"

[[tool.alembic.post_write_hooks]]
name = "ruff"
type = "exec"
executable = "%(here)s/.venv/bin/ruff"
options = "format REVISION_SCRIPT_FILENAME"
`;

describe('the temporary ini of a project configured in pyproject.toml', () => {
  it('pyproject.toml only: the toml keys, %(here)s kept, the version folders split by a separator none contains', async () => {
    const root = repository({ 'pyproject.toml': TOML }, ['migrations/versions', 'more:versions', 'third', 'src']);
    await prepared(root, 'pyproject.toml', (temporary, text) => {
      const section = (name: string): string => text.split(`[${name}]\n`)[1].split('\n[')[0];
      assert.strictEqual(section('DEFAULT').trim(), `here = ${root}`);
      // `os` (':') is in "more:versions": the next separator Alembic takes is ';'.
      const versions = path.join(temporary.folder, 'versions');
      const locations = [`${root}/migrations/versions`, `${root}/more:versions`, `${root}/third`, versions];
      assert.deepStrictEqual(section('alembic').trim().split('\n'), [
        `version_locations = ${locations.join(';')}`,
        'version_path_separator = ;',
        'path_separator = ;',
        'prepend_sys_path = .;%(here)s/src',
        'script_location = %(here)s/migrations',
        'sourceless = true',
        'truncate_slug_length = 40',
        'file_template = %%(rev)s_%%(slug)s',
        'sqlalchemy.url = sqlite:///%(here)s/app.db?x=50%%',
      ]);
      assert.deepStrictEqual(section('post_write_hooks').trim().split('\n'), [
        'hooks = ruff',
        'ruff.type = exec',
        'ruff.executable = %(here)s/.venv/bin/ruff',
        'ruff.options = format REVISION_SCRIPT_FILENAME',
      ]);
      // env.py's fileConfig(config.config_file_name) needs these sections.
      assert.match(text, /^\[loggers\]\nkeys = root\n/m);
      assert.match(text, /^\[formatters\]\nkeys =\n/m);

      const project = loadConfig({ tomlPath: path.join(root, 'pyproject.toml') });
      const copy = loadConfig({ iniPath: temporary.configFile });
      assert.deepStrictEqual(copy.problems, []);
      assert.strictEqual(copy.scriptLocation, project.scriptLocation);
      assert.deepStrictEqual(copy.versionLocations, [...project.versionLocations, versions]);
      assert.strictEqual(copy.sourceless, true);
      for (const key of ['file_template', 'sqlalchemy.url', 'truncate_slug_length']) {
        assert.strictEqual(copy.option(key), key === 'truncate_slug_length' ? '40' : project.option(key), key);
      }
      assert.strictEqual(copy.option('sqlalchemy.url'), `sqlite:///${root}/app.db?x=50%`);
      assert.deepStrictEqual(copy.option('prepend_sys_path')?.split(';'), ['.', `${root}/src`]);
    });
  });

  it('alembic.ini and pyproject.toml: the ini wins key by key, keeps its sections and its path_separator', async () => {
    const ini = [
      '[alembic]',
      'sqlalchemy.url = sqlite:///%(here)s/ini.db',
      'path_separator = newline',
      'sourceless = false',
      '',
      '[post_write_hooks]',
      'hooks =',
      '',
      '[loggers]',
      'keys = root',
      '',
    ].join('\n');
    const root = repository({ 'pyproject.toml': TOML, 'alembic.ini': ini }, [
      'migrations/versions',
      'more:versions',
      'third',
    ]);
    await prepared(root, 'alembic.ini', (temporary, text) => {
      const versions = path.join(temporary.folder, 'versions');
      assert.match(
        text,
        new RegExp(
          `^\\[alembic\\]\\nversion_locations = ${root}/migrations/versions\\n  ${root}/more:versions\\n  ` +
            `${root}/third\\n  ${versions}\\nversion_path_separator = newline\\n` +
            'prepend_sys_path = .\\n  %\\(here\\)s/src\\nscript_location = %\\(here\\)s/migrations\\n',
          'm',
        ),
      );
      assert.match(
        text,
        /^sqlalchemy\.url = sqlite:\/\/\/%\(here\)s\/ini\.db\npath_separator = newline\nsourceless = false$/m,
      );
      assert.strictEqual(text.match(/^path_separator/gm)?.length, 1, text);
      assert.match(text, /^truncate_slug_length = 40$/m);
      assert.doesNotMatch(text, /sourceless = true|ruff/);
      assert.match(text, /^\[loggers\]\nkeys = root$/m);
      const copy = loadConfig({ iniPath: temporary.configFile });
      assert.deepStrictEqual(copy.problems, []);
      assert.deepStrictEqual(copy.versionLocations, [
        ...loadConfig({ iniPath: path.join(root, 'alembic.ini'), tomlPath: path.join(root, 'pyproject.toml') })
          .versionLocations,
        versions,
      ]);
      assert.strictEqual(copy.option('sqlalchemy.url'), `sqlite:///${root}/ini.db`);
      assert.strictEqual(copy.sourceless, false);
    });
  });

  it('an alembic.ini without the [alembic] section: the section is added', async () => {
    const root = repository({ 'pyproject.toml': TOML, 'alembic.ini': '[loggers]\nkeys = root\n' }, [
      'migrations/versions',
      'more:versions',
      'third',
    ]);
    await prepared(root, 'alembic.ini', (temporary) => {
      const copy = loadConfig({ iniPath: temporary.configFile });
      assert.deepStrictEqual(copy.problems, []);
      assert.strictEqual(copy.scriptLocation, path.join(root, 'migrations'));
      assert.strictEqual(copy.versionLocations.at(-1), path.join(temporary.folder, 'versions'));
    });
  });
});
