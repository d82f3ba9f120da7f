"""SQLAlchemy models. Alembic autogenerate compares ``Base.metadata`` with the database."""
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
    # Added by the second revision, so nullable: rows created before have none.
    email = Column(String(255), nullable=True, unique=True, index=True)
