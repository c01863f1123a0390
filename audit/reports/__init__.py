"""Abuse reports (R10, 专项治理): one module per rule, each a named SQL pattern.

A rule says which cases show the pattern and why. It is one SQL query over the cases of the
auditor's jurisdiction, selecting one row per finding:

    case_id      the case that shows the pattern
    township_id  the township it is counted in (from the `scope` CTE)
    facts        a jsonb object: what the auditor needs to see why (names, dates, amounts)

The query may read two CTEs the runner (`audit.reports.queries`) puts in front of it:

    scope(region_id, township_id, policy_id)   every region of the jurisdiction, the township
                                                its cases are counted in, its policy in force
    policies(id, v)                             the policy values in force today (jsonb), one
                                                row per distinct set

and the named parameters `%(today)s` plus whatever `params()` returns. A case may have several
findings (rows); the pages show one line per case with every reason.

To add a rule: a module in this package with a `Rule` subclass decorated with `@register`;
its title and explanation in gettext, its `why` text from the facts.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.utils.functional import Promise

ACTIVE = "active"
# Kinds whose benefit is measured against the dibao standard and reviewed by class.
MEASURED_KINDS = ("dibao", "tekun")


class Rule:
    """One abuse pattern. Subclasses set the class attributes and write `sql` and `why`."""

    code: ClassVar[str]
    title: ClassVar[Promise]
    # Plain words for the auditor: what the rule looks for and where the data comes from.
    explanation: ClassVar[Promise]
    # Where the rule stands in the list of reports.
    order: ClassVar[int] = 100

    def sql(self) -> str:
        """SELECT case_id, township_id, facts … (see the module docstring)."""
        raise NotImplementedError

    def params(self, today: date) -> dict[str, Any]:
        """Named parameters the SQL reads besides today, scope and policies."""
        return {}

    def why(self, facts: Mapping[str, Any]) -> str:
        """One finding in words, in the active language."""
        raise NotImplementedError

    def reasons(self, findings: Sequence[Mapping[str, Any]]) -> list[str]:
        """Every finding of one case in words, each once, in a stable order."""
        seen: list[str] = []
        for facts in findings:
            text = self.why(facts)
            if text not in seen:
                seen.append(text)
        return seen

    def __repr__(self) -> str:
        return f"<Rule {self.code}>"


_RULES: dict[str, Rule] = {}
_discovered = False


def register(cls: type[Rule]) -> type[Rule]:
    if cls.code in _RULES:
        raise ValueError(f"abuse rule {cls.code!r} registered twice")
    _RULES[cls.code] = cls()
    return cls


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    for module in pkgutil.iter_modules(__path__):
        if module.name not in {"queries", "export", "views", "urls", "actions", "sql"}:
            importlib.import_module(f"{__name__}.{module.name}")
    _discovered = True


def all_rules() -> list[Rule]:
    _discover()
    return sorted(_RULES.values(), key=lambda rule: (rule.order, rule.code))


def get_rule(code: str) -> Rule | None:
    _discover()
    return _RULES.get(code)


def money(value: Any) -> str:
    """A yuan amount from the facts as shown: 1,234.50."""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return "—"
