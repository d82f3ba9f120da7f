"""Database engine and session factory.

The URL comes from the ``DATABASE_URL`` environment variable. The default is a
SQLite file, ``app.db``, next to ``alembic.ini`` (the project folder), whatever
the current directory is. ``alembic/env.py`` imports ``DATABASE_URL`` from here,
so the app and its migrations always use the same database.
"""
import os
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

PROJECT_DIR = Path(__file__).resolve().parent.parent

DATABASE_URL = os.environ.get(
    "DATABASE_URL", f"sqlite:///{(PROJECT_DIR / 'app.db').as_posix()}"
)

# SQLite connections may only be used by the thread that created them, unless
# told otherwise; FastAPI runs sync dependencies and endpoints in a thread pool.
connect_args = {"check_same_thread": False} if DATABASE_URL.startswith("sqlite") else {}

engine = create_engine(DATABASE_URL, connect_args=connect_args)
SessionLocal = sessionmaker(bind=engine, autocommit=False, autoflush=False)
