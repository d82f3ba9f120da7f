// The alembic.ini "Create alembic.ini for a Scripts Folder..." writes, read by the real Alembic: a scripts
// folder inside the application's package (warehouse/migrations), its config built in code until now.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadProject } from '../../src/core';
import { configFolderFor, configForScripts } from '../../src/core/initWiring';
import { alembicHeads, mustAlembic, revision } from '../support/alembicGit';
import { tempDir } from '../support/tempProject';

describe('an alembic.ini written for a scripts folder the application configures in code', function () {
  this.timeout(60000);

  it('is one the real Alembic runs, from the folder it is in, and reads as the same history', () => {
    const checkout = tempDir('alembic-lens-scripts-');
    fs.mkdirSync(path.join(checkout, 'warehouse'));
    fs.writeFileSync(path.join(checkout, 'warehouse', '__init__.py'), '');
    // The scripts folder as `alembic init` makes it; the application would have built its Config in code.
    // A `%` in its name: the ini must double it for configparser.
    mustAlembic(path.join(checkout, 'warehouse'), 'init', 'mig%rations');
    fs.rmSync(path.join(checkout, 'warehouse', 'alembic.ini'));
    const scripts = path.join(checkout, 'warehouse', 'mig%rations');

    const folder = configFolderFor(scripts, checkout, (file) => fs.existsSync(file));
    assert.strictEqual(folder, checkout, 'above the package warehouse');
    const ini = configForScripts(scripts, folder);
    assert.ok(ini);
    fs.writeFileSync(path.join(folder, 'alembic.ini'), ini);

    const first = revision(folder, 'first');
    const second = revision(folder, 'second');
    assert.ok(fs.readdirSync(path.join(scripts, 'versions')).some((f) => f.startsWith(second)));
    assert.deepStrictEqual(alembicHeads(folder), [second]);
    const project = loadProject(path.join(folder, 'alembic.ini'));
    assert.deepStrictEqual(project.problems, []);
    assert.deepStrictEqual(project.graph.heads, [second]);
    assert.strictEqual(project.graph.get(second)?.down[0], first);
  });
});
