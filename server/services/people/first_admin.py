"""The first admin of a warehouse started empty (docs/setup.md): `python -m server setup` makes one when no
user exists yet; `python -m server create-admin` makes another (a lost password, a second admin)."""
from __future__ import annotations

from sqlalchemy import func, select

from server.db.models import User
from server.domain.errors import WmsError
from server.extensions import db
from server.services.people import users
from server.services.people.auth import hash_password

SHORTEST_PASSWORD = users.MIN_PASSWORD


def needed() -> bool:
    """No user at all: nobody could log in to make one."""
    return not db.session.execute(select(func.count(User.id))).scalar()


def check_password(password: str) -> None:
    users.check_password(password)


def create_admin(username: str, password: str, name: str = "") -> User:
    """An active admin who logs in with `password` (no badge: admins need a password). The same rules for
    names and passwords as every person's (server/services/people/users.py)."""
    username = users.check_username(username)
    users.check_password(password)
    if db.session.execute(select(User.id).where(func.lower(User.username) == username.lower())).first():
        raise WmsError("username_taken", username=username)
    user = User(username=username, name=name or username, role="admin", password_hash=hash_password(password))
    db.session.add(user)
    db.session.commit()
    return user
