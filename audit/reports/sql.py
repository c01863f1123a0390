"""SQL pieces several rules share: policy values, the people a benefit is for, counted income.

They follow the domain code they mirror (assistance.amounts, assistance.processes.exit), so a
report and the calculation that set an amount agree on what counts.
"""

from __future__ import annotations

from assistance.amounts import COUNTED, EMPLOYMENT_COST, INCOME_KINDS

COUNTED_KINDS = tuple(kind for kind, role in INCOME_KINDS.items() if role == COUNTED)
COST_KINDS = tuple(kind for kind, role in INCOME_KINDS.items() if role == EMPLOYMENT_COST)


def sql_list(values: tuple[str, ...]) -> str:
    # Constants of the code, never user input.
    return ", ".join(f"'{value}'" for value in values)


def policy(key: str, cast: str = "numeric", alias: str = "p") -> str:
    """A policy value of the case's region (join `policies <alias>`), NULL when not set."""
    return f"({alias}.v->>'{key}')::{cast}"


def standard(alias: str = "p", hukou: str = "hukou") -> str:
    """The dibao standard for the household's hukou (urban or rural), yuan a month."""
    return (
        f"(CASE WHEN {hukou} = 'urban' THEN {policy('dibao_standard_urban', alias=alias)} "
        f"ELSE {policy('dibao_standard_rural', alias=alias)} END)"
    )


def age(birth: str) -> str:
    """Completed years of age today."""
    return f"EXTRACT(YEAR FROM age(%(today)s::date, {birth}))::int"


def subjects(cases: str) -> str:
    """(case_id, member_id) of the people each case of the CTE `cases` pays for: the member
    covered alone (单人户施保), else the household's covered members (as exit._subject_ids)."""
    return f"""
        SELECT k.id AS case_id, m.id AS member_id
        FROM {cases} k JOIN assistance_member m ON m.household_id = k.household_id
        WHERE k.single_person_id IS NULL AND m.covered
        UNION ALL
        SELECT k.id, k.single_person_id FROM {cases} k WHERE k.single_person_id IS NOT NULL
    """


def measured_cases(kinds: str = "'dibao', 'tekun'") -> str:
    """Active cases of the kinds measured against the dibao standard, in scope, with their
    township, policy and hukou."""
    return f"""
        SELECT c.id, c.household_id, c.single_person_id, c.assistance_type, c.monthly_amount,
               s.township_id, s.policy_id, h.hukou
        FROM assistance_case c
        JOIN scope s ON s.region_id = c.region_id
        JOIN assistance_household h ON h.id = c.household_id
        WHERE c.status = 'active' AND c.assistance_type IN ({kinds})
    """


# Counted income per case, as assistance.amounts.dibao_breakdown counts it: a dibao household's
# members (or the member covered alone), a 特困 person alone (tekun_amount); wages, business,
# property and transfer income, less employment costs capped per earner and never more than
# the wages; less the rigid expenditures of the counted members (and the household's own,
# for a whole dibao household). Reads the CTE `cases` (measured_cases); defines `counted`,
# `member_income`, `deducted` and `income` (case_id, size, per_capita).
INCOME_CTES = f"""
    counted AS (
        SELECT k.id AS case_id, m.id AS member_id
        FROM cases k JOIN assistance_member m ON m.household_id = k.household_id
        WHERE k.single_person_id IS NULL AND (k.assistance_type = 'dibao' OR m.is_applicant)
        UNION ALL
        SELECT k.id, k.single_person_id FROM cases k WHERE k.single_person_id IS NOT NULL
    ), member_income AS (
        SELECT i.member_id,
               sum(i.monthly_amount) FILTER (WHERE i.kind IN ({sql_list(COUNTED_KINDS)})) AS counted,
               sum(i.monthly_amount) FILTER (WHERE i.kind = 'wage') AS wages,
               sum(i.monthly_amount) FILTER (WHERE i.kind IN ({sql_list(COST_KINDS)})) AS costs
        FROM assistance_incomeitem i
        WHERE i.member_id IN (SELECT member_id FROM counted)
        GROUP BY i.member_id
    ), deducted AS (
        SELECT ct.case_id, d.monthly_amount
        FROM counted ct JOIN assistance_deduction d ON d.member_id = ct.member_id
        UNION ALL
        SELECT k.id, d.monthly_amount
        FROM cases k JOIN assistance_deduction d
          ON d.household_id = k.household_id AND d.member_id IS NULL
        WHERE k.assistance_type = 'dibao' AND k.single_person_id IS NULL
    ), income AS (
        SELECT n.case_id, n.size,
               round(greatest((n.net - coalesce(dd.total, 0)) / n.size, 0), 2) AS per_capita
        FROM (
            SELECT ct.case_id, count(*) AS size,
                   sum(coalesce(mi.counted, 0) - least(coalesce(mi.costs, 0),
                       {policy("employment_cost_cap")}, coalesce(mi.wages, 0))) AS net
            FROM counted ct
            JOIN cases k ON k.id = ct.case_id
            JOIN policies p ON p.id = k.policy_id
            LEFT JOIN member_income mi ON mi.member_id = ct.member_id
            GROUP BY ct.case_id
        ) n
        LEFT JOIN (SELECT case_id, sum(monthly_amount) AS total FROM deducted GROUP BY case_id) dd
          ON dd.case_id = n.case_id
    )
"""
