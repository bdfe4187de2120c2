"""Extensions created once and bound to the app in the factory."""
from typing import Any

from flask import g, has_app_context
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect

from server.db.base import Base
from server.db.engine import READER


class _Session(Session):
    """A read-only request (marked in server/app.py) reads on SQLite's reader connections."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if bind is None and has_app_context() and g.get("read_only"):
            reader = self._db.engines.get(READER)
            if reader is not None:
                return reader
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def writes_too() -> None:
    """This read request writes after all (a page that first stores what the process gathered in memory):
    its statements go to the writing connection from here on."""
    g.read_only = False


db = SQLAlchemy(model_class=Base, session_options={"class_": _Session})
migrate = Migrate()
csrf = CSRFProtect()
