import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { camelToSnake, type ModelClass, parseModelModule } from '../../src/core/models/modelClasses';
import { findModelFiles, type ModelDiscovery } from '../../src/core/models/modelFiles';
import { globMatcher, MAX_SCANNED_FILES } from '../../src/core/models/projectFiles';
import { tempDir } from '../support/tempProject';

const made: string[] = [];
after(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes files under a fresh folder (alembic.ini with prepend_sys_path = . unless given). */
function project(files: Record<string, string>): string {
  const dir = tempDir('alembic-lens-models-');
  made.push(dir);
  const all = {
    'alembic.ini': '[alembic]\nscript_location = alembic\nprepend_sys_path = .\nsqlalchemy.url = sqlite:///app.db\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function discover(files: Record<string, string>, modelGlobs?: string[]): { dir: string; found: ModelDiscovery } {
  const dir = project(files);
  const config = loadConfig({ iniPath: path.join(dir, 'alembic.ini') });
  return { dir, found: findModelFiles({ config, modelGlobs }) };
}

/** env.py in the shape of Alembic's generic template, with the given lines in place of its model import. */
function envPy(...lines: string[]): string {
  return [
    'from logging.config import fileConfig',
    '',
    'from sqlalchemy import engine_from_config',
    'from sqlalchemy import pool',
    '',
    'from alembic import context',
    '',
    'config = context.config',
    '',
    ...lines,
    '',
    '',
    'def run_migrations_online() -> None:',
    '    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)',
    '    with connectable.connect() as connection:',
    '        context.configure(connection=connection, target_metadata=target_metadata)',
    '        with context.begin_transaction():',
    '            context.run_migrations()',
    '',
    '',
    'run_migrations_online()',
    '',
  ].join('\n');
}

const names = (classes: ModelClass[]): string[] => classes.map((c) => c.name);
const tables = (classes: ModelClass[]): Array<string | undefined> => classes.map((c) => c.tableName);
const columns = (cls: ModelClass | undefined): string[] => (cls?.columns ?? []).map((c) => c.name);
const rel = (dir: string, file: string): string => path.relative(dir, file).split(path.sep).join('/');

describe('parseModelModule', () => {
  it('reads classic declarative classes: __tablename__, Column(...) with its line, an explicit column name', () => {
    const classes = parseModelModule(
      [
        'from sqlalchemy import Column, Integer, String, ForeignKey',
        'from sqlalchemy.orm import declarative_base, relationship',
        '',
        'Base = declarative_base()',
        '',
        '',
        'class User(Base):',
        '    __tablename__ = "users"',
        '',
        '    id = Column(Integer, primary_key=True)',
        '    name = Column("user_name", String(100), nullable=False)',
        '    items = relationship("Item", back_populates="owner")',
        '',
        '    def greet(self):',
        '        hidden = Column(Integer)',
        '        return self.name',
      ].join('\n'),
      'models.py',
    );
    assert.deepStrictEqual(names(classes), ['User']);
    assert.strictEqual(classes[0].tableName, 'users');
    assert.strictEqual(classes[0].kind, 'declarative');
    assert.strictEqual(classes[0].line, 7);
    assert.deepStrictEqual(classes[0].columns, [
      { name: 'id', line: 10, nullable: false, type: { written: 'Integer', family: 'integer' } },
      {
        name: 'user_name',
        attribute: 'name',
        line: 11,
        nullable: false,
        type: { written: 'String(100)', family: 'string', length: 100 },
      },
    ]);
  });

  it('reads SQLAlchemy 2.0 classes: a DeclarativeBase subclass, Mapped[...] = mapped_column(...), bare Mapped[...] annotations', () => {
    const classes = parseModelModule(
      [
        'from typing import List, Optional',
        'from sqlalchemy import String',
        'from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship',
        '',
        'class Base(DeclarativeBase):',
        '    pass',
        '',
        'class User(Base):',
        '    __tablename__ = "user_account"',
        '    id: Mapped[int] = mapped_column(primary_key=True)',
        '    name: Mapped[str] = mapped_column(String(30))',
        '    fullname: Mapped[Optional[str]]',
        '    addresses: Mapped[List["Address"]] = relationship(back_populates="user")',
        '    parent: Mapped["User"]',
        '',
        'class Address(Base):',
        '    __tablename__ = "address"',
        '    id: Mapped[int] = mapped_column(primary_key=True)',
        '    email_address: Mapped[str]',
        '    user: Mapped["User"] = relationship(back_populates="addresses")',
      ].join('\n'),
      'models.py',
    );
    assert.deepStrictEqual(names(classes), ['User', 'Address'], 'the Base itself is not a model');
    assert.deepStrictEqual(tables(classes), ['user_account', 'address']);
    assert.deepStrictEqual(columns(classes[0]), ['id', 'name', 'fullname']);
    assert.deepStrictEqual(columns(classes[1]), ['id', 'email_address']);
  });

  it('reads SQLModel tables: table=True only, the lower-cased class name, __tablename__, inherited fields, no relationships', () => {
    const classes = parseModelModule(
      [
        'from typing import List, Optional',
        'from sqlmodel import Field, Relationship, SQLModel',
        '',
        'class TeamBase(SQLModel):',
        '    name: str = Field(index=True)',
        '    headquarters: str',
        '',
        'class Team(TeamBase, table=True):',
        '    id: Optional[int] = Field(default=None, primary_key=True)',
        '    heroes: List["Hero"] = Relationship(back_populates="team")',
        '',
        'class TeamCreate(TeamBase):',
        '    pass',
        '',
        'class Hero(SQLModel, table=True):',
        '    __tablename__ = "heroes"',
        '    id: int | None = Field(default=None, primary_key=True)',
        '    secret_name: str',
        '    age: Optional[int] = None',
        '    team_id: Optional[int] = Field(default=None, foreign_key="team.id")',
        '    team: Optional["Team"] = Relationship(back_populates="heroes")',
      ].join('\n'),
      'models.py',
    );
    assert.deepStrictEqual(names(classes), ['Team', 'Hero']);
    assert.deepStrictEqual(tables(classes), ['team', 'heroes']);
    assert.ok(classes.every((c) => c.kind === 'sqlmodel'));
    assert.deepStrictEqual(columns(classes[0]), ['name', 'headquarters', 'id']);
    assert.strictEqual(classes[0].columns[0].inheritedFrom, 'TeamBase');
    assert.deepStrictEqual(columns(classes[1]), ['id', 'secret_name', 'age', 'team_id']);
  });

  it('reads Table objects assigned at module level, and __table__ = Table(...) in a class', () => {
    const classes = parseModelModule(
      [
        'import sqlalchemy as sa',
        'from sqlalchemy import Table, Column, Integer, MetaData',
        'metadata = MetaData()',
        '',
        'users = Table(',
        '    "users",',
        '    metadata,',
        '    Column("id", Integer, primary_key=True),',
        '    sa.Column("email", sa.String(255)),',
        '    schema="auth",',
        ')',
        'association = sa.Table("user_groups", metadata, sa.Column("user_id", sa.ForeignKey("auth.users.id")))',
        '',
        'def make():',
        '    return Table("decoy", metadata)',
      ].join('\n'),
      'tables.py',
    );
    assert.deepStrictEqual(names(classes), ['users', 'association']);
    assert.deepStrictEqual(tables(classes), ['users', 'user_groups']);
    assert.ok(classes.every((c) => c.kind === 'table'));
    assert.strictEqual(classes[0].schema, 'auth');
    assert.deepStrictEqual(classes[0].columns, [
      { name: 'id', line: 8, nullable: false, type: { written: 'Integer', family: 'integer' } },
      { name: 'email', line: 9, type: { written: 'sa.String(255)', family: 'string', length: 255 } },
    ]);
  });

  it('never counts decoys: text in strings and comments, classes in functions, TYPE_CHECKING, pydantic models', () => {
    const classes = parseModelModule(
      [
        'from typing import TYPE_CHECKING',
        'from pydantic import BaseModel',
        'from sqlalchemy import Column, Integer',
        'from app.db import Base',
        '',
        '# class Commented(Base):',
        '#     __tablename__ = "commented"',
        'EXAMPLE = """',
        'class InString(Base):',
        '    __tablename__ = "in_string"',
        '    id = Column(Integer, primary_key=True)',
        '"""',
        '',
        'def factory():',
        '    class InFunction(Base):',
        '        __tablename__ = "in_function"',
        '        id = Column(Integer, primary_key=True)',
        '    return InFunction',
        '',
        'class UserOut(BaseModel):',
        '    id: int',
        '    name: str',
        '',
        'class Real(Base):',
        "    __tablename__ = 'real'",
        '    id = Column(Integer, primary_key=True)',
        '    note = Column(Integer)  # __tablename__ = "nope"',
      ].join('\n'),
      'models.py',
    );
    assert.deepStrictEqual(names(classes), ['Real']);
    assert.deepStrictEqual(columns(classes[0]), ['id', 'note']);
  });

  it('approximates inheritance: mixin columns, __abstract__ bases, single-table subclasses, schema in __table_args__', () => {
    const classes = parseModelModule(
      [
        'from sqlalchemy import Column, DateTime, Integer, String',
        'from sqlalchemy.orm import declarative_base',
        'Base = declarative_base()',
        '',
        'class TimestampMixin:',
        '    created_at = Column(DateTime)',
        '',
        'class AbstractThing(Base):',
        '    __abstract__ = True',
        '    id = Column(Integer, primary_key=True)',
        '',
        'class Employee(TimestampMixin, AbstractThing):',
        '    __tablename__ = "employees"',
        '    __table_args__ = ({"schema": "hr"},)',
        '    type = Column(String(20))',
        '    __mapper_args__ = {"polymorphic_on": type}',
        '',
        'class Manager(Employee):',
        '    manager_level = Column(Integer)',
      ].join('\n'),
      'models.py',
    );
    assert.deepStrictEqual(names(classes), ['Employee', 'Manager']);
    assert.deepStrictEqual(tables(classes), ['employees', 'employees']);
    assert.strictEqual(classes[0].schema, 'hr');
    assert.deepStrictEqual(columns(classes[0]), ['created_at', 'id', 'type']);
    assert.deepStrictEqual(
      classes[0].columns.map((c) => c.inheritedFrom),
      ['TimestampMixin', 'AbstractThing', undefined],
    );
    assert.deepStrictEqual(columns(classes[1]), ['manager_level']);
  });

  it('derives table names from a declared_attr returning cls.__name__.lower(), and from Flask-SQLAlchemy db.Model', () => {
    const classes = parseModelModule(
      [
        'from sqlalchemy import Column, Integer',
        'from sqlalchemy.orm import as_declarative, declared_attr',
        'from flask_sqlalchemy import SQLAlchemy',
        '',
        '@as_declarative()',
        'class Base:',
        '    id: int',
        '    @declared_attr',
        '    def __tablename__(cls) -> str:',
        '        return cls.__name__.lower()',
        '',
        'class Item(Base):',
        '    id = Column(Integer, primary_key=True)',
        '',
        'db = SQLAlchemy()',
        '',
        'class UserAccount(db.Model):',
        '    id = db.Column(db.Integer, primary_key=True)',
      ].join('\n'),
      'models.py',
    );
    assert.deepStrictEqual(names(classes), ['Item', 'UserAccount']);
    assert.deepStrictEqual(tables(classes), ['item', 'user_account']);
    assert.strictEqual(camelToSnake('HTTPRequestLog'), 'http_request_log');
  });

  it('guesses an imported base by its name only when the class declares columns', () => {
    const classes = parseModelModule(
      [
        'from sqlalchemy import Column, Integer',
        'from app.db.base_class import Base',
        '',
        'class Widget(Base):',
        '    id = Column(Integer, primary_key=True)',
        '',
        'class Settings(Base):',
        '    debug: bool = False',
      ].join('\n'),
      'widget.py',
    );
    assert.deepStrictEqual(names(classes), ['Widget']);
    assert.strictEqual(classes[0].tableName, undefined, 'the table name is computed in another module');
  });
});

describe('findModelFiles', () => {
  it('FastAPI layout: env.py imports Base from app.database and the models module; reasons say why', () => {
    const { dir, found } = discover({
      'app/__init__.py': '',
      'app/database.py': 'from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n',
      'app/models.py':
        'from sqlalchemy import Column, Integer\nfrom .database import Base\n\nclass User(Base):\n    __tablename__ = "users"\n    id = Column(Integer, primary_key=True)\n',
      'app/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      'alembic/env.py': envPy(
        'from app.database import Base',
        'from app import models  # noqa: F401',
        '',
        'target_metadata = Base.metadata',
      ),
    });
    assert.deepStrictEqual(found.problems, []);
    assert.deepStrictEqual(found.metadata, { expression: 'Base.metadata', module: 'app.database', line: 13 });
    assert.deepStrictEqual(
      found.files.map((f) => [rel(dir, f.path), f.module, f.reason]),
      [['app/models.py', 'app.models', 'imported by env.py (line 11)']],
    );
    assert.deepStrictEqual(tables(found.files[0].classes), ['users']);
    assert.ok(found.scanned!.includes(path.join(dir, 'app/database.py')));
  });

  it('FastAPI layout where env.py forgets the models: models-not-imported names the file and the class', () => {
    const { dir, found } = discover({
      'app/__init__.py': '',
      'app/database.py': 'from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n',
      'app/models.py':
        'from sqlalchemy import Column, Integer\nfrom app.database import Base\n\nclass User(Base):\n    __tablename__ = "users"\n    id = Column(Integer, primary_key=True)\n',
      'tests/test_models.py':
        'from sqlalchemy import Column, Integer\nfrom app.database import Base\nclass Fixture(Base):\n    __tablename__ = "fixture"\n    id = Column(Integer, primary_key=True)\n',
      'alembic/env.py': envPy('from app.database import Base', '', 'target_metadata = Base.metadata'),
    });
    assert.deepStrictEqual(found.files, []);
    assert.deepStrictEqual(
      found.problems.map((p) => [p.code, rel(dir, p.path), p.line]),
      [['models-not-imported', 'alembic/env.py', 12]],
    );
    assert.match(found.problems[0].message, /app\/models\.py defines User \(table 'users'\)/);
    assert.match(found.problems[0].message, /import app\.models/);
    assert.deepStrictEqual(
      found.unimported!.map((u) => [rel(dir, u.path), u.module, names(u.classes)]),
      [['app/models.py', 'app.models', ['User']]],
    );
  });

  it('models-not-imported: the migrations folder is not walked, so thousands of revisions never hide a model from the scan', () => {
    const revisions: Record<string, string> = {};
    // More revision files than the scan lists in all: `alembic/` sorts before `app/`.
    for (let i = 0; i <= MAX_SCANNED_FILES * 2; i++) {
      revisions[`alembic/versions/r${i}_step.py`] = `revision = 'r${i}'\ndown_revision = None\n`;
    }
    const { dir, found } = discover({
      ...revisions,
      'app/__init__.py': '',
      'app/database.py': 'from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n',
      'app/models.py':
        'from sqlalchemy import Column, Integer\nfrom app.database import Base\n\nclass User(Base):\n    __tablename__ = "users"\n    id = Column(Integer, primary_key=True)\n',
      'alembic/env.py': envPy('from app.database import Base', '', 'target_metadata = Base.metadata'),
    });
    assert.deepStrictEqual(
      found.unimported!.map((u) => rel(dir, u.path)),
      ['app/models.py'],
    );
  });

  it('models-not-imported: a module of single-table-inheritance subclasses adds nothing to a table unless a subclass declares a column', () => {
    const { dir, found } = discover({
      'app/__init__.py': '',
      'app/database.py': 'from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n',
      'app/models.py':
        'from sqlalchemy import Column, Integer, String\nfrom app.database import Base\n\nclass Payment(Base):\n    __tablename__ = "payments"\n    id = Column(Integer, primary_key=True)\n    kind = Column(String)\n    __mapper_args__ = {"polymorphic_on": kind}\n',
      'app/stripe.py':
        'from sqlalchemy.orm import Mapped\nfrom app.models import Payment\n\nclass StripePayment(Payment):\n    __mapper_args__ = {"polymorphic_identity": "stripe"}\n    refunds: Mapped[list["Refund"]] = relationship()\n',
      // polar's event/system.py: attributes under `if TYPE_CHECKING:` only narrow types for the type checker.
      'app/typed.py':
        'from typing import TYPE_CHECKING\nfrom sqlalchemy.orm import Mapped\nfrom app.models import Payment\n\nclass TypedPayment(Payment):\n    if TYPE_CHECKING:\n        kind: Mapped[str]\n        note: Mapped[str]\n',
      'app/card.py':
        'from sqlalchemy import Column, String\nfrom app.models import Payment\n\nclass CardPayment(Payment):\n    __mapper_args__ = {"polymorphic_identity": "card"}\n    last4 = Column(String(4))\n',
      'alembic/env.py': envPy('from app.database import Base', 'import app.models', 'target_metadata = Base.metadata'),
    });
    // app/card.py adds the column payments.last4 only once imported; app/stripe.py and app/typed.py add nothing.
    assert.deepStrictEqual(
      found.unimported!.map((u) => [rel(dir, u.path), names(u.classes)]),
      [['app/card.py', ['CardPayment']]],
    );
    assert.deepStrictEqual(
      found.problems.map((p) => p.code),
      ['models-not-imported'],
    );
    assert.match(found.problems[0].message, /app\/card\.py defines CardPayment/);
  });

  it('a models/ package whose __init__ imports its submodules; relative imports', () => {
    const { dir, found } = discover({
      'app/__init__.py': '',
      'app/models/__init__.py': 'from .base import Base\nfrom .user import User\nfrom . import item\n',
      'app/models/base.py': 'from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n',
      'app/models/user.py':
        'from sqlalchemy.orm import Mapped, mapped_column\nfrom .base import Base\n\nclass User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n',
      'app/models/item.py':
        'from sqlalchemy.orm import Mapped, mapped_column\nfrom app.models.base import Base\n\nclass Item(Base):\n    __tablename__ = "items"\n    id: Mapped[int] = mapped_column(primary_key=True)\n    title: Mapped[str]\n',
      'alembic/env.py': envPy('from app.models import Base', 'target_metadata = Base.metadata'),
    });
    assert.deepStrictEqual(found.problems, []);
    assert.strictEqual(found.metadata?.module, 'app.models.base');
    const byFile = new Map(found.files.map((f) => [rel(dir, f.path), f]));
    assert.deepStrictEqual([...byFile.keys()].sort(), ['app/models/item.py', 'app/models/user.py']);
    assert.strictEqual(byFile.get('app/models/user.py')!.reason, 'imported by app/models/__init__.py (line 2)');
    assert.strictEqual(byFile.get('app/models/item.py')!.reason, 'imported by app/models/__init__.py (line 3)');
    assert.deepStrictEqual(columns(byFile.get('app/models/item.py')!.classes[0]), ['id', 'title']);
  });

  it('the full-stack template: env.py imports app.db.base (which imports every model), a declared_attr table name', () => {
    const { dir, found } = discover({
      'app/__init__.py': '',
      'app/db/__init__.py': '',
      'app/db/base_class.py': [
        'from typing import Any',
        'from sqlalchemy.orm import as_declarative, declared_attr',
        '',
        '@as_declarative()',
        'class Base:',
        '    id: Any',
        '    __name__: str',
        '',
        '    @declared_attr',
        '    def __tablename__(cls) -> str:',
        '        return cls.__name__.lower()',
      ].join('\n'),
      'app/db/base.py':
        '# Import all the models, so that Base has them before being\n# imported by Alembic\nfrom app.db.base_class import Base  # noqa\nfrom app.models.user import User  # noqa\nfrom app.models.item import Item  # noqa\n',
      'app/models/__init__.py': '',
      'app/models/user.py':
        'from sqlalchemy import Column, Integer, String\nfrom app.db.base_class import Base\n\nclass User(Base):\n    id = Column(Integer, primary_key=True, index=True)\n    email = Column(String, unique=True)\n',
      'app/models/item.py':
        'from sqlalchemy import Column, Integer\nfrom app.db.base_class import Base\n\nclass Item(Base):\n    id = Column(Integer, primary_key=True)\n',
      'app/models/archive.py':
        'from sqlalchemy import Column, Integer\nfrom app.db.base_class import Base\n\nclass Archive(Base):\n    id = Column(Integer, primary_key=True)\n',
      'alembic/env.py': envPy('from app.db.base import Base  # noqa', '', 'target_metadata = Base.metadata'),
    });
    assert.deepStrictEqual(found.metadata, { expression: 'Base.metadata', module: 'app.db.base_class', line: 12 });
    const byFile = new Map(found.files.map((f) => [rel(dir, f.path), f]));
    assert.deepStrictEqual([...byFile.keys()].sort(), ['app/models/item.py', 'app/models/user.py']);
    assert.strictEqual(byFile.get('app/models/user.py')!.reason, 'imported by app/db/base.py (line 4)');
    assert.deepStrictEqual(tables(byFile.get('app/models/user.py')!.classes), ['user']);
    assert.deepStrictEqual(
      found.problems.map((p) => p.code),
      ['models-not-imported'],
    );
    assert.match(found.problems[0].message, /app\/models\/archive\.py defines Archive \(table 'archive'\)/);
  });

  it('SQLModel: target_metadata = SQLModel.metadata and a module imported for its side effect', () => {
    const { dir, found } = discover({
      'app/__init__.py': '',
      'app/models.py':
        'from typing import Optional\nfrom sqlmodel import Field, SQLModel\n\nclass Hero(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n    name: str\n',
      'alembic/env.py': envPy(
        'from sqlmodel import SQLModel',
        'import app.models  # noqa: F401',
        '',
        'target_metadata = SQLModel.metadata',
      ),
    });
    assert.deepStrictEqual(found.problems, []);
    assert.deepStrictEqual(found.metadata, { expression: 'SQLModel.metadata', module: 'sqlmodel', line: 13 });
    assert.deepStrictEqual(
      found.files.map((f) => [rel(dir, f.path), f.reason, tables(f.classes)]),
      [['app/models.py', 'imported by env.py (line 11)', ['hero']]],
    );
  });

  it('Table objects on a MetaData named by target_metadata, imported from the module that defines it', () => {
    const { dir, found } = discover({
      'db/__init__.py': '',
      'db/tables.py':
        'from sqlalchemy import Column, Integer, MetaData, Table\nmetadata = MetaData()\nusers = Table("users", metadata, Column("id", Integer, primary_key=True))\n',
      'alembic/env.py': envPy('from db.tables import metadata', 'target_metadata = metadata'),
    });
    assert.deepStrictEqual(
      found.files.map((f) => [rel(dir, f.path), f.reason, names(f.classes), tables(f.classes)]),
      [
        [
          'db/tables.py',
          'defines metadata used by target_metadata (imported by env.py, line 10)',
          ['users'],
          ['users'],
        ],
      ],
    );
  });

  it('a list of metadata; a second Base that target_metadata does not name is neither listed nor reported', () => {
    const { dir, found } = discover({
      'app/__init__.py': '',
      'app/models.py':
        'from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\nclass A(Base):\n    __tablename__ = "a"\n    id = Column(Integer, primary_key=True)\n',
      'app/audit.py':
        'from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\nAuditBase = declarative_base()\nclass Log(AuditBase):\n    __tablename__ = "log"\n    id = Column(Integer, primary_key=True)\n',
      'app/other_db.py':
        'from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\nOtherBase = declarative_base()\nclass Remote(OtherBase):\n    __tablename__ = "remote"\n    id = Column(Integer, primary_key=True)\n',
      'alembic/env.py': envPy(
        'from app.models import Base',
        'from app.audit import AuditBase',
        'target_metadata = [Base.metadata, AuditBase.metadata]',
      ),
    });
    assert.deepStrictEqual(found.problems, []);
    assert.strictEqual(found.metadata?.expression, '[Base.metadata, AuditBase.metadata]');
    assert.deepStrictEqual(found.files.map((f) => rel(dir, f.path)).sort(), ['app/audit.py', 'app/models.py']);
  });

  it('a base wrapped in typing.cast is still that base: the other base imported along the way is not target_metadata', () => {
    const model = (base: string, cls: string, table: string) =>
      `import typing as t\nfrom typing import cast\nfrom sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n${base}\nclass ${cls}(${base.split(' ')[0]}):\n    __tablename__ = "${table}"\n    id = Column(Integer, primary_key=True)\n`;
    const { dir, found } = discover({
      'app/__init__.py': '',
      // deepchecks: the public models import the org models' module, whose base maps another schema.
      'app/public_models.py': `import app.org_models\n${model('Base = t.cast(t.Any, declarative_base())', 'User', 'users')}`,
      'app/org_models.py': model('OrgBase = cast(t.Any, declarative_base())', 'Thing', 'things'),
      'alembic/env.py': envPy('from app.public_models import Base', 'target_metadata = Base.metadata'),
    });
    assert.deepStrictEqual(found.problems, []);
    assert.deepStrictEqual(
      found.files.map((f) => [rel(dir, f.path), tables(f.classes)]),
      [['app/public_models.py', ['users']]],
    );
  });

  it('target_metadata = None: the problem, with the base to import; the model modules a fix should import', () => {
    const { dir, found } = discover({
      'app/__init__.py': '',
      'app/models.py':
        'from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\nclass User(Base):\n    __tablename__ = "users"\n    id = Column(Integer, primary_key=True)\n',
      'alembic/env.py': envPy("# add your model's MetaData object here", 'target_metadata = None'),
    });
    assert.deepStrictEqual(
      found.problems.map((p) => [p.code, rel(dir, p.path), p.line]),
      [['target-metadata-none', 'alembic/env.py', 11]],
    );
    assert.match(found.problems[0].message, /from app\.models import Base/);
    assert.deepStrictEqual(
      found.bases!.map((b) => [b.name, b.module]),
      [['Base', 'app.models']],
    );
    assert.deepStrictEqual(
      found.unimported!.map((u) => u.module),
      ['app.models'],
    );
    assert.deepStrictEqual(found.metadata, { expression: 'None', line: 11 });
  });

  it('a src/ layout on prepend_sys_path; never site-packages or a virtualenv', () => {
    const { dir, found } = discover({
      'alembic.ini': '[alembic]\nscript_location = migrations\nprepend_sys_path = src\n',
      'src/shop/__init__.py': '',
      'src/shop/models.py':
        'from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\nclass Order(Base):\n    __tablename__ = "orders"\n    id = Column(Integer, primary_key=True)\n',
      '.venv/lib/python3.11/site-packages/shop_plugin/models.py':
        'from shop.models import Base\nfrom sqlalchemy import Column, Integer\nclass Plugin(Base):\n    __tablename__ = "plugin"\n    id = Column(Integer, primary_key=True)\n',
      'venv/pyvenv.cfg': 'home = /usr/bin\n',
      'venv/lib/models.py':
        'from shop.models import Base\nfrom sqlalchemy import Column, Integer\nclass Plugin2(Base):\n    __tablename__ = "plugin2"\n    id = Column(Integer, primary_key=True)\n',
      'migrations/env.py': envPy('import shop.models as models', 'target_metadata = models.Base.metadata'),
    });
    assert.deepStrictEqual(found.problems, []);
    assert.deepStrictEqual(
      found.files.map((f) => [rel(dir, f.path), f.module, f.reason]),
      [['src/shop/models.py', 'shop.models', 'defines Base used by target_metadata (imported by env.py, line 10)']],
    );
  });

  it('modelGlobs replace discovery', () => {
    const { dir, found } = discover(
      {
        'app/__init__.py': '',
        'app/users/models.py':
          'from sqlalchemy import Column, Integer\nfrom app.base import Base\nclass User(Base):\n    __tablename__ = "users"\n    id = Column(Integer, primary_key=True)\n',
        'app/orders/models.py':
          'from sqlalchemy import Column, Integer\nfrom app.base import Base\nclass Order(Base):\n    __tablename__ = "orders"\n    id = Column(Integer, primary_key=True)\n',
        'app/orders/views.py': 'x = 1\n',
        'app/base.py': 'from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n',
        'alembic/env.py': envPy('from app.base import Base', 'target_metadata = Base.metadata'),
      },
      ['app/**/models.py'],
    );
    assert.deepStrictEqual(found.problems, []);
    assert.deepStrictEqual(found.files.map((f) => [rel(dir, f.path), f.reason]).sort(), [
      ['app/orders/models.py', "matches alembic.modelGlobs pattern 'app/**/models.py'"],
      ['app/users/models.py', "matches alembic.modelGlobs pattern 'app/**/models.py'"],
    ]);
  });

  it('follows imports inside env.py functions, not those of other modules or under TYPE_CHECKING', () => {
    const { dir, found } = discover({
      'app/__init__.py': '',
      'app/base.py':
        'from typing import TYPE_CHECKING\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\nif TYPE_CHECKING:\n    from app import typed  # noqa\ndef load():\n    from app import lazy  # noqa\n',
      'app/eager.py':
        'from sqlalchemy import Column, Integer\nfrom app.base import Base\nclass Eager(Base):\n    __tablename__ = "eager"\n    id = Column(Integer, primary_key=True)\n',
      'app/typed.py':
        'from sqlalchemy import Column, Integer\nfrom app.base import Base\nclass Typed(Base):\n    __tablename__ = "typed"\n    id = Column(Integer, primary_key=True)\n',
      'app/lazy.py':
        'from sqlalchemy import Column, Integer\nfrom app.base import Base\nclass Lazy(Base):\n    __tablename__ = "lazy"\n    id = Column(Integer, primary_key=True)\n',
      'alembic/env.py': envPy(
        'from app.base import Base',
        'target_metadata = Base.metadata',
        '',
        'def include_models():',
        '    import app.eager  # noqa',
        '',
        'include_models()',
      ),
    });
    assert.deepStrictEqual(
      found.files.map((f) => rel(dir, f.path)),
      ['app/eager.py'],
    );
    assert.deepStrictEqual(found.unimported!.map((u) => rel(dir, u.path)).sort(), ['app/lazy.py', 'app/typed.py']);
  });

  it('reports nothing when modules are imported dynamically (importlib), and nothing without env.py', () => {
    const { found } = discover({
      'app/__init__.py': 'import importlib\nfor name in ("a",):\n    importlib.import_module(f"app.models.{name}")\n',
      'app/base.py': 'from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n',
      'app/models/a.py':
        'from sqlalchemy import Column, Integer\nfrom app.base import Base\nclass A(Base):\n    __tablename__ = "a"\n    id = Column(Integer, primary_key=True)\n',
      'alembic/env.py': envPy('import app', 'from app.base import Base', 'target_metadata = Base.metadata'),
    });
    assert.deepStrictEqual(found.problems, []);
    const none = discover({ 'alembic/versions/.keep': '' }).found;
    assert.deepStrictEqual([none.files, none.problems, none.envPy], [[], [], undefined]);
  });

  it('globMatcher', () => {
    assert.ok(globMatcher('app/**/models.py')('app/models.py'));
    assert.ok(globMatcher('app/**/models.py')('app/a/b/models.py'));
    assert.ok(!globMatcher('app/*/models.py')('app/a/b/models.py'));
    assert.ok(globMatcher('**/{models,tables}.py')('x/tables.py'));
    assert.ok(globMatcher('./app/?.py')('app/a.py'));
  });

  it('globMatcher: ** at the start, the end and alone; * and ? stay inside a folder', () => {
    const everyModels = globMatcher('**/models.py');
    assert.deepStrictEqual(
      ['models.py', 'a/models.py', 'a/b/c/models.py', 'a/models.py.bak', 'a/my_models.py'].map(everyModels),
      [true, true, true, false, false],
    );
    const underApp = globMatcher('app/**');
    assert.deepStrictEqual(['app/x.py', 'app/a/b/x.py', 'other/app/x.py'].map(underApp), [true, true, false]);
    assert.ok(globMatcher('**')('a/b/.hidden.py'), 'dotfiles match, as they did');
    assert.ok(!globMatcher('app/?.py')('app/ab.py'));
    assert.ok(!globMatcher('app/*.py')('app/sub/x.py'));
    assert.ok(globMatcher('app\\*\\models.py')('app/users/models.py'), 'backslashes are folder separators');
  });

  it('globMatcher: braces, nested in paths and with ** inside', () => {
    const both = globMatcher('{app,lib}/**/{models,tables}.py');
    assert.deepStrictEqual(['app/models.py', 'lib/x/tables.py', 'app/x/views.py', 'src/models.py'].map(both), [
      true,
      true,
      false,
      false,
    ]);
    assert.ok(globMatcher('app/{users/**,orders}/models.py')('app/users/a/b/models.py'));
    assert.ok(globMatcher('app/{users/**,orders}/models.py')('app/orders/models.py'));
    assert.ok(!globMatcher('app/{users/**,orders}/models.py')('app/orders/x/models.py'));
  });

  it('globMatcher: regex metacharacters in a path are literal characters', () => {
    const odd = 'app/models (v1.0)+[draft]$^|/user.models.py';
    assert.ok(globMatcher(odd)(odd));
    assert.ok(globMatcher('app/models (v1.0)+[draft]$^|/*.py')(odd));
    assert.ok(!globMatcher('app/models (v1.0)+[draft]$^|/*.py')('app/models v1.0+[draft]$^|/user.py'));
    assert.ok(!globMatcher('app/[abc]/models.py')('app/a/models.py'), '[abc] is no character class');
    assert.ok(!globMatcher('app/user.py')('app/userxpy'), '. is no wildcard');
    assert.ok(!globMatcher('app/+(a).py')('app/a.py'), '+(...) is no extglob');
    assert.ok(!globMatcher('!app/*.py')('lib/x.py'), 'a leading ! is no negation');
  });
});
