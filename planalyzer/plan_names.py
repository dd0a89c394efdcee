"""What the report and the what-if commands say about the plan names in the logs.

A logged name that differs from a catalog plan's key or display name only in case, '-', '_'
or spaces is read as that plan (``PlanCatalog.find_logged``), with a note; a name not in the
catalog at all leaves its users with no plan (cost, no revenue): a warning naming the
nearest plan key, and with --strict an error, as for an unknown model.
"""

from __future__ import annotations

from planalyzer.checks import nearest
from planalyzer.plans import Assignment, PlanCatalog, loose_name
from planalyzer.tables import some_of


def near_plan(name: str, catalog: PlanCatalog) -> str | None:
    """The key of the catalog plan whose key or display name is nearest ``name``
    (``checks.nearest``, as the did-you-mean of scenario keys), or None."""
    forms: dict[str, str] = {}
    for p in catalog.plans.values():
        forms.setdefault(loose_name(p.key), p.key)
        forms.setdefault(loose_name(p.name), p.key)
    near = nearest(loose_name(name), forms)
    return None if near is None else forms[near]


def read_as_note(assignment: Assignment) -> str | None:
    """The note on the logged plan names read as a plan they name only loosely."""
    if not assignment.read_as:
        return None
    pairs = ", ".join(f"logged {name!r} read as {key}"
                      for name, key in sorted(assignment.read_as.items()))
    return (f"{pairs} (a plan name in the logs that differs from a catalog plan's key or name "
            "only in case, '-', '_' or spaces is that plan)")


def unknown_plans_message(assignment: Assignment, catalog: PlanCatalog) -> str | None:
    """The warning (with --strict, the error) on the plan names in the logs that the catalog
    lacks, each with its users and the nearest plan key; None when there are none."""
    if not assignment.unknown_logged:
        return None
    listed = []
    for name, users in sorted(assignment.unknown_logged.items(), key=lambda kv: (-kv[1], kv[0])):
        near = near_plan(name, catalog)
        hint = f"; did you mean {near!r}?" if near else ""
        listed.append(f"{name!r} ({users:,} user(s){hint})")
    return ("plans in the logs not in the plan catalog, so their users have no plan (no "
            f"revenue): {some_of(listed)}; correct the logs' plan column, add the plan to a "
            "--plans catalog, or give those users' plan with --assign or --plan-file")
