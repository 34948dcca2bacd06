"""capture changed/gone flags, parse (agency, year) index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00

The flags repeat what `capture.change` says, as columns SQL users can filter on;
existing rows are filled in from `change` (a schema upgrade, not a capture rewrite).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("capture", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("changed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("gone", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    capture = sa.table(
        "capture", sa.column("change", sa.String), sa.column("changed"), sa.column("gone")
    )
    op.execute(
        capture.update().values(
            changed=capture.c.change == "changed", gone=capture.c.change == "gone"
        )
    )
    with op.batch_alter_table("parse", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parse_agency_year"), ["agency", "year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("parse", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parse_agency_year"))
    with op.batch_alter_table("capture", schema=None) as batch_op:
        batch_op.drop_column("gone")
        batch_op.drop_column("changed")
