"""Statistics summary (issue 18): the statistics' sums kept current by the changes themselves.

Two tables, filled from the existing rows here (backfill) and, on PostgreSQL, kept current by
triggers in the same transaction as each change:

- ``statistics_summary``: per dimension and key (``all``/'' — plus the money after approval —,
  ``target_group``/group, ``topic``/topic, ``school_type``/type, distinct per application), region,
  fund, start year (0: no start date) and status: the number of applications and the sums of their
  measured columns. (Start months would serve more periods, but at 1,000,000 applications give
  ~10× the rows — most combinations occur — and reading them would take about a second.)
- ``statistics_school_reach``: per school, region, fund and start year, the number of funded
  applications naming the school (``schools_reached`` counts the distinct schools with a count
  above zero, joined with the schools' current social-work flag when asked).

What one application contributes is the view ``statistics_contributions`` (and
``statistics_reach_contributions``); ``statistics_summary_apply(application, ±1)`` adds or
takes it away. The triggers take an application's contribution away before a statement changes
it and add it back after the statement, so the summary always equals the sum over the current rows (the integration test compares
it with a plain GROUP BY). ``statistics_summary_rebuild()`` recomputes both tables from scratch
(the backfill here; bulk loads with the triggers off call it too).

SQLite gets the tables (the metadata has them) but no triggers: statistics there read the base
tables, as before.

The application lists get ``ix_applications_region_status_created`` (region, status, created_at,
id) instead of (region, status): a network office's page of one status is read in page order
from the index and stops after the page, instead of sorting every match.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = ("pupils", "parents", "teachers")
MEASURES = (
    "applications",
    "requested_cents",
    "approved_cents",
    *(f"planned_{g}" for g in GROUPS),
    *(f"actual_{g}" for g in GROUPS),
    "paid_cents",
    "accepted_cents",
    "reclaimed_cents",
)
SUMMARY_KEY = ("dimension", "key", "region", "fund_id", "start_year", "status")
REACH_KEY = ("school_id", "region", "fund_id", "start_year")
NO_START = "0"
FUNDED = "('approved', 'reported', 'completed')"
# the application columns a contribution depends on (an update of others changes nothing)
TRACKED = (
    "status",
    "region",
    "fund_id",
    "start_date",
    "requested_cents",
    "approved_cents",
    *(f"planned_{g}" for g in GROUPS),
    *(f"actual_{g}" for g in GROUPS),
    *(f"for_{g}" for g in GROUPS),
)

APPLICATION_COLUMNS = ", ".join(
    (
        "a.region",
        "a.fund_id",
        f"coalesce(extract(year FROM a.start_date)::integer, {NO_START}) AS start_year",
        "a.status",
        "1::bigint AS applications",
        "coalesce(a.requested_cents, 0)::bigint AS requested_cents",
        "coalesce(a.approved_cents, 0)::bigint AS approved_cents",
        *(f"coalesce(a.planned_{g}, 0)::bigint AS planned_{g}" for g in GROUPS),
        *(f"coalesce(a.actual_{g}, 0)::bigint AS actual_{g}" for g in GROUPS),
    )
)
NO_MONEY = "0::bigint AS paid_cents, 0::bigint AS accepted_cents, 0::bigint AS reclaimed_cents"

# A UNION ALL of plain joins (no LATERAL): a condition on application_id reaches every branch
# and the grouped subqueries (index lookups for one application), and the full rebuild gets
# hash joins instead of a loop over the applications.
CONTRIBUTIONS = f"""
CREATE VIEW statistics_contributions AS
SELECT a.id AS application_id, 'all'::text AS dimension, ''::text AS key, {APPLICATION_COLUMNS},
       coalesce(p.paid_cents, 0)::bigint AS paid_cents,
       coalesce(u.accepted_cents, 0)::bigint AS accepted_cents,
       coalesce(u.reclaimed_cents, 0)::bigint AS reclaimed_cents
  FROM applications a
  LEFT JOIN (SELECT application_id, sum(amount_cents) AS paid_cents FROM payment_requests
              WHERE status = 'paid' GROUP BY application_id) AS p ON p.application_id = a.id
  LEFT JOIN (SELECT application_id, sum(accepted_cents) AS accepted_cents,
                    sum(reclaim_cents) AS reclaimed_cents
               FROM proofs_of_use WHERE status = 'accepted' GROUP BY application_id) AS u
         ON u.application_id = a.id
UNION ALL
SELECT a.id, 'target_group', g.name, {APPLICATION_COLUMNS}, {NO_MONEY}
  FROM applications a
  CROSS JOIN LATERAL (VALUES {", ".join(f"('{g}', a.for_{g})" for g in GROUPS)}) AS g (name, flag)
 WHERE g.flag
UNION ALL
SELECT a.id, 'topic', t.topic, {APPLICATION_COLUMNS}, {NO_MONEY}
  FROM applications a JOIN application_topics t ON t.application_id = a.id
UNION ALL
SELECT a.id, 'school_type', st.school_type, {APPLICATION_COLUMNS}, {NO_MONEY}
  FROM applications a
  JOIN (SELECT DISTINCT x.application_id, coalesce(v.school_type, 'unknown') AS school_type
          FROM application_schools x LEFT JOIN schools v ON v.id = x.school_id) AS st
    ON st.application_id = a.id
"""

REACH_CONTRIBUTIONS = f"""
CREATE VIEW statistics_reach_contributions AS
SELECT a.id AS application_id, x.school_id, a.region, a.fund_id,
       coalesce(extract(year FROM a.start_date)::integer, {NO_START}) AS start_year
FROM applications a JOIN application_schools x ON x.application_id = a.id
WHERE a.status IN {FUNDED}
"""


def _add(column: str, table: str) -> str:
    return f"{column} = {table}.{column} + excluded.{column}"


# PL/pgSQL (not SQL) so that each session plans these statements once, not on every call
APPLY = f"""
CREATE FUNCTION statistics_summary_apply(p_application uuid, p_sign bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO statistics_summary AS s ({", ".join(SUMMARY_KEY + MEASURES)})
    SELECT {", ".join(SUMMARY_KEY)}, {", ".join(f"p_sign * {m}" for m in MEASURES)}
      FROM statistics_contributions WHERE application_id = p_application
     ORDER BY {", ".join(SUMMARY_KEY)}
    ON CONFLICT ({", ".join(SUMMARY_KEY)}) DO UPDATE
       SET {", ".join(_add(m, "s") for m in MEASURES)};
    INSERT INTO statistics_school_reach AS r ({", ".join(REACH_KEY)}, applications)
    SELECT {", ".join(REACH_KEY)}, p_sign
      FROM statistics_reach_contributions WHERE application_id = p_application
     ORDER BY {", ".join(REACH_KEY)}
    ON CONFLICT ({", ".join(REACH_KEY)}) DO UPDATE SET {_add("applications", "r")};
END $$
"""

# ANALYZE first: after a bulk load the planner would otherwise guess at empty tables
REBUILD = f"""
CREATE FUNCTION statistics_summary_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL work_mem = '256MB';
    ANALYZE applications, application_topics, application_schools, schools, payment_requests,
        proofs_of_use;
    DELETE FROM statistics_summary;
    DELETE FROM statistics_school_reach;
    INSERT INTO statistics_summary ({", ".join(SUMMARY_KEY + MEASURES)})
    SELECT {", ".join(SUMMARY_KEY)}, {", ".join(f"sum({m})" for m in MEASURES)}
      FROM statistics_contributions GROUP BY {", ".join(SUMMARY_KEY)};
    INSERT INTO statistics_school_reach ({", ".join(REACH_KEY)}, applications)
    SELECT {", ".join(REACH_KEY)}, count(*)
      FROM statistics_reach_contributions GROUP BY {", ".join(REACH_KEY)};
    ANALYZE statistics_summary, statistics_school_reach;
END $$
"""

# Row triggers alone cannot bracket a change: BEFORE ROW triggers run between the rows of a
# statement, AFTER ROW triggers only after its last row (a statement deleting two schools of one
# application would take its contribution away twice, add it back once). So a BEFORE ROW trigger
# takes away the contribution of each application the row belongs to — the first time the
# statement meets that application, when none of its rows has changed yet — and notes it in a
# transaction-local setting; the AFTER STATEMENT trigger adds the noted applications back as
# they are then. This holds for INSERT … ON CONFLICT too (its BEFORE INSERT fires even when it
# meets an existing row) and for cascades (their statements find the application noted).
TAKE_OUT = """
CREATE FUNCTION statistics_take_out() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    noted text := coalesce(current_setting('statistics.pending', true), '');
    application uuid;
BEGIN
    FOR application IN
        SELECT DISTINCT x.application_id
          FROM (SELECT (to_jsonb(OLD) ->> TG_ARGV[0])::uuid WHERE TG_OP <> 'INSERT'
                UNION SELECT (to_jsonb(NEW) ->> TG_ARGV[0])::uuid WHERE TG_OP <> 'DELETE')
               AS row_ (id)
          JOIN LATERAL (
                SELECT row_.id WHERE TG_TABLE_NAME <> 'schools'
                UNION ALL
                SELECT l.application_id FROM application_schools l
                 WHERE TG_TABLE_NAME = 'schools' AND l.school_id = row_.id
          ) AS x (application_id) ON true
    LOOP
        IF position(application::text IN noted) = 0 THEN
            PERFORM statistics_summary_apply(application, -1);
            noted := noted || application::text || ',';
        END IF;
    END LOOP;
    PERFORM set_config('statistics.pending', noted, true);
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$
"""

PUT_BACK = """
CREATE FUNCTION statistics_put_back() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    noted text := coalesce(current_setting('statistics.pending', true), '');
    application text;
BEGIN
    IF noted = '' THEN RETURN NULL; END IF;
    PERFORM set_config('statistics.pending', '', true);
    FOR application IN SELECT unnest(string_to_array(rtrim(noted, ','), ',')) LOOP
        PERFORM statistics_summary_apply(application::uuid, 1);
    END LOOP;
    RETURN NULL;
END $$
"""


def _changed(columns: Sequence[str]) -> str:
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return f"(({old}) IS DISTINCT FROM ({new}))"


TRIGGERS = {
    # table: (the column naming the application — schools: the school —, the columns whose
    # update matters)
    "applications": ("id", TRACKED),
    "application_topics": ("application_id", ("application_id", "topic")),
    "application_schools": ("application_id", ("application_id", "school_id")),
    "schools": ("id", ("school_type",)),
    "payment_requests": ("application_id", ("application_id", "status", "amount_cents")),
    "proofs_of_use": (
        "application_id",
        ("application_id", "status", "accepted_cents", "reclaim_cents"),
    ),
}


def _create_triggers() -> None:
    for table, (column, tracked) in TRIGGERS.items():
        take_out = f"FOR EACH ROW EXECUTE FUNCTION statistics_take_out('{column}')"
        op.execute(
            f"CREATE TRIGGER statistics_take_out BEFORE INSERT OR DELETE ON {table} {take_out}"
        )
        op.execute(
            f"CREATE TRIGGER statistics_take_out_update BEFORE UPDATE ON {table} "
            f"FOR EACH ROW WHEN {_changed(tracked)} EXECUTE FUNCTION statistics_take_out('{column}')"
        )
        op.execute(
            f"CREATE TRIGGER statistics_put_back AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION statistics_put_back()"
        )


def _measure(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "statistics_summary",
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("fund_id", sa.Uuid(), primary_key=True),
        sa.Column("start_year", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(16), primary_key=True),
        *(_measure(m) for m in MEASURES),
    )
    op.create_table(
        "statistics_school_reach",
        sa.Column("school_id", sa.Uuid(), primary_key=True),
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("fund_id", sa.Uuid(), primary_key=True),
        sa.Column("start_year", sa.Integer(), primary_key=True),
        _measure("applications"),
    )
    # the lists (issue 18): a region's applications in a status read in page order, no sort
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_region_status")
        batch_op.create_index(
            "ix_applications_region_status_created", ["region", "status", "created_at", "id"]
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in (
        CONTRIBUTIONS,
        REACH_CONTRIBUTIONS,
        APPLY,
        REBUILD,
        TAKE_OUT,
        PUT_BACK,
    ):
        op.execute(statement)
    _create_triggers()
    op.execute("SELECT statistics_summary_rebuild()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TRIGGERS:
            for name in ("take_out", "take_out_update", "put_back"):
                op.execute(f"DROP TRIGGER statistics_{name} ON {table}")
        for function in (
            "statistics_take_out",
            "statistics_put_back",
            "statistics_summary_rebuild",
            "statistics_summary_apply",
        ):
            op.execute(f"DROP FUNCTION {function}")
        op.execute("DROP VIEW statistics_reach_contributions")
        op.execute("DROP VIEW statistics_contributions")
    op.drop_table("statistics_school_reach")
    op.drop_table("statistics_summary")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_region_status_created")
        batch_op.create_index("ix_applications_region_status", ["region", "status"])
