// The lint rules that compare the revisions with the models: copies of migrations-sample (its real
// models and revisions) with one more revision and models edited as a user would, linted as the CLI
// and the editor do. Each rule fires at the right line with the model's line as related information,
// and stays silent on the shapes that are fine (later revisions, other attribute names, no models).
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatReport, lintAgainstModels, lintProject } from '../../src/core/lint';
import type { Problem } from '../../src/core/problems';
import { loadProject } from '../../src/core/project';
import type { RevisionSource } from '../../src/core/revisionFile';
import { copySample, editModels } from '../support/sampleCopy';
import { revisionText, tempDir } from '../support/tempProject';

const HEAD = '92404fb3f98d';
const MODEL_CODES = new Set(['drops-mapped-table', 'drops-mapped-column', 'differs-from-model']);

function sample(): string {
  return copySample(path.join(tempDir('alembic-lens-modelrules-'), 'migrations-sample'));
}

/** Adds a revision on `down` (the sample's head unless told) with these upgrade() lines; returns its path. */
function addRevision(dir: string, id: string, upgrade: string[], down = HEAD): string {
  const file = path.join(dir, 'alembic', 'versions', `${id}_change.py`);
  fs.writeFileSync(file, revisionText({ id, down, message: 'change', upgrade }));
  return file;
}

function modelRuleProblems(dir: string, onlyNew?: Set<string>): Problem[] {
  const project = loadProject(path.join(dir, 'alembic.ini'));
  const includeRevision = onlyNew ? (source: { path: string }) => onlyNew.has(source.path) : undefined;
  return lintProject(project, { includeRevision, env: {} }).filter((p) => MODEL_CODES.has(p.code));
}

function lineOf(file: string, prefix: string): number {
  const index = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.trimStart().startsWith(prefix));
  assert.ok(index >= 0, `${prefix} not in ${file}`);
  return index + 1;
}

const models = (dir: string): string => path.join(dir, 'app', 'models.py');

describe('model rules: a revision that drops what the models still map', () => {
  it('drop_column of a mapped column: an error at the call, related to the model line', () => {
    const dir = sample();
    const file = addRevision(dir, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    const [found, ...rest] = modelRuleProblems(dir);
    assert.deepStrictEqual(rest, []);
    assert.strictEqual(found.code, 'drops-mapped-column');
    assert.strictEqual(found.severity, 'error');
    assert.strictEqual(found.path, file);
    assert.strictEqual(found.line, lineOf(file, "op.drop_column('users'"));
    const modelLine = lineOf(models(dir), 'email =');
    assert.ok(
      found.message.includes(`drops users.email, which the models still map (User.email, app/models.py:${modelLine})`),
    );
    assert.deepStrictEqual(found.related, [
      { path: models(dir), line: lineOf(models(dir), 'email ='), message: 'User.email maps users.email' },
    ]);
  });

  it('silent when the models no longer map it (the contract step after the code release)', () => {
    const dir = sample();
    editModels(dir, (text) => text.replace(/ {4}email = .*\n/, ''));
    addRevision(dir, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    assert.deepStrictEqual(modelRuleProblems(dir), []);
  });

  it('names the attribute when the column is mapped under another one; silent for a look-alike attribute', () => {
    const dir = sample();
    editModels(dir, (text) =>
      text
        .replace('    email = Column(', '    email_address = Column("email", ')
        .replace('    name = Column(', '    nick = Column("nick", String(20))\n    name = Column('),
    );
    addRevision(dir, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    const [found] = modelRuleProblems(dir);
    assert.match(found.message, /\(User\.email_address, app\/models\.py:\d+\)/);

    const other = sample();
    editModels(other, (text) => text.replace('    email = Column(', '    email = Column("email_addr", '));
    addRevision(other, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    assert.deepStrictEqual(modelRuleProblems(other), []);
  });

  it('reads the shapes models take: a mixin column, an imperative Table(...), a __tablename__ unlike the class', () => {
    const dir = sample();
    editModels(
      dir,
      (text) =>
        text.replace(
          'from sqlalchemy import Column, Integer, String',
          'from sqlalchemy import Column, Integer, String, Table',
        ) +
        [
          '',
          '',
          'class Audited:',
          '    audited_by = Column(String(50))',
          '',
          '',
          'class Invoice(Audited, Base):',
          '    __tablename__ = "billing_invoice"',
          '    id = Column(Integer, primary_key=True)',
          '',
          '',
          'tags = Table("tags", Base.metadata, Column("id", Integer, primary_key=True), Column("label", String(30)))',
          '',
        ].join('\n'),
    );
    const file = addRevision(dir, 'a1a1a1a1a1a1', [
      "op.drop_column('billing_invoice', 'audited_by')",
      "op.drop_column('tags', 'label')",
      "op.drop_table('invoice')",
      "op.drop_table('User')",
    ]);
    const found = modelRuleProblems(dir);
    assert.deepStrictEqual(
      found.map((p) => [p.code, p.line]),
      [
        ['drops-mapped-column', lineOf(file, "op.drop_column('billing_invoice'")],
        ['drops-mapped-column', lineOf(file, "op.drop_column('tags'")],
      ],
    );
    assert.match(found[0].message, /\(Invoice\.audited_by, app\/models\.py:\d+\)/);
    assert.strictEqual(found[0].related?.[0].line, lineOf(models(dir), 'audited_by ='));
    assert.match(found[1].message, /\(tags\.label, /);
  });

  it('the latest state counts: a drop that a later revision undoes, copy-then-rename in one revision', () => {
    const dir = sample();
    addRevision(dir, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    addRevision(dir, 'b2b2b2b2b2b2', ["op.add_column('users', sa.Column('email', sa.String(255)))"], 'a1a1a1a1a1a1');
    assert.deepStrictEqual(modelRuleProblems(dir), []);

    const copied = sample();
    addRevision(copied, 'a1a1a1a1a1a1', [
      "op.add_column('users', sa.Column('new_id', sa.Integer()))",
      'op.execute("UPDATE users SET new_id = id")',
      "op.drop_column('users', 'id')",
      "op.alter_column('users', 'new_id', new_column_name='id')",
    ]);
    assert.deepStrictEqual(modelRuleProblems(copied), []);
  });

  it('raw SQL that names the table later (skyvern: ADD COLUMN IF NOT EXISTS) may give it back: silent', () => {
    const dir = sample();
    addRevision(dir, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    addRevision(
      dir,
      'b2b2b2b2b2b2',
      ['op.execute("ALTER TABLE users ADD COLUMN IF NOT EXISTS email VARCHAR(255)")'],
      'a1a1a1a1a1a1',
    );
    assert.deepStrictEqual(modelRuleProblems(dir), []);

    // The table named only when it runs (skyvern: a loop over table names into an f-string): any may be given back.
    const dynamic = sample();
    addRevision(dynamic, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    addRevision(
      dynamic,
      'b2b2b2b2b2b2',
      [
        "for table in ('audit', 'users'):",
        '    op.execute(f\'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS email TEXT\')',
      ],
      'a1a1a1a1a1a1',
    );
    assert.deepStrictEqual(modelRuleProblems(dynamic), []);

    // Raw SQL that names other tables, or only reads and writes rows, changes nothing; nor does a JSON default.
    const other = sample();
    const file = addRevision(other, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    addRevision(
      other,
      'b2b2b2b2b2b2',
      [
        'op.execute("ALTER TABLE audit ADD COLUMN email VARCHAR(255)")',
        'op.execute("ALTER TABLE audit ALTER COLUMN tags SET DEFAULT \'{}\'")',
        'op.execute("UPDATE users SET name = \'x\'")',
      ],
      'a1a1a1a1a1a1',
    );
    assert.deepStrictEqual(
      modelRuleProblems(other).map((p) => [p.code, p.path, p.line]),
      [['drops-mapped-column', file, lineOf(file, "op.drop_column('users'")]],
    );
  });

  it('drop_table, rename_table and a column rename of mapped names fire; a batch op too', () => {
    const dir = sample();
    const file = addRevision(dir, 'a1a1a1a1a1a1', [
      "with op.batch_alter_table('users') as batch_op:",
      "    batch_op.alter_column('name', new_column_name='full_name')",
      "op.rename_table('users', 'people')",
    ]);
    const found = modelRuleProblems(dir).map((p) => [p.code, p.line]);
    assert.deepStrictEqual(found, [
      ['drops-mapped-column', lineOf(file, 'batch_op.alter_column')],
      ['drops-mapped-table', lineOf(file, 'op.rename_table')],
    ]);

    const dropped = sample();
    const dropFile = addRevision(dropped, 'a1a1a1a1a1a1', ["op.drop_table('users')"]);
    const [drop] = modelRuleProblems(dropped);
    assert.strictEqual(drop.code, 'drops-mapped-table');
    assert.strictEqual(drop.line, lineOf(dropFile, 'op.drop_table'));
    assert.deepStrictEqual(drop.related, [
      { path: models(dropped), line: lineOf(models(dropped), 'class User'), message: "class User maps 'users'" },
    ]);
  });

  it('the manual SQLite table rebuild (create a copy, drop, rename back) is silent', () => {
    const dir = sample();
    addRevision(dir, 'a1a1a1a1a1a1', [
      "op.create_table('_users_new', sa.Column('id', sa.Integer(), nullable=False))",
      "op.drop_table('users')",
      "op.rename_table('_users_new', 'users')",
    ]);
    assert.deepStrictEqual(modelRuleProblems(dir), []);
  });

  it('only the revisions in scope are reported', () => {
    const dir = sample();
    const file = addRevision(dir, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    assert.deepStrictEqual(modelRuleProblems(dir, new Set(['/elsewhere.py'])), []);
    assert.strictEqual(modelRuleProblems(dir, new Set([file])).length, 1);
  });

  it('prefers silence when the models cannot be read: target_metadata = None, a table name Python computes', () => {
    const dir = sample();
    const env = path.join(dir, 'alembic', 'env.py');
    fs.writeFileSync(
      env,
      fs.readFileSync(env, 'utf8').replace('target_metadata = Base.metadata', 'target_metadata = None'),
    );
    addRevision(dir, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    assert.deepStrictEqual(modelRuleProblems(dir), []);

    const computed = sample();
    editModels(computed, (text) => text.replace('__tablename__ = "users"', '__tablename__ = PREFIX + "users"'));
    addRevision(computed, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    assert.deepStrictEqual(modelRuleProblems(computed), []);
  });

  it('a comment or a severity turns them off', () => {
    const dir = sample();
    addRevision(dir, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')  # alembic-lens: ignore[drops-mapped-column]"]);
    assert.deepStrictEqual(modelRuleProblems(dir), []);
    const project = loadProject(path.join(dir, 'alembic.ini'));
    assert.deepStrictEqual(lintAgainstModels(project, { severities: { 'drops-mapped-column': 'off' } }), []);
  });
});

describe('model rules: read from the revision records', () => {
  it('read no revision file: with the files gone, the records give the same findings and suppressions', () => {
    const dir = sample();
    const file = addRevision(dir, 'a1a1a1a1a1a1', [
      "op.drop_column('users', 'email')",
      "op.drop_column('users', 'name')  # alembic-lens: ignore[drops-mapped-column]",
      "op.add_column('users', sa.Column('sku', sa.String(length=40), nullable=True))",
    ]);
    fs.writeFileSync(
      models(dir),
      fs
        .readFileSync(models(dir), 'utf8')
        .replace('    email =', '    sku = Column(String(20), nullable=False)\n    email ='),
    );
    const project = loadProject(path.join(dir, 'alembic.ini'));
    const first = lintProject(project, { env: {} }).filter((p) => MODEL_CODES.has(p.code));
    assert.deepStrictEqual(
      first.map((p) => `${p.code} ${p.line}`),
      [
        `drops-mapped-column ${lineOf(file, "op.drop_column('users', 'email')")}`,
        `differs-from-model ${lineOf(file, "op.add_column('users'")}`,
      ],
    );
    // Every record is built by that lint; the rules must not need the files any more.
    fs.rmSync(path.join(dir, 'alembic', 'versions'), { recursive: true });
    const asked = new Map<string, number>();
    const records = {
      config: project.config,
      graph: project.graph,
      revisionRecord: (source: RevisionSource) => {
        asked.set(source.path, (asked.get(source.path) ?? 0) + 1);
        return project.revisionRecord(source);
      },
    };
    assert.deepStrictEqual(lintAgainstModels(records, {}), first);
    assert.strictEqual(asked.size, project.graph.revisions.size, 'every revision from its record');
  });
});

describe('model rules: add_column / create_table against the model', () => {
  const withSku = (column: string) => (text: string) => text.replace('    email =', `    ${column}\n    email =`);

  it('nullability and length that differ: one warning naming both, at the add_column', () => {
    const dir = sample();
    editModels(dir, withSku('sku = Column(String(20), nullable=True)'));
    const file = addRevision(dir, 'a1a1a1a1a1a1', [
      "op.add_column('users', sa.Column('sku', sa.String(length=50), nullable=False, server_default='x'))",
    ]);
    const [found, ...rest] = modelRuleProblems(dir);
    assert.deepStrictEqual(rest, []);
    assert.strictEqual(found.code, 'differs-from-model');
    assert.strictEqual(found.severity, 'warning');
    assert.strictEqual(found.line, lineOf(file, 'op.add_column'));
    assert.match(found.message, /nullable in the model, NOT NULL in the revision; length 20 in the model/);
    assert.strictEqual(found.related?.[0].line, lineOf(models(dir), 'sku ='));
  });

  it('a type family that differs fires; equivalent spellings and unknown types do not', () => {
    const dir = sample();
    editModels(dir, withSku('sku = Column(sa.BigInteger)'));
    addRevision(dir, 'a1a1a1a1a1a1', ["op.add_column('users', sa.Column('sku', sa.Integer(), nullable=True))"]);
    const [found] = modelRuleProblems(dir);
    assert.match(found.message, /type sa\.BigInteger in the model, sa\.Integer\(\) in the revision/);

    for (const [model, revision] of [
      ['sku = Column(sa.String(20))', 'sa.VARCHAR(length=20)'],
      ['sku = Column(MyType(20))', 'sa.Integer()'],
      ['sku = Column(sa.String(20))', 'sa.String(20).with_variant(sa.Text(), "sqlite")'],
      ['sku = Column(sa.String)', 'sa.String(length=20)'],
    ]) {
      const quiet = sample();
      editModels(quiet, withSku(model));
      addRevision(quiet, 'a1a1a1a1a1a1', [`op.add_column('users', sa.Column('sku', ${revision}))`]);
      assert.deepStrictEqual(modelRuleProblems(quiet), [], `${model} / ${revision}`);
    }
  });

  it('create_table columns are compared; a later alter_column (this revision or a later one) settles it', () => {
    const dir = sample();
    editModels(
      dir,
      (text) =>
        `${text}\n\nclass Tag(Base):\n    __tablename__ = "tags"\n    id = Column(Integer, primary_key=True)\n    label = Column(String(30), nullable=False)\n`,
    );
    const file = addRevision(dir, 'a1a1a1a1a1a1', [
      "op.create_table('tags',",
      "    sa.Column('id', sa.Integer(), nullable=False),",
      "    sa.Column('label', sa.String(length=30), nullable=True),",
      "    sa.PrimaryKeyConstraint('id'))",
    ]);
    const [found, ...rest] = modelRuleProblems(dir);
    assert.deepStrictEqual(rest, []);
    assert.strictEqual(found.line, lineOf(file, "op.create_table('tags'"));
    assert.match(
      found.message,
      /creates tags\.label unlike the model Tag\.label \(app\/models\.py:\d+\): NOT NULL in the model, nullable/,
    );

    addRevision(dir, 'b2b2b2b2b2b2', ["op.alter_column('tags', 'label', nullable=False)"], 'a1a1a1a1a1a1');
    assert.deepStrictEqual(modelRuleProblems(dir), []);
  });

  it('the CLI formats: a note line for the model place (text), relatedLocations (SARIF)', () => {
    const dir = sample();
    addRevision(dir, 'a1a1a1a1a1a1', ["op.drop_column('users', 'email')"]);
    const problems = modelRuleProblems(dir);
    const text = formatReport(problems, 'text', { cwd: dir });
    const modelLine = lineOf(models(dir), 'email =');
    assert.match(text, new RegExp(`\\napp/models\\.py:${modelLine}: note: User\\.email maps users\\.email\\n$`));
    const sarif = JSON.parse(formatReport(problems, 'sarif', { cwd: dir }));
    assert.deepStrictEqual(sarif.runs[0].results[0].relatedLocations, [
      {
        id: 0,
        message: { text: 'User.email maps users.email' },
        physicalLocation: {
          artifactLocation: { uri: 'app/models.py', uriBaseId: '%SRCROOT%' },
          region: { startLine: modelLine },
        },
      },
    ]);
  });
});
