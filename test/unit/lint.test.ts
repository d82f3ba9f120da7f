import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import {
  LINT_RULES,
  type LintOptions,
  lintEnvPy,
  lintProject,
  lintRevision,
  misspeltRules,
  parseSeveritySetting,
  pythonComments,
  type RuleSeverity,
} from '../../src/core/lint';
import { normalizeType } from '../../src/core/lint/revisionRules';
import type { Problem } from '../../src/core/problems';
import { loadProject } from '../../src/core/project';
import { FIRST_UPGRADE_LINE, type RevisionSpec, revisionText, tempDir, writeProject } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');

const made: string[] = [];
after(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A revision file whose upgrade() and downgrade() have the given lines; upgrade() starts on line 19. */
function revision(
  upgrade: string[],
  downgrade: string[] = ['pass'],
  message = 'change things',
  down: string | string[] = 'a0',
): string {
  return revisionText({ id: 'b1', down, message, upgrade, downgrade });
}

const FIRST = FIRST_UPGRADE_LINE;
/** Two branches labelled by design, expand one revision longer. */
const EXPAND_CONTRACT: RevisionSpec[] = [
  { id: 'a0' },
  { id: 'e1', down: 'a0', labels: 'expand' },
  { id: 'c1', down: 'a0', labels: 'contract' },
  { id: 'e2', down: 'e1' },
];

function lint(
  upgrade: string[],
  downgrade: string[] = ['op.execute("SELECT 1")'],
  options: LintOptions = {},
  message?: string,
): Problem[] {
  return lintRevision(revision(upgrade, downgrade, message), '/p/versions/b1.py', options);
}

const codes = (problems: Problem[]): string[] => problems.map((p) => `${p.line} ${p.code}`);

describe('lintRevision: risky operations in upgrade()', () => {
  it('drop-table and drop-column, at the line of the call, with the why and the safe pattern', () => {
    const problems = lint([
      'op.drop_table("users")',
      'with op.batch_alter_table("orders") as batch_op:',
      '    batch_op.drop_column("note")',
      'op.drop_column("items", "price", schema="shop")',
    ]);
    assert.deepStrictEqual(codes(problems), [
      `${FIRST} drop-table`,
      `${FIRST + 2} drop-column`,
      `${FIRST + 3} drop-column`,
    ]);
    assert.match(problems[0].message, /op\.drop_table\("users"\)|op\.drop_table\('users'\)/);
    assert.match(problems[0].message, /Safe pattern:/);
    assert.match(problems[1].message, /orders\.note/);
    assert.ok(problems.every((p) => p.severity === 'warning' && p.path === '/p/versions/b1.py'));
  });

  it('never in downgrade(), nor in other functions, strings or comments', () => {
    const text = [
      '"""drop stuff"""',
      'from alembic import op',
      "revision = 'b1'",
      "down_revision = 'a0'",
      '',
      'def helper():',
      '    op.drop_table("in_helper")',
      '',
      'def upgrade():',
      '    # op.drop_table("in_comment")',
      "    note = \"op.drop_column('users', 'x')\"",
      '    op.execute("DROP TABLE is text, not an op")',
      '',
      'def downgrade():',
      '    op.drop_table("users")',
      '    op.drop_column("users", "email")',
    ].join('\n');
    assert.deepStrictEqual(lintRevision(text, '/p/x.py'), []);
  });

  it('alter-column-type; not for existing_type= alone', () => {
    const problems = lint([
      "op.alter_column('users', 'email',",
      '           existing_type=sa.VARCHAR(length=255),',
      '           type_=sa.String(length=100))',
      "op.alter_column('users', 'name', existing_type=sa.VARCHAR(length=100), comment='x')",
    ]);
    assert.deepStrictEqual(codes(problems), [`${FIRST} alter-column-type`]);
    assert.match(problems[0].message, /users\.email to sa\.String\(length=100\)/);
  });

  it('alter-column-not-null, unless a backfill runs first or the table is new', () => {
    assert.deepStrictEqual(
      codes(lint(["op.alter_column('users', 'email', existing_type=sa.VARCHAR(), nullable=False)"])),
      [`${FIRST} alter-column-not-null`],
    );
    assert.deepStrictEqual(
      codes(lint(['with op.batch_alter_table("users") as b:', '    b.alter_column("email", nullable=False)'])),
      [`${FIRST + 1} alter-column-not-null`],
    );
    assert.deepStrictEqual(
      lint([
        'op.execute("UPDATE users SET email = \'\' WHERE email IS NULL")',
        "op.alter_column('users', 'email', nullable=False)",
      ]),
      [],
    );
    assert.deepStrictEqual(lint(["op.alter_column('users', 'email', nullable=True)"]), []);
    assert.deepStrictEqual(
      lint([
        'op.create_table("users", sa.Column("email", sa.String()))',
        "op.alter_column('users', 'email', nullable=False)",
      ]),
      [],
    );
  });

  it('add-column-not-null-without-default; not with server_default, nullable, a primary key or a new table', () => {
    const problems = lint([
      "op.add_column('users', sa.Column('age', sa.BigInteger(), nullable=False))",
      "op.add_column('users', sa.Column('score', sa.Integer(), nullable=False, default=0))",
      "op.add_column('users', sa.Column('flag', sa.Boolean(), nullable=False, server_default=sa.false()))",
      "op.add_column('users', sa.Column('bio', sa.Text(), nullable=True))",
      "op.add_column('users', sa.Column('nick', sa.Text()))",
      "op.create_table('tags', sa.Column('id', sa.Integer(), nullable=False))",
      "op.add_column('tags', sa.Column('name', sa.String(), nullable=False))",
      "op.add_column('users', sa.Column('none_default', sa.String(), nullable=False, server_default=None))",
    ]);
    assert.deepStrictEqual(codes(problems), [
      `${FIRST} add-column-not-null-without-default`,
      `${FIRST + 1} add-column-not-null-without-default`,
      `${FIRST + 7} add-column-not-null-without-default`,
    ]);
    assert.match(problems[1].message, /default= does not help/);
    assert.doesNotMatch(problems[0].message, /default= does not help/);
  });

  it('create-index-not-concurrently: PostgreSQL (or unknown), not with postgresql_concurrently=True, not on a new table', () => {
    const upgrade = [
      "op.create_index(op.f('ix_users_email'), 'users', ['email'], unique=False)",
      'with op.get_context().autocommit_block():',
      "    op.create_index('ix_users_name', 'users', ['name'], postgresql_concurrently=True)",
      "op.create_table('tags', sa.Column('id', sa.Integer()))",
      "op.create_index('ix_tags_id', 'tags', ['id'])",
    ];
    assert.deepStrictEqual(codes(lint(upgrade, undefined, { dialect: 'postgresql' })), [
      `${FIRST} create-index-not-concurrently`,
    ]);
    assert.deepStrictEqual(lint(upgrade, undefined, { dialect: 'sqlite' }), []);
    const unknown = lint(upgrade);
    assert.deepStrictEqual(
      codes(unknown),
      [`${FIRST} create-index-not-concurrently`],
      'unknown dialect: still advised',
    );
    assert.match(unknown[0].message, /^On PostgreSQL: /);
  });

  it("rename-as-drop-add on autogenerate's output (the dropped type comes from downgrade(), reflected)", () => {
    const problems = lint(
      [
        "op.add_column('users', sa.Column('full_name', sa.String(length=100), nullable=True))",
        "op.drop_column('users', 'name')",
        "op.add_column('users', sa.Column('age', sa.Integer(), nullable=True))",
      ],
      [
        "op.add_column('users', sa.Column('name', sa.VARCHAR(length=100), nullable=True))",
        "op.drop_column('users', 'age')",
        "op.drop_column('users', 'full_name')",
      ],
    );
    assert.deepStrictEqual(codes(problems), [`${FIRST} rename-as-drop-add`]);
    assert.match(problems[0].message, /op\.alter_column\('users', 'name', new_column_name='full_name'\)/);
    // Another type, another table: no rename.
    assert.deepStrictEqual(
      codes(
        lint(
          [
            "op.add_column('users', sa.Column('full_name', sa.Text(), nullable=True))",
            "op.drop_column('users', 'name')",
          ],
          ["op.add_column('users', sa.Column('name', sa.VARCHAR(length=100), nullable=True))"],
        ),
      ),
      [`${FIRST + 1} drop-column`],
    );
    assert.deepStrictEqual(
      codes(
        lint(
          ["op.add_column('people', sa.Column('full_name', sa.String(length=100)))", "op.drop_column('users', 'name')"],
          ["op.add_column('users', sa.Column('name', sa.VARCHAR(length=100)))"],
        ),
      ),
      [`${FIRST + 1} drop-column`],
    );
    assert.strictEqual(normalizeType('sa.String(length=100)'), normalizeType('sa.VARCHAR(length=100)'));
    assert.strictEqual(normalizeType('sa.Integer()'), normalizeType('sa.INTEGER()'));
    assert.notStrictEqual(normalizeType('sa.Integer()'), normalizeType('sa.BigInteger()'));
  });
});

describe('lintRevision: empty functions', () => {
  it('empty-downgrade when downgrade() is pass and upgrade() is not; not when it raises', () => {
    const problems = lint(["op.add_column('users', sa.Column('bio', sa.Text()))"], ['pass']);
    assert.deepStrictEqual(codes(problems), [`${FIRST + 4} empty-downgrade`]);
    assert.deepStrictEqual(
      lint(["op.add_column('users', sa.Column('bio', sa.Text()))"], ['raise NotImplementedError("one way")']),
      [],
    );
    assert.deepStrictEqual(lint(['pass'], ['pass'], {}, 'initial'), []);
  });

  it('empty-autogenerate when upgrade() is only pass (comments, docstring) and the message announces a change', () => {
    const empty = [
      '# ### commands auto generated by Alembic - please adjust! ###',
      'pass',
      '# ### end Alembic commands ###',
    ];
    const problems = lint(empty, ['pass'], {}, 'add email column to users');
    assert.deepStrictEqual(codes(problems), [`${FIRST + 1} empty-autogenerate`]);
    assert.match(problems[0].message, /"add email column to users"/);
    assert.deepStrictEqual(lint(empty, ['pass'], {}, 'empty message'), []);
    // `alembic revision -m "..."` without --autogenerate: a bare pass, to be written by hand.
    assert.deepStrictEqual(lint(['pass'], ['pass'], {}, 'add email column to users'), [], 'not autogenerated');
    assert.deepStrictEqual(lint(['"""Nothing yet."""', 'pass'], ['pass'], {}, 'placeholder for later'), []);
    const merge = revision(['pass'], ['pass'], 'merge add_email and create_orders', ['a0', 'a1']);
    assert.deepStrictEqual(lintRevision(merge, '/p/m.py'), [], 'a merge revision is empty by design');
  });
});

describe('suppressions and severities', () => {
  it('# alembic-lens: ignore[rule] on the same line or alone on the line above; bare ignore; ignore-file', () => {
    assert.deepStrictEqual(lint(['op.drop_table("users")  # alembic-lens: ignore[drop-table]']), []);
    assert.deepStrictEqual(lint(['# alembic-lens: ignore[drop-table, drop-column]', 'op.drop_table("users")']), []);
    assert.deepStrictEqual(lint(['op.drop_table("users")  # alembic-lens: ignore']), []);
    assert.deepStrictEqual(
      codes(lint(['op.drop_table("users")  # alembic-lens: ignore[drop-column]'])),
      [`${FIRST} drop-table`],
      'another rule',
    );
    // A trailing comment on the previous statement is about that statement.
    assert.deepStrictEqual(
      codes(
        lint(['op.drop_column("a", "b")  # alembic-lens: ignore[drop-table, drop-column]', 'op.drop_table("users")']),
      ),
      [`${FIRST + 1} drop-table`],
    );
    assert.deepStrictEqual(
      codes(lint(['# alembic-lens: ignore[drop-table]', '', 'op.drop_table("users")'])),
      [`${FIRST + 2} drop-table`],
      'only the line right above',
    );
    const fileWide = revision(
      ['op.drop_table("users")', 'op.drop_table("orders")'],
      ['op.execute("SELECT 1")'],
    ).replace('import sqlalchemy as sa', 'import sqlalchemy as sa  # alembic-lens: ignore-file[drop-table]');
    assert.deepStrictEqual(lintRevision(fileWide, '/p/x.py'), []);
    const all = revision(['op.drop_table("users")', 'op.drop_column("a", "b")'], ['pass']).replace(
      '"""change things',
      '"""change things\n# not a comment: inside the docstring alembic-lens: ignore-file',
    );
    assert.deepStrictEqual(codes(lintRevision(all, '/p/x.py')).length, 3, 'text in a docstring is no comment');
    const allFile = `# alembic-lens: ignore-file\n${revision(['op.drop_table("users")'], ['pass'])}`;
    assert.deepStrictEqual(lintRevision(allFile, '/p/x.py'), []);
  });

  it('a rule name no rule has (a typo) is a problem at its comment, with the rule it likely meant', () => {
    const typo = lint(['op.drop_table("users")  # alembic-lens: ignore[drop-tabel]']);
    assert.deepStrictEqual(codes(typo), [`${FIRST} drop-table`, `${FIRST} unknown-ignore-rule`]);
    assert.match(typo[1].message, /ignore\[drop-tabel\]` names 'drop-tabel', which is no alembic-lens rule/);
    assert.match(typo[1].message, /Did you mean 'drop-table'\?/);
    assert.strictEqual(typo[1].severity, 'warning');
    const fileWide = lint(['# alembic-lens: ignore-file[drop-table, no-such-thing-at-all]', 'op.drop_table("users")']);
    assert.deepStrictEqual(codes(fileWide), [`${FIRST} unknown-ignore-rule`], 'the known rule still silences');
    assert.doesNotMatch(fileWide[0].message, /Did you mean/, 'nothing near enough to suggest');
    // Bare ignore and real rule names are no problem; the problem obeys severities and comments like any rule.
    assert.deepStrictEqual(lint(['op.drop_table("users")  # alembic-lens: ignore']), []);
    assert.deepStrictEqual(lint(['op.drop_table("users")  # alembic-lens: ignore[drop-table]']), []);
    const line = ['op.drop_table("users")  # alembic-lens: ignore[drop-tabel]'];
    assert.deepStrictEqual(codes(lint(line, undefined, { severities: { 'unknown-ignore-rule': 'off' } })), [
      `${FIRST} drop-table`,
    ]);
  });

  it('misspeltRules: where each misspelt name of a line is, and the rule it meant', () => {
    const line =
      'x = 1  # alembic-lens: ignore[ drop-tabel,drop-column, zzz ]  # alembic-lens:ignore-file[emty-downgrade]';
    assert.deepStrictEqual(
      misspeltRules(line).map(({ start, end, rule, meant }) => [line.slice(start, end), rule, meant]),
      [
        ['drop-tabel', 'drop-tabel', 'drop-table'],
        ['emty-downgrade', 'emty-downgrade', 'empty-downgrade'],
      ],
    );
  });

  it('a directive inside a string is not a comment', () => {
    assert.deepStrictEqual(codes(lint(['op.drop_table("users # alembic-lens: ignore")'])), [`${FIRST} drop-table`]);
    assert.deepStrictEqual(
      pythonComments('x = "a # b"  # real\ns = """\n# no\n"""\ny = \'it\\\'s # no\'  # yes\n').map((c) => [
        c.line,
        c.text.trim(),
      ]),
      [
        [1, 'real'],
        [5, 'yes'],
      ],
    );
  });

  it('severities: a rule can be raised, lowered or turned off', () => {
    const upgrade = ['op.drop_table("users")', 'op.drop_column("a", "b")'];
    const problems = lint(upgrade, undefined, { severities: { 'drop-table': 'error', 'drop-column': 'off' } });
    assert.deepStrictEqual(
      problems.map((p) => [p.code, p.severity]),
      [['drop-table', 'error']],
    );
    const levels: Record<string, RuleSeverity> = {};
    assert.strictEqual(parseSeveritySetting('drop-table=info', levels), undefined);
    assert.strictEqual(parseSeveritySetting('all=off', levels), undefined);
    assert.strictEqual(levels['drop-table'], 'off');
    assert.match(parseSeveritySetting('no-such-rule=error', levels)!, /unknown rule/);
    assert.match(parseSeveritySetting('drop-table=fatal', levels)!, /expected rule=level/);
    assert.strictEqual(new Set(LINT_RULES.map((r) => r.code)).size, LINT_RULES.length);
  });
});

describe('lintEnvPy and lintProject', () => {
  function projectDir(files: Record<string, string>): string {
    const dir = tempDir('alembic-lens-lint-');
    made.push(dir);
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
  }

  const GENERIC_INI =
    '[alembic]\nscript_location = alembic\nprepend_sys_path = .\nsqlalchemy.url = driver://user:pass@localhost/dbname\n';
  const ENV_TAIL = [
    '',
    'def run_migrations_online():',
    '    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.")',
    '    with connectable.connect() as connection:',
    '        context.configure(connection=connection, target_metadata=target_metadata)',
    '        with context.begin_transaction():',
    '            context.run_migrations()',
    '',
    'run_migrations_online()',
  ];

  it("the template's env.py: target-metadata-none, and placeholder-url on the ini's line", () => {
    const dir = projectDir({
      'alembic.ini': GENERIC_INI,
      'alembic/versions/.keep': '',
      'alembic/env.py': [
        'from alembic import context',
        'from sqlalchemy import engine_from_config',
        'config = context.config',
        'target_metadata = None',
        ...ENV_TAIL,
      ].join('\n'),
    });
    const config = loadConfig({ iniPath: path.join(dir, 'alembic.ini') });
    const problems = lintEnvPy(config);
    assert.deepStrictEqual(
      problems.map((p) => [p.code, path.basename(p.path), p.line]),
      [
        ['target-metadata-none', 'env.py', 4],
        ['placeholder-url', 'alembic.ini', 4],
      ],
    );
    assert.deepStrictEqual(
      lintEnvPy(config, { severities: { 'placeholder-url': 'off', 'target-metadata-none': 'info' } }).map((p) => [
        p.code,
        p.severity,
      ]),
      [['target-metadata-none', 'info']],
    );
  });

  it('no placeholder-url when env.py sets the URL, or the ini has a real one; suppression comments in env.py and the ini', () => {
    const dir = projectDir({
      'alembic.ini': GENERIC_INI,
      'alembic/versions/.keep': '',
      'alembic/env.py': [
        'import os',
        'from alembic import context',
        'from sqlalchemy import engine_from_config',
        'config = context.config',
        'config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])',
        'target_metadata = None  # alembic-lens: ignore[target-metadata-none]',
        ...ENV_TAIL,
      ].join('\n'),
    });
    assert.deepStrictEqual(lintEnvPy(loadConfig({ iniPath: path.join(dir, 'alembic.ini') })), []);
    const envPy = path.join(dir, 'alembic/env.py');
    fs.writeFileSync(envPy, fs.readFileSync(envPy, 'utf8').replace('target-metadata-none]', 'target-metadata]'));
    assert.deepStrictEqual(
      lintEnvPy(loadConfig({ iniPath: path.join(dir, 'alembic.ini') })).map((p) => [p.code, p.line]),
      [
        ['target-metadata-none', 6],
        ['unknown-ignore-rule', 6],
      ],
      "a misspelt rule in env.py's comment silences nothing, and says so",
    );
    const suppressed = projectDir({
      'alembic.ini': GENERIC_INI.replace('sqlalchemy.url', '# alembic-lens: ignore[placeholder-url]\nsqlalchemy.url'),
      'alembic/versions/.keep': '',
      'alembic/env.py': [
        'from alembic import context',
        'config = context.config',
        'target_metadata = None',
        ...ENV_TAIL,
      ].join('\n'),
    });
    assert.deepStrictEqual(
      lintEnvPy(loadConfig({ iniPath: path.join(suppressed, 'alembic.ini') })).map((p) => p.code),
      ['target-metadata-none'],
    );
  });

  it('lintProject: every revision, multiple-heads on each head, env.py; the dialect from the URL; cached per revision source', () => {
    const dir = tempDir('alembic-lens-lint-');
    made.push(dir);
    const ini = writeProject(
      dir,
      [{ id: 'a0' }, { id: 'b1', down: 'a0' }, { id: 'c2', down: 'a0' }],
      '[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://u@db/app\n',
    );
    const versions = path.join(dir, 'alembic', 'versions');
    fs.writeFileSync(
      path.join(versions, 'b1_rev.py'),
      revisionText({ id: 'b1', down: 'a0', upgrade: ["op.create_index('ix_users_email', 'users', ['email'])"] }),
    );
    fs.writeFileSync(
      path.join(dir, 'alembic', 'env.py'),
      [
        'from alembic import context',
        'from myapp.models import Base',
        'target_metadata = Base.metadata',
        ...ENV_TAIL,
      ].join('\n'),
    );
    const project = loadProject(ini);
    const problems = lintProject(project);
    assert.deepStrictEqual(problems.map((p) => `${path.basename(p.path)}:${p.line} ${p.code}`).sort(), [
      'b1_rev.py:12 multiple-heads',
      'b1_rev.py:19 create-index-not-concurrently',
      'b1_rev.py:23 empty-downgrade',
      'c2_rev.py:12 multiple-heads',
    ]);
    assert.match(problems.find((p) => p.code === 'multiple-heads')!.message, /`alembic merge -m "merge heads" heads`/);
    assert.strictEqual(
      lintProject(project, { dialect: 'sqlite' }).filter((p) => p.code === 'create-index-not-concurrently').length,
      0,
    );
    const again = lintProject(project);
    assert.deepStrictEqual(again, problems);
    // Independent labelled branches have a head each by design.
    const labelled = tempDir('alembic-lens-lint-');
    made.push(labelled);
    const labelledIni = writeProject(labelled, [
      { id: 'x1', labels: 'app' },
      { id: 'y1', labels: 'audit' },
    ]);
    assert.deepStrictEqual(
      lintProject(loadProject(labelledIni)).filter((p) => p.code === 'multiple-heads'),
      [],
    );
  });

  it('multiple-heads: heads whose branches take branch_labels from an imported constant (neutron, glance) are not called a fork on a guess', () => {
    const dir = tempDir('alembic-lens-lint-');
    made.push(dir);
    const ini = writeProject(dir, [...EXPAND_CONTRACT, { id: 'c2', down: 'c1' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    for (const [id, constant] of [
      ['e1', 'cli.EXPAND_BRANCH'],
      ['c1', 'cli.CONTRACT_BRANCH'],
    ]) {
      const file = path.join(versions, `${id}_rev.py`);
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, text.replace(/^branch_labels = .*$/m, `branch_labels = (${constant},)`));
    }
    const project = loadProject(ini);
    const problems = lintProject(project);
    assert.deepStrictEqual(
      problems.filter((p) => p.code === 'multiple-heads'),
      [],
    );
    // The unreadable values themselves are still reported, at their lines.
    assert.deepStrictEqual(
      project.problems
        .filter((p) => p.code === 'computed-value')
        .map((p) => path.basename(p.path))
        .sort(),
      ['c1_rev.py', 'e1_rev.py'],
    );
    // A warning, not an error: the graph is whole, only the labels' names are unknown (check passes).
    assert.deepStrictEqual(
      [...new Set(project.problems.filter((p) => p.code === 'computed-value').map((p) => p.severity))],
      ['warning'],
    );
    // Without those labels, the same two heads are a fork.
    for (const id of ['e1', 'c1']) {
      const file = path.join(versions, `${id}_rev.py`);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^branch_labels = .*$/m, 'branch_labels = None'));
    }
    assert.strictEqual(lintProject(loadProject(ini)).filter((p) => p.code === 'multiple-heads').length, 2);
  });

  it('multiple-heads: two heads under the same imported-constant label share it, whatever its value: a fork (neutron-vpnaas)', () => {
    const dir = tempDir('alembic-lens-lint-');
    made.push(dir);
    const ini = writeProject(dir, [...EXPAND_CONTRACT, { id: 'c2', down: 'c1' }, { id: 'e3', down: 'e1' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    for (const [id, constant] of [
      ['e1', 'cli.EXPAND_BRANCH'],
      ['c1', 'cli.CONTRACT_BRANCH'],
    ]) {
      const file = path.join(versions, `${id}_rev.py`);
      fs.writeFileSync(
        file,
        fs.readFileSync(file, 'utf8').replace(/^branch_labels = .*$/m, `branch_labels = (${constant},)`),
      );
    }
    const forked = lintProject(loadProject(ini)).filter((p) => p.code === 'multiple-heads');
    assert.deepStrictEqual(forked.map((p) => path.basename(p.path)).sort(), ['e2_rev.py', 'e3_rev.py']);
    assert.match(forked[0].message, /`alembic merge -m "merge heads" e2 e3`/);
  });

  it('multiple-heads names the fork when labelled branches are there too, and stays quiet behind a missing revision', () => {
    const dir = tempDir('alembic-lens-lint-');
    made.push(dir);
    const ini = writeProject(dir, [...EXPAND_CONTRACT, { id: 'e3', down: 'e1' }]);
    const forked = lintProject(loadProject(ini)).filter((p) => p.code === 'multiple-heads');
    assert.deepStrictEqual(forked.map((p) => path.basename(p.path)).sort(), ['e2_rev.py', 'e3_rev.py']);
    // `alembic merge heads` would fold contract into expand too; `upgrade head` failed before the fork.
    assert.match(forked[0].message, /`alembic upgrade expand@head` and /);
    assert.match(forked[0].message, /`alembic merge -m "merge heads" e2 e3`/);

    // Moved onto a parent this checkout does not have yet: Alembic fails on that (KeyError), not on heads.
    const other = tempDir('alembic-lens-lint-');
    made.push(other);
    const moved = loadProject(writeProject(other, [{ id: 'a0' }, { id: 'b1', down: 'a0' }, { id: 'c2', down: 'zz9' }]));
    assert.deepStrictEqual(moved.graph.heads.sort(), ['b1', 'c2']);
    assert.deepStrictEqual(
      moved.problems.filter((p) => p.severity === 'error').map((p) => p.code),
      ['missing-revision'],
    );
    assert.deepStrictEqual(
      lintProject(moved).filter((p) => p.code === 'multiple-heads'),
      [],
    );
  });

  it("the CLI's check prints lint problems, takes --severity and --dialect, lists --rules", function () {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    assert.ok(fs.existsSync(cli), `${cli} is built (npm test builds it first)`);
    const dir = tempDir('alembic-lens-lint-');
    made.push(dir);
    const ini = writeProject(dir, [{ id: 'a0' }]);
    fs.writeFileSync(
      path.join(dir, 'alembic', 'versions', 'a0_rev.py'),
      revisionText({ id: 'a0', upgrade: ['op.drop_table("users")'] }),
    );
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [cli, '-c', ini, ...args], { cwd: dir, encoding: 'utf8' });
    const plain = run('check');
    assert.strictEqual(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /^alembic\/versions\/a0_rev\.py:19: warning: .* \[drop-table\]$/m);
    const strict = run('check', '--severity', 'drop-table=error');
    assert.strictEqual(strict.status, 1);
    assert.match(strict.stdout, /a0_rev\.py:19: error: .*\[drop-table\]/);
    assert.strictEqual(run('check', '--severity=drop-table=off', '--severity', 'empty-downgrade=off').stdout, '');
    assert.strictEqual(run('check', '--no-lint').stdout, '');
    assert.strictEqual(run('check', '--severity', 'bogus=error').status, 2);
    assert.match(run('check', '--rules').stdout, /^create-index-not-concurrently\s+on\s+warning\s+postgresql\s/m);
  });

  it("check --no-lint still fails on an accidental fork: several heads are the history's problem, as merge-heads is", () => {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    const dir = tempDir('alembic-lens-lint-');
    made.push(dir);
    const ini = writeProject(dir, [{ id: 'a0' }, { id: 'b1', down: 'a0' }, { id: 'c2', down: 'a0' }]);
    const ran = spawnSync(process.execPath, [cli, '-c', ini, 'check', '--no-lint'], { cwd: dir, encoding: 'utf8' });
    assert.strictEqual(ran.status, 1, ran.stdout + ran.stderr);
    assert.deepStrictEqual(
      ran.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/:\d+: .*\[/, ' [')),
      ['alembic/versions/b1_rev.py [multiple-heads]', 'alembic/versions/c2_rev.py [multiple-heads]'],
    );
  });
});
