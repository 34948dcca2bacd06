"""warc_file: closed WARC files shipped to the WARC store, where they live, their digests

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 14:15:00

A new table only: existing archives keep every file in their local warc/ folder (no
rows), and the first writer opened with OGI_WARC_STORE set ships them (archive.shipping).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warc_file",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=255), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warc_file")),
        sa.UniqueConstraint("name", name=op.f("uq_warc_file_name")),
    )


def downgrade() -> None:
    op.drop_table("warc_file")
