// Model discovery on real project layouts: models registered only through a package's imports.
import * as assert from 'node:assert';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { findModelFiles } from '../../src/core/models/modelFiles';
import { urlSourceForConfig } from '../../src/core/urlSource';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const DISPATCH = path.join(ROOT, 'test/fixtures/dispatch/src/dispatch');

describe('model discovery: a project laid out like Netflix/dispatch', () => {
  const config = loadConfig({ iniPath: path.join(DISPATCH, 'alembic.ini'), section: 'core' });
  const found = findModelFiles({ config });
  const rel = (file: string): string => path.relative(DISPATCH, file).split(path.sep).join('/');

  it("finds the feature models that the package's __init__ imports, following env.py's Base import", () => {
    assert.deepStrictEqual(config.problems, []);
    assert.deepStrictEqual(found.files.map((f) => rel(f.path)).sort(), [
      'incident/models.py',
      'organization/models.py',
      'project/models.py',
      'tag/models.py',
    ]);
    for (const file of found.files) assert.match(file.reason, /imported by __init__\.py \(line \d+\)/, file.reason);
  });

  it('reads their tables: declared_attr names in snake case, the schema, the mixin columns', () => {
    const tables = found.files.flatMap((f) => f.classes.map((c) => [c.name, c.schema ?? '', c.tableName ?? '?']));
    assert.deepStrictEqual(tables.sort(), [
      ['Incident', '', '?'],
      ['Organization', 'dispatch_core', '?'],
      ['Project', '', '?'],
      ['Tag', '', '?'],
      ['TagType', '', '?'],
    ]);
    const project = found.files.flatMap((f) => f.classes).find((c) => c.name === 'Project')!;
    assert.deepStrictEqual(project.columns.map((c) => c.name).sort(), [
      'created_at',
      'id',
      'name',
      'organization_id',
      'updated_at',
    ]);
    assert.deepStrictEqual(found.problems, []);
  });

  it("reads the database URL through the same imports: dispatch.config's DATABASE_URL and its default", () => {
    assert.deepStrictEqual(urlSourceForConfig(config), {
      kind: 'env',
      variable: 'DATABASE_URL',
      fallback: 'postgresql://dispatch@localhost/dispatch',
      where: {
        file: path.join(DISPATCH, 'config.py'),
        line: 3,
        expression: 'os.environ.get("DATABASE_URL", "postgresql://dispatch@localhost/dispatch")',
      },
    });
  });
});
