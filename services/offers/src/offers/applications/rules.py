"""The status machine of applications and the rules a submission and a decision must satisfy.

Checks raise problems that name the failed rule (``rule`` in the problem, its ``type`` URL):
409 for a move the status does not allow or a limit the fund's money sets, 422 for content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from offers.models import Application, Fund
from schulerfolg.http.problems import Conflict, FieldError, Unprocessable

MOVES: dict[str, tuple[frozenset[str], str | None]] = {
    "edit": (frozenset({"draft", "returned"}), None),
    "consult": (frozenset({"draft", "returned"}), None),
    "submit": (frozenset({"draft", "returned"}), "submitted"),
    "withdraw": (frozenset({"draft", "submitted", "returned"}), "withdrawn"),
    "decide": (frozenset({"submitted"}), None),
    "report": (frozenset({"approved"}), "reported"),
    "close": (frozenset({"reported"}), "completed"),
}
"""Action → (statuses it is allowed from, status it leads to; a decision's depends on the outcome)."""

FUNDED = ("approved", "reported", "completed")
"""Statuses whose approved money counts against the fund and the per-school cap."""

_VERBS = {
    "edit": "changed",
    "consult": "advised on",
    "submit": "submitted",
    "withdraw": "withdrawn",
    "decide": "decided on",
    "report": "reported on",
    "close": "closed",
}


def ensure_move(app: Application, action: str) -> None:
    """409 naming the rule when ``action`` is not allowed in the application's status."""
    allowed, _ = MOVES[action]
    if app.status not in allowed:
        statuses = " or ".join(sorted(allowed))
        raise Conflict(
            f"An application can be {_VERBS[action]} only when it is {statuses}; "
            f"this one is {app.status}.",
            rule=f"{action}-only-when-{'-or-'.join(sorted(allowed))}",
            title="Not allowed in this status",
        )


@dataclass(frozen=True)
class Failure:
    field: str
    rule: str
    message: str


def _field_errors(failures: Iterable[Failure]) -> list[FieldError]:
    return [
        FieldError(field=f.field, location="body", message=f.message, type=f.rule) for f in failures
    ]


def completeness(app: Application) -> list[Failure]:
    """What a submitted application must contain."""
    failures = []
    for name, label in (("summary", "a summary"), ("goals", "the goals")):
        if not getattr(app, name):
            failures.append(Failure(name, "incomplete", f"{label} must be filled in"))
    if not app.topics:
        failures.append(Failure("topics", "incomplete", "name at least one topic (see /topics)"))
    groups = [g for g in ("pupils", "parents", "teachers") if getattr(app, f"for_{g}")]
    if not groups:
        failures.append(Failure("target_groups", "incomplete", "name at least one target group"))
    for group in groups:
        if getattr(app, f"planned_{group}") <= 0:
            failures.append(
                Failure(
                    f"planned_participants.{group}",
                    "incomplete",
                    f"say how many {group} are expected to take part",
                )
            )
    if app.start_date is None:
        failures.append(Failure("start_date", "incomplete", "the start date must be given"))
    if app.end_date is None:
        failures.append(Failure("end_date", "incomplete", "the end date must be given"))
    if not app.budget_lines:
        failures.append(Failure("budget_lines", "incomplete", "list at least one cost line"))
    if not (app.contact_name and app.contact_email):
        failures.append(Failure("contact", "incomplete", "name a contact person with e-mail"))
    return failures


def dates_and_requirements(app: Application, fund: Fund) -> list[Failure]:
    """Dates inside the fund's period, the fund's partner rule and the per-application cap."""
    failures = []
    if app.start_date and app.end_date:
        if app.end_date < app.start_date:
            failures.append(
                Failure("end_date", "end-before-start", "must not be before start_date")
            )
        for name in ("start_date", "end_date"):
            day = getattr(app, name)
            if not fund.period_start <= day <= fund.period_end:
                failures.append(
                    Failure(
                        name,
                        "outside-fund-period",
                        f"must lie in the fund's period {fund.period_start}–{fund.period_end}",
                    )
                )
    if fund.requires_partner and not (
        app.partner_organization_ids or app.applicant_organization_id
    ):
        failures.append(
            Failure(
                "partner_organization_ids",
                "partner-required",
                "this fund needs a cooperating provider or school association as partner",
            )
        )
    cap = fund.max_per_application_cents
    if cap is not None and app.requested_cents > cap:
        failures.append(
            Failure(
                "budget_lines",
                "max-per-application",
                f"the requested {app.requested_cents} cents exceed the fund's cap of {cap} "
                "cents per application",
            )
        )
    return failures


def ensure_submittable(app: Application, fund: Fund) -> None:
    """409 when the fund requires advice that was not given; 422 naming every content rule."""
    if fund.requires_consultation and app.consultation_date is None:
        raise Conflict(
            "This fund requires advice from the network office before submitting; ask the office "
            "to record the consultation.",
            rule="consultation-required",
        )
    failures = completeness(app) + dates_and_requirements(app, fund)
    if failures:
        raise Unprocessable(
            "The application cannot be submitted yet: "
            + "; ".join(f"{f.field}: {f.message}" for f in failures)
            + ".",
            rule=failures[0].rule,
            errors=_field_errors(failures),
        )


def share(amount: int, schools: int, index: int) -> int:
    """A school's share of an amount split evenly between an application's schools (in cents)."""
    base, rest = divmod(amount, schools)
    return base + (1 if index < rest else 0)
