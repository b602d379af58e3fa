"""staff: accounts, access log, case timeline, relay, visits, referrals, notices

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:13:33.674247
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username_hash', sa.String(length=64), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_client_hash'), ['client_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_username_hash'), ['username_hash'], unique=False)

    op.create_table('staff_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('region_prefix', sa.String(length=6), nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_account')),
    sa.UniqueConstraint('telegram_user_id', name=op.f('uq_staff_account_telegram_user_id')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_account_username'))
    )
    op.create_table('staff_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('resource', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_account.id'], name=op.f('fk_staff_access_staff_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_access'))
    )
    with op.batch_alter_table('staff_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_access_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_access_staff_id'), ['staff_id'], unique=False)

    op.create_table('staff_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_account.id'], name=op.f('fk_staff_session_staff_id_staff_account')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_staff_session'))
    )
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_session_staff_id'), ['staff_id'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('text', sa.LargeBinary(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_event_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_event'))
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_case_id'), ['case_id'], unique=False)

    op.create_table('case_view',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_view_case_id_case')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_account.id'], name=op.f('fk_case_view_staff_id_staff_account')),
    sa.PrimaryKeyConstraint('case_id', 'staff_id', name=op.f('pk_case_view'))
    )
    op.create_table('home_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('notes', sa.LargeBinary(), nullable=True),
    sa.Column('precheck_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_home_visit_case_id_case')),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_home_visit_family_id_family')),
    sa.ForeignKeyConstraint(['precheck_id'], ['precheck_result.id'], name=op.f('fk_home_visit_precheck_id_precheck_result')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_account.id'], name=op.f('fk_home_visit_staff_id_staff_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_visit'))
    )
    with op.batch_alter_table('home_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_home_visit_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_home_visit_family_id'), ['family_id'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('precheck_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('html', sa.LargeBinary(), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_notice_case_id_case')),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_notice_family_id_family')),
    sa.ForeignKeyConstraint(['issued_by'], ['staff_account.id'], name=op.f('fk_notice_issued_by_staff_account')),
    sa.ForeignKeyConstraint(['precheck_id'], ['precheck_result.id'], name=op.f('fk_notice_precheck_id_precheck_result')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_case_id'), ['case_id'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('program', sa.String(length=40), nullable=False),
    sa.Column('note', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('acknowledge_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('benefit_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['benefit_id'], ['benefit.id'], name=op.f('fk_referral_benefit_id_benefit')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_referral_case_id_case')),
    sa.ForeignKeyConstraint(['created_by'], ['staff_account.id'], name=op.f('fk_referral_created_by_staff_account')),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_referral_family_id_family')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_referral_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_family_id'), ['family_id'], unique=False)

    op.create_table('benefit_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('benefit_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('new_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['benefit_id'], ['benefit.id'], name=op.f('fk_benefit_decision_benefit_id_benefit')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_benefit_decision_case_id_case')),
    sa.ForeignKeyConstraint(['decided_by'], ['staff_account.id'], name=op.f('fk_benefit_decision_decided_by_staff_account')),
    sa.ForeignKeyConstraint(['proposed_by'], ['staff_account.id'], name=op.f('fk_benefit_decision_proposed_by_staff_account')),
    sa.ForeignKeyConstraint(['visit_id'], ['home_visit.id'], name=op.f('fk_benefit_decision_visit_id_home_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_decision'))
    )
    with op.batch_alter_table('benefit_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_decision_case_id'), ['case_id'], unique=False)

    op.create_table('outbound',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('sender_hash', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.LargeBinary(), nullable=False),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('reset_conversation', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_outbound_case_id_case')),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_outbound_notice_id_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound'))
    )
    with op.batch_alter_table('outbound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_delivered_at'), ['delivered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_sender_hash'), ['sender_hash'], unique=False)

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.String(length=8), nullable=False, server_default='normal'))
        batch_op.add_column(sa.Column('precheck_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('address', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('held', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('callback_offered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolution', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('group_card_id', sa.BigInteger(), nullable=True))
        batch_op.alter_column('status',
               existing_type=sa.VARCHAR(length=10),
               type_=sa.String(length=24),
               existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_case_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_group_card_id'), ['group_card_id'], unique=False)
        batch_op.create_index('ix_case_held_sender', ['sender_hash', 'held'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_case_assignee_id_staff_account'), 'staff_account', ['assignee_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_case_precheck_id_precheck_result'), 'precheck_result', ['precheck_id'], ['id'])
        batch_op.drop_column('assigned_to')
        batch_op.drop_column('findings')



def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('findings', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('assigned_to', sa.VARCHAR(length=64), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_case_precheck_id_precheck_result'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_case_assignee_id_staff_account'), type_='foreignkey')
        batch_op.drop_index('ix_case_held_sender')
        batch_op.drop_index(batch_op.f('ix_case_group_card_id'))
        batch_op.drop_index(batch_op.f('ix_case_assignee_id'))
        batch_op.alter_column('status',
               existing_type=sa.String(length=24),
               type_=sa.VARCHAR(length=10),
               existing_nullable=False)
        batch_op.drop_column('group_card_id')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('resolution')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('callback_offered_at')
        batch_op.drop_column('first_contact_at')
        batch_op.drop_column('held')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('address')
        batch_op.drop_column('channel')
        batch_op.drop_column('precheck_id')
        batch_op.drop_column('priority')

    with op.batch_alter_table('outbound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_sender_hash'))
        batch_op.drop_index(batch_op.f('ix_outbound_delivered_at'))

    op.drop_table('outbound')
    with op.batch_alter_table('benefit_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_decision_case_id'))

    op.drop_table('benefit_decision')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_family_id'))
        batch_op.drop_index(batch_op.f('ix_referral_case_id'))

    op.drop_table('referral')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_case_id'))

    op.drop_table('notice')
    with op.batch_alter_table('home_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_home_visit_family_id'))
        batch_op.drop_index(batch_op.f('ix_home_visit_case_id'))

    op.drop_table('home_visit')
    op.drop_table('case_view')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_case_id'))

    op.drop_table('case_event')
    with op.batch_alter_table('staff_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_access_staff_id'))
        batch_op.drop_index(batch_op.f('ix_staff_access_at'))

    op.drop_table('staff_access')
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_session_staff_id'))
        batch_op.drop_index(batch_op.f('ix_staff_session_expires_at'))

    op.drop_table('staff_session')
    op.drop_table('staff_account')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_username_hash'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_client_hash'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_at'))

    op.drop_table('login_attempt')
