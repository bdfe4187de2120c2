"""Persistence: SQLAlchemy models, engine settings, Alembic migrations."""
