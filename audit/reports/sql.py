"""SQL pieces several rules share: policy values, the people a benefit is for, counted income.

They follow the domain code they mirror (assistance.amounts, assistance.processes.exit), so a
report and the calculation that set an amount agree on what counts.
"""

from __future__ import annotations

from datetime import date

from assistance.amounts import COUNTED, EMPLOYMENT_COST, INCOME_KINDS

COUNTED_KINDS = tuple(kind for kind, role in INCOME_KINDS.items() if role == COUNTED)
COST_KINDS = tuple(kind for kind, role in INCOME_KINDS.items() if role == EMPLOYMENT_COST)


# A date written YYYY-MM-DD in a JSON field, before it is cast.
ISO_DAY = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}$'"


def sql_list(values: tuple[str, ...]) -> str:
    # Constants of the code, never user input.
    return ", ".join(f"'{value}'" for value in values)


# The policy parameters the rules read, as typed columns of the `policies` CTE (one row per
# distinct policy in force, so the rows the queries carry stay narrow).
POLICY_COLUMNS: dict[str, str] = {
    "dibao_standard_urban": "numeric",
    "dibao_standard_rural": "numeric",
    "employment_cost_cap": "numeric",
    "dibao_supplement_elderly": "numeric",
    "dibao_supplement_minor": "numeric",
    "dibao_supplement_severe_disability": "numeric",
    "dibao_supplement_serious_illness": "numeric",
    "tekun_basic_multiplier": "numeric",
    "minimum_wage_monthly": "numeric",
    "tekun_care_full_percent": "numeric",
    "review_cycle_months_a": "int",
    "review_cycle_months_b": "int",
    "review_cycle_months_c_urban": "int",
    "review_cycle_months_c_rural": "int",
}


def policy_columns() -> str:
    """The typed columns of the `policies` CTE, from its jsonb `v`."""
    return ", ".join(f"(v->>'{key}')::{cast} AS {key}" for key, cast in POLICY_COLUMNS.items())


def policy(key: str, alias: str = "p") -> str:
    """A policy value of the case's region (join `policies <alias>`), NULL when not set."""
    if key not in POLICY_COLUMNS:
        raise KeyError(f"{key} is not among audit.reports.sql.POLICY_COLUMNS")
    return f"{alias}.{key}"


def standard(alias: str = "p", hukou: str = "hukou") -> str:
    """The dibao standard for the household's hukou (urban or rural), yuan a month."""
    return (
        f"(CASE WHEN {hukou} = 'urban' THEN {policy('dibao_standard_urban', alias=alias)} "
        f"ELSE {policy('dibao_standard_rural', alias=alias)} END)"
    )


def born_before(years: int, today: date) -> date:
    """The last birth date of someone aged `years` or more on `today` (29 Feb → 28 Feb)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def measured_cases(kinds: str = "'dibao', 'tekun'") -> str:
    """Active cases of the kinds measured against the dibao standard, in scope, with their
    township, policy and hukou (a subquery: each use is planned with the tables' statistics)."""
    return f"""
        SELECT c.id, c.household_id, c.single_person_id, c.assistance_type, c.monthly_amount,
               s.township_id, s.policy_id, h.hukou
        FROM assistance_case c
        JOIN scope s ON s.region_id = c.region_id
        JOIN assistance_household h ON h.id = c.household_id
        WHERE c.status = 'active' AND c.assistance_type IN ({kinds})
    """


def income_sources(kinds: str = "'dibao', 'tekun'") -> str:
    """CTEs of the income and rigid expenditures per member, and the household's own
    expenditures. A county or township auditor reads the incomes of the members of the active
    cases of `kinds` in scope only; a province or city reads them all (a hash over the whole
    table beats picking most of it out)."""
    return f"""
        relevant_members AS (
            SELECT m.id FROM assistance_case c
            JOIN scope s ON s.region_id = c.region_id
            JOIN assistance_member m ON m.household_id = c.household_id
            WHERE c.status = 'active' AND c.assistance_type IN ({kinds})
              AND c.single_person_id IS NULL
            UNION ALL
            SELECT c.single_person_id FROM assistance_case c
            JOIN scope s ON s.region_id = c.region_id
            WHERE c.status = 'active' AND c.assistance_type IN ({kinds})
              AND c.single_person_id IS NOT NULL
        ), member_income AS (
            SELECT i.member_id,
                   sum(i.monthly_amount)
                       FILTER (WHERE i.kind IN ({sql_list(COUNTED_KINDS)})) AS counted,
                   sum(i.monthly_amount) FILTER (WHERE i.kind = 'wage') AS wages,
                   sum(i.monthly_amount)
                       FILTER (WHERE i.kind IN ({sql_list(COST_KINDS)})) AS costs
            FROM assistance_incomeitem i
            WHERE NOT %(scope_narrow)s OR i.member_id IN (SELECT id FROM relevant_members)
            GROUP BY i.member_id
        ), member_deduction AS (
            SELECT d.member_id, sum(d.monthly_amount) AS total FROM assistance_deduction d
            WHERE d.member_id IS NOT NULL GROUP BY d.member_id
        ), household_deduction AS (
            SELECT d.household_id, sum(d.monthly_amount) AS total FROM assistance_deduction d
            WHERE d.member_id IS NULL GROUP BY d.household_id
        )
    """


def member_net(alias: str = "mi", deduction: str = "md") -> str:
    """One member's counted income: wages, business, property and transfer income, less
    employment costs capped per earner and never more than the wages, less the member's own
    rigid expenditures (join `member_income`, `member_deduction` and `policies p`)."""
    return (
        f"(coalesce({alias}.counted, 0) - least(coalesce({alias}.costs, 0), "
        f"{policy('employment_cost_cap')}, coalesce({alias}.wages, 0)) "
        f"- coalesce({deduction}.total, 0))"
    )


def income(kinds: str = "'dibao', 'tekun'") -> str:
    """The active cases of `kinds` in scope (case_id, township_id, policy_id, hukou,
    assistance_type, monthly_amount) with their counted income (size, covered, per_capita),
    counted as assistance.amounts.dibao_breakdown counts it: a dibao household's members (with
    the household's own rigid expenditures) or the member covered alone; a 特困 person alone
    (tekun_amount). `covered` is how many the case pays for. Reads income_sources(kinds)."""
    cases = measured_cases(kinds)
    columns = "k.id, k.township_id, k.policy_id, k.hukou, k.assistance_type, k.monthly_amount"
    # One group per case: the case's other columns ride along through min().
    grouped = ", ".join(
        ["k.id"]
        + [
            f"min(k.{name}) AS {name}"
            for name in ("township_id", "policy_id", "hukou", "assistance_type", "monthly_amount")
        ]
    )
    return f"""
        SELECT n.*, round(greatest(n.net / n.size, 0), 2) AS per_capita
        FROM (
            SELECT {grouped}, count(*) AS size, count(*) FILTER (WHERE m.covered) AS covered,
                   sum({member_net()}) - coalesce(max(hd.total), 0) AS net
            FROM ({cases}) k
            JOIN policies p ON p.id = k.policy_id
            JOIN assistance_member m ON m.household_id = k.household_id
            LEFT JOIN member_income mi ON mi.member_id = m.id
            LEFT JOIN member_deduction md ON md.member_id = m.id
            LEFT JOIN household_deduction hd
              ON hd.household_id = k.household_id AND k.assistance_type = 'dibao'
            WHERE k.single_person_id IS NULL AND (k.assistance_type = 'dibao' OR m.is_applicant)
            GROUP BY k.id
            UNION ALL
            SELECT {columns}, 1, 1, {member_net()}
            FROM ({cases}) k
            JOIN policies p ON p.id = k.policy_id
            JOIN assistance_member m ON m.id = k.single_person_id
            LEFT JOIN member_income mi ON mi.member_id = m.id
            LEFT JOIN member_deduction md ON md.member_id = m.id
            WHERE k.single_person_id IS NOT NULL
        ) n
    """
