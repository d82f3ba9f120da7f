// Projects whose revision variables come from the project's own constants, in the style of OpenStack's
// neutron and glance (`branch_labels = (cli.CONTRACT_BRANCH,)`): for the unit tests of the reader and
// the differential tests against Alembic, which load them alike.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A revision file whose `down_revision`, `branch_labels` and `depends_on` are Python expressions as written. */
export function constantsRevision(id: string, down: string, head: string[], labels = 'None', depends = 'None'): string {
  return [
    `"""${id}\n\nRevision ID: ${id}\nCreate Date: 2024-01-01 00:00:00.000000\n"""`,
    ...head,
    `revision = '${id}'`,
    `down_revision = ${down}`,
    `branch_labels = ${labels}`,
    `depends_on = ${depends}`,
    '',
    '',
    'def upgrade():',
    '    pass',
    '',
    '',
    'def downgrade():',
    '    pass',
    '',
  ].join('\n');
}

/**
 * In `dir`: a1 <- e1 (expand) <- e2, a1 <- c1 (contract) <- c2, every label and some parents read from
 * `app/migration/__init__.py`, imported from the project's root (prepend_sys_path = .).
 */
export function writeExpandContractProject(dir: string): { ini: string; versions: string; constants: string } {
  const versions = path.join(dir, 'alembic', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  fs.mkdirSync(path.join(dir, 'app', 'migration'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'app', '__init__.py'), '');
  const constants = path.join(dir, 'app', 'migration', '__init__.py');
  fs.writeFileSync(
    constants,
    "EXPAND_BRANCH = 'expand'\nCONTRACT_BRANCH = 'contract'\nBRANCHES = (EXPAND_BRANCH, CONTRACT_BRANCH)\n",
  );
  // neutron's cli module re-exports the package's names.
  fs.writeFileSync(
    path.join(dir, 'app', 'migration', 'cli.py'),
    'from . import CONTRACT_BRANCH as CONTRACT\nfrom app.migration import EXPAND_BRANCH\n\n\ndef main():\n    pass\n',
  );
  const ini = path.join(dir, 'alembic.ini');
  fs.writeFileSync(
    ini,
    '[alembic]\nscript_location = alembic\nprepend_sys_path = .\nsqlalchemy.url = sqlite:///app.db\n',
  );
  fs.writeFileSync(path.join(dir, 'alembic', 'script.py.mako'), '');
  const write = (name: string, text: string): void => fs.writeFileSync(path.join(versions, name), text);
  write('a1_base.py', constantsRevision('a1', 'None', []));
  write(
    'e1_expand.py',
    constantsRevision('e1', "'a1'", ['from app.migration import EXPAND_BRANCH'], '(EXPAND_BRANCH,)'),
  );
  write('c1_contract.py', constantsRevision('c1', "'a1'", ['import app.migration as m'], '(m.CONTRACT_BRANCH,)'));
  write(
    'e2_expand.py',
    constantsRevision(
      'e2',
      "'e1'",
      ['from app.migration import cli', 'from alembic import op'],
      'None',
      "(cli.EXPAND_BRANCH, 'c1')",
    ),
  );
  // `import app.migration.cli` makes `app.migration.cli` an attribute chain; DOWN is the file's own name.
  write(
    'c2_contract.py',
    constantsRevision(
      'c2',
      'DOWN',
      ['import app.migration.cli', "DOWN = 'c1'"],
      'None',
      '[app.migration.cli.CONTRACT]',
    ),
  );
  return { ini, versions, constants };
}

/**
 * In `dir`: neutron's layout, the ini inside the package (`neutron/db/migration/alembic.ini`) and the labels
 * from `neutron/db/migration/cli.py` (`cliText`), imported from the checkout's root. Returns the ini.
 */
export function writeNeutronLayout(dir: string, cliText: string): string {
  const migration = path.join(dir, 'neutron', 'db', 'migration');
  const versions = path.join(migration, 'alembic_migrations', 'versions');
  fs.mkdirSync(versions, { recursive: true });
  for (const pkg of ['neutron', 'neutron/db', 'neutron/db/migration'])
    fs.writeFileSync(path.join(dir, pkg, '__init__.py'), '');
  fs.writeFileSync(path.join(migration, 'cli.py'), cliText);
  const ini = path.join(migration, 'alembic.ini');
  fs.writeFileSync(
    ini,
    '[alembic]\nscript_location = %(here)s/alembic_migrations\nsqlalchemy.url = sqlite:///app.db\n',
  );
  fs.writeFileSync(path.join(migration, 'alembic_migrations', 'script.py.mako'), '');
  const head = ['from neutron.db import migration', 'from neutron.db.migration import cli'];
  fs.writeFileSync(path.join(versions, 'a1.py'), constantsRevision('a1', 'None', []));
  fs.writeFileSync(path.join(versions, 'e1.py'), constantsRevision('e1', "'a1'", head, '(cli.EXPAND_BRANCH,)'));
  fs.writeFileSync(path.join(versions, 'c1.py'), constantsRevision('c1', "'a1'", head, '(cli.CONTRACT_BRANCH,)'));
  return ini;
}
