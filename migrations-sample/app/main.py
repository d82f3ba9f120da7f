"""FastAPI app: ``uvicorn app.main:app``. Run ``alembic upgrade head`` first."""
from typing import Iterator, List, Optional

import pydantic
from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from app.database import SessionLocal
from app.models import User

PYDANTIC_2 = int(pydantic.VERSION.split(".")[0]) >= 2

app = FastAPI(title="Users")


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


class UserOut(pydantic.BaseModel):
    id: int
    name: str
    email: Optional[str] = None

    # Read the fields from the ORM object's attributes.
    if PYDANTIC_2:
        model_config = pydantic.ConfigDict(from_attributes=True)
    else:

        class Config:
            orm_mode = True


@app.get("/users", response_model=List[UserOut])
def list_users(db: Session = Depends(get_db)) -> List[User]:
    return db.query(User).order_by(User.id).all()
