"""Alembic environment: run on the connection the archive hands over (no alembic.ini)."""

from alembic import context

from archive.models import Base
from archive.search import is_search_object

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=lambda name, kind, _parent: not is_search_object(name),
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
