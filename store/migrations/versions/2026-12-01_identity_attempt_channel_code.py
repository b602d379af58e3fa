"""identity attempts: the channel they came from and the hash of a code sent

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("code_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_identity_attempt_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("identity_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_attempt_at"))
        batch_op.drop_column("code_hash")
        batch_op.drop_column("channel")
