"""full-text search index over the extracted texts

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:45:00

SQLite: an FTS5 table with the trigram tokenizer (substring matches, so Chinese needs no
word segmentation) over text.text as external content, kept in sync by triggers.
PostgreSQL: a pg_trgm GIN index on text.text, which serves ILIKE '%…%'. Existing texts
are indexed here; archive.search.rebuild() redoes it for a catalog that needs it.
"""

from alembic import op

from archive import search

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    search.install(op.get_bind())


def downgrade() -> None:
    search.uninstall(op.get_bind())
