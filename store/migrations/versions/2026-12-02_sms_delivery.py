"""sms delivery: status, attempts, backoff, expiry

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:09:48.344242
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('provider_ref', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_sms_outbox_due', ['status', 'next_attempt_at'], unique=False)
    # Nothing ever sent the rows queued before: their codes are long invalid, never send them.
    op.execute("UPDATE sms_outbox SET status = CASE WHEN sent_at IS NULL THEN 'expired' "
               "ELSE 'sent' END")


def downgrade() -> None:
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_outbox_due')
        batch_op.drop_column('provider_ref')
        batch_op.drop_column('last_error')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
        batch_op.drop_column('params')
