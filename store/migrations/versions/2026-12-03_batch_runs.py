"""batch runs, outreach opt-ins, warning tasks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.String(length=7), nullable=False),
        sa.Column("region_prefix", sa.String(length=6), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("sample_rate", sa.Double(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("watermarks", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_batch_run_job", "batch_run", ["job"], unique=False)
    op.create_table(
        "outreach_opt_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.LargeBinary(), nullable=False),
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("text_version", sa.String(length=32), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outreach_opt_in_person_id", "outreach_opt_in", ["person_id"])
    op.create_table(
        "warning_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.String(length=7), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["batch_run.id"]),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_warning_task_family_id", "warning_task", ["family_id"])
    op.create_index("ix_warning_task_region_code", "warning_task", ["region_code"])


def downgrade() -> None:
    op.drop_index("ix_warning_task_region_code", table_name="warning_task")
    op.drop_index("ix_warning_task_family_id", table_name="warning_task")
    op.drop_table("warning_task")
    op.drop_index("ix_outreach_opt_in_person_id", table_name="outreach_opt_in")
    op.drop_table("outreach_opt_in")
    op.drop_index("ix_batch_run_job", table_name="batch_run")
    op.drop_table("batch_run")
