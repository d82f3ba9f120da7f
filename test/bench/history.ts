// Writes a synthetic but realistically shaped Alembic project for the benchmark: alembic.ini,
// alembic/env.py, alembic/script.py.mako and N revision files in alembic/versions/, in the format
// `alembic revision` writes them. Deterministic: the same count and seed give the same bytes.
//
// Shape: a main line that mostly grows linearly; every so often a second line of work forks off
// (two developers adding a revision on the same head), lives for a few revisions and is merged
// back by a merge revision (`down_revision = ('a', 'b')`, as `alembic merge` writes it). A few
// forks carry a branch label, one independent labelled base joins later, about 1% of revisions
// declare `depends_on`, and branches still open at the end are left as extra heads. The later
// part of the history uses the typed template of newer Alembic versions, as real projects do
// once they upgrade.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prng } from '../support/prng';

export interface GeneratedHistory {
  dir: string;
  configPath: string;
  versionsDir: string;
  /** Every revision, in creation order. */
  revisions: GeneratedRevision[];
  /** Revisions no `down_revision` refers to: what `alembic heads` prints. */
  heads: string[];
  merges: number;
  branchLabels: number;
  dependsOn: number;
}

export interface GeneratedRevision {
  id: string;
  down: string[];
  message: string;
  path: string;
}

const TABLES = [
  'users',
  'accounts',
  'orders',
  'order_items',
  'products',
  'invoices',
  'payments',
  'addresses',
  'sessions',
  'audit_log',
  'teams',
  'memberships',
  'projects',
  'tasks',
  'comments',
  'tags',
  'webhooks',
  'api_keys',
  'subscriptions',
  'plans',
  'coupons',
  'shipments',
  'warehouses',
  'notifications',
];
const COLUMNS = [
  'status',
  'created_at',
  'updated_at',
  'deleted_at',
  'email',
  'name',
  'title',
  'description',
  'amount',
  'currency',
  'external_id',
  'is_active',
  'priority',
  'notes',
  'slug',
  'owner_id',
  'expires_at',
  'retries',
  'locale',
  'metadata',
];
const TYPES = [
  'sa.String(length=255)',
  'sa.Integer()',
  'sa.DateTime()',
  'sa.Boolean()',
  'sa.Text()',
  'sa.Numeric(precision=12, scale=2)',
  'sa.String(length=32)',
  'sa.JSON()',
];

/** Alembic's file name slug: the message's words joined by `_`, lower-case, cut at 40 characters. */
export function slugOf(message: string): string {
  let slug = (message.match(/\w+/g) ?? []).join('_').toLowerCase();
  if (slug.length > 40) slug = `${slug.slice(0, 40).replace(/_[^_]*$/, '')}_`;
  return slug;
}

function pyRepr(value: string | string[] | null): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return `'${value}'`;
  return `(${value.map((v) => `'${v}'`).join(', ')}${value.length === 1 ? ',' : ''})`;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function createDate(ms: number, micros: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(micros).padStart(6, '0')}`
  );
}

interface Body {
  message: string;
  upgrade: string[];
  downgrade: string[];
}

/** A plausible autogenerate body: the message and the `op.` calls agree. */
function body(rand: () => number, n: number): Body {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const table = pick(TABLES);
  const col = pick(COLUMNS);
  const type = pick(TYPES);
  const kind = rand();
  if (kind < 0.2) {
    const t = `${table}_${n}`;
    return {
      message: `create ${t} table`,
      upgrade: [
        `op.create_table('${t}',`,
        `sa.Column('id', sa.Integer(), nullable=False),`,
        `sa.Column('${col}', ${type}, nullable=True),`,
        `sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),`,
        `sa.PrimaryKeyConstraint('id')`,
        `)`,
        `op.create_index(op.f('ix_${t}_${col}'), '${t}', ['${col}'], unique=False)`,
      ],
      downgrade: [`op.drop_index(op.f('ix_${t}_${col}'), table_name='${t}')`, `op.drop_table('${t}')`],
    };
  }
  if (kind < 0.55) {
    return {
      message: `add ${col} to ${table}`,
      upgrade: [`op.add_column('${table}', sa.Column('${col}_${n}', ${type}, nullable=True))`],
      downgrade: [`op.drop_column('${table}', '${col}_${n}')`],
    };
  }
  if (kind < 0.7) {
    return {
      message: `index ${table} ${col}`,
      upgrade: [`op.create_index(op.f('ix_${table}_${col}_${n}'), '${table}', ['${col}'], unique=False)`],
      downgrade: [`op.drop_index(op.f('ix_${table}_${col}_${n}'), table_name='${table}')`],
    };
  }
  if (kind < 0.85) {
    return {
      message: `make ${table}.${col} not nullable`,
      upgrade: [
        `op.alter_column('${table}', '${col}',`,
        `           existing_type=${type},`,
        `           nullable=False)`,
      ],
      downgrade: [
        `op.alter_column('${table}', '${col}',`,
        `           existing_type=${type},`,
        `           nullable=True)`,
      ],
    };
  }
  const other = pick(TABLES);
  return {
    message: `add ${other} foreign key to ${table}`,
    upgrade: [
      `op.add_column('${table}', sa.Column('${other}_id_${n}', sa.Integer(), nullable=True))`,
      `op.create_foreign_key(op.f('fk_${table}_${other}_id_${n}_${other}'), '${table}', '${other}', ['${other}_id_${n}'], ['id'])`,
    ],
    downgrade: [
      `op.drop_constraint(op.f('fk_${table}_${other}_id_${n}_${other}'), '${table}', type_='foreignkey')`,
      `op.drop_column('${table}', '${other}_id_${n}')`,
    ],
  };
}

interface FileSpec {
  id: string;
  down: string[];
  message: string;
  date: string;
  branchLabels: string[] | null;
  dependsOn: string | string[] | null;
  upgrade: string[];
  downgrade: string[];
  typed: boolean;
}

/** The text `alembic revision` (1.8 template) or newer Alembic (typed template) writes. */
export function revisionSource(s: FileSpec): string {
  const downRepr = s.down.length === 0 ? 'None' : s.down.length === 1 ? pyRepr(s.down[0]) : pyRepr(s.down);
  const commands = (lines: string[]): string =>
    lines.length === 0
      ? '    pass\n'
      : '    # ### commands auto generated by Alembic - please adjust! ###\n' +
        lines.map((l) => `    ${l}\n`).join('') +
        '    # ### end Alembic commands ###\n';
  const header = `"""${s.message}\n\nRevision ID: ${s.id}\nRevises: ${s.down.join(', ')}\nCreate Date: ${s.date}\n\n"""\n`;
  const ids = s.typed
    ? `from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n` +
      `# revision identifiers, used by Alembic.\n` +
      `revision: str = ${pyRepr(s.id)}\n` +
      `down_revision: Union[str, Sequence[str], None] = ${downRepr}\n` +
      `branch_labels: Union[str, Sequence[str], None] = ${pyRepr(s.branchLabels)}\n` +
      `depends_on: Union[str, Sequence[str], None] = ${pyRepr(s.dependsOn)}\n`
    : `from alembic import op\nimport sqlalchemy as sa\n\n\n` +
      `# revision identifiers, used by Alembic.\n` +
      `revision = ${pyRepr(s.id)}\n` +
      `down_revision = ${downRepr}\n` +
      `branch_labels = ${pyRepr(s.branchLabels)}\n` +
      `depends_on = ${pyRepr(s.dependsOn)}\n`;
  return (
    `${header}${ids}\n\n` +
    `def upgrade() -> None:\n${commands(s.upgrade)}\n\n` +
    `def downgrade() -> None:\n${commands(s.downgrade)}`
  );
}

const ALEMBIC_INI = `# A generic, single database configuration.

[alembic]
# path to migration scripts
script_location = %(here)s/alembic

# template used to generate migration file names; The default value is %%(rev)s_%%(slug)s
# file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s

# sys.path path, will be prepended to sys.path if present.
prepend_sys_path = .

version_path_separator = os  # Use os.pathsep. Default configuration used for new projects.

sqlalchemy.url = sqlite:///%(here)s/bench.db


[post_write_hooks]

# Logging configuration
[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
`;

const ENV_PY = `from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = None


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;

const SCRIPT_MAKO = `"""\${message}

Revision ID: \${up_revision}
Revises: \${down_revision | comma,n}
Create Date: \${create_date}

"""
from alembic import op
import sqlalchemy as sa
\${imports if imports else ""}

# revision identifiers, used by Alembic.
revision = \${repr(up_revision)}
down_revision = \${repr(down_revision)}
branch_labels = \${repr(branch_labels)}
depends_on = \${repr(depends_on)}


def upgrade() -> None:
    \${upgrades if upgrades else "pass"}


def downgrade() -> None:
    \${downgrades if downgrades else "pass"}
`;

interface OpenBranch {
  head: string;
  remaining: number;
}

/** Writes a history of `count` revisions under `dir` (which must exist and be empty). */
export function generateHistory(dir: string, count: number, seed: number): GeneratedHistory {
  const rand = prng(seed);
  const randInt = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const scriptDir = path.join(dir, 'alembic');
  const versionsDir = path.join(scriptDir, 'versions');
  fs.mkdirSync(versionsDir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'alembic.ini'), ALEMBIC_INI);
  fs.writeFileSync(path.join(scriptDir, 'env.py'), ENV_PY);
  fs.writeFileSync(path.join(scriptDir, 'script.py.mako'), SCRIPT_MAKO);
  fs.writeFileSync(path.join(scriptDir, 'README'), 'Generic single-database configuration.\n');

  const used = new Set<string>();
  const newId = (): string => {
    for (;;) {
      let id = '';
      for (let i = 0; i < 12; i++) id += Math.floor(rand() * 16).toString(16);
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };

  const revisions: GeneratedRevision[] = [];
  const referenced = new Set<string>();
  let time = Date.UTC(2019, 0, 7, 9, 0, 0);
  let merges = 0;
  let labels = 0;
  let dependsOnCount = 0;
  // The independent labelled base (e.g. a second schema) starts at 30% and is merged at 60%.
  const sideStart = Math.floor(count * 0.3);
  const sideMerge = Math.floor(count * 0.6);
  let side: string | undefined;
  let main = '';
  const forks: OpenBranch[] = [];

  const write = (down: string[], b: Body, extra: { branchLabels?: string[] } = {}): string => {
    const id = newId();
    const n = revisions.length;
    time += randInt(20, 72 * 60) * 60_000;
    let dependsOn: string | string[] | null = null;
    if (n > 50 && down.length === 1 && rand() < 0.01) {
      const a = revisions[randInt(0, n - 20)].id;
      const c = revisions[randInt(0, n - 20)].id;
      dependsOn = rand() < 0.8 || a === c ? a : [a, c];
      dependsOnCount++;
    }
    const spec: FileSpec = {
      id,
      down,
      message: b.message,
      date: createDate(time, randInt(0, 999_999)),
      branchLabels: extra.branchLabels ?? null,
      dependsOn,
      upgrade: b.upgrade,
      downgrade: b.downgrade,
      typed: n >= count * 0.7,
    };
    const file = path.join(versionsDir, `${id}_${slugOf(b.message)}.py`);
    fs.writeFileSync(file, revisionSource(spec));
    for (const d of down) referenced.add(d);
    revisions.push({ id, down, message: b.message, path: file });
    return id;
  };
  const merge = (a: string, b: string): string => {
    merges++;
    return write([a, b], { message: 'merge heads', upgrade: [], downgrade: [] });
  };

  main = write([], { ...body(rand, 0), message: 'initial schema' });
  while (revisions.length < count) {
    const n = revisions.length;
    const left = count - n;
    if (n === sideStart && left > 2) {
      labels++;
      side = write([], body(rand, n), { branchLabels: ['reporting'] });
      continue;
    }
    if (side !== undefined && n >= sideMerge && left > 1) {
      main = merge(main, side);
      side = undefined;
      continue;
    }
    const due = forks.findIndex((f) => f.remaining <= 0);
    if (due >= 0 && left > 1) {
      main = merge(main, forks[due].head);
      forks.splice(due, 1);
      continue;
    }
    const r = rand();
    if (n > 5 && forks.length < 2 && r < 0.04) {
      // Someone else added a revision on the same head: a fork.
      const labelled = rand() < 0.03;
      if (labelled) labels++;
      const head = write([main], body(rand, n), labelled ? { branchLabels: [`feature_${labels}`] } : {});
      forks.push({ head, remaining: randInt(0, 10) });
      continue;
    }
    const onFork = forks.length > 0 && rand() < 0.3 ? forks[Math.floor(rand() * forks.length)] : undefined;
    const onSide = !onFork && side !== undefined && rand() < 0.2;
    const parent = onFork ? onFork.head : onSide ? side! : main;
    const id = write([parent], body(rand, n));
    if (onFork) {
      onFork.head = id;
      onFork.remaining--;
    } else if (onSide) side = id;
    else main = id;
  }

  const heads = revisions.filter((r) => !referenced.has(r.id)).map((r) => r.id);
  return {
    dir,
    configPath: path.join(dir, 'alembic.ini'),
    versionsDir,
    revisions,
    heads,
    merges,
    branchLabels: labels,
    dependsOn: dependsOnCount,
  };
}
