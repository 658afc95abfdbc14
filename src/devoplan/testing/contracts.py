"""A small INDIGO-format contract export written by devoplan itself, for tests and examples.

INDIGO's own data is not redistributed by devoplan (its licence is not stated), so tests of the
registry use these three invented contracts, laid out with INDIGO's table names and column
headings. Their places use official English names so that they can be placed on the England bundle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

PREFIX = "example_indigo_"
PROJECTS = [
    {"project_id": "TEST-POJ-1", "Impact Bond Name": "Rough sleeping outcomes (test)", "Stage of Development":
     "Complete", "Purpose and classifications - Policy sector": "Homelessness",
     "Dates - Date outcomes contract signed": "2018-03", "Dates - Start date of service provision": "2018-04",
     "Dates - Actual end date of service provision": "2021-03",
     "Dates - Anticipated end date of service provision": "",
     "Overall project finance - Maximum potential outcome payment - Currency": "GBP",
     "Overall project finance - Maximum potential outcome payment - Amount": "1000000",
     "Service and beneficiaries - Targeted number of unique service users or beneficiaries (total)": "120"},
    {"project_id": "TEST-POJ-2", "Impact Bond Name": "Youth employment (test)", "Stage of Development":
     "Implementation", "Purpose and classifications - Policy sector": "Employment and training",
     "Dates - Date outcomes contract signed": "2022-01", "Dates - Start date of service provision": "2022-04",
     "Dates - Actual end date of service provision": "",
     "Dates - Anticipated end date of service provision": "2025-03",
     "Overall project finance - Maximum potential outcome payment - Currency": "",
     "Overall project finance - Maximum potential outcome payment - Amount": "",
     "Service and beneficiaries - Targeted number of unique service users or beneficiaries (total)": ""},
    {"project_id": "TEST-POJ-3", "Impact Bond Name": "Edge of care (test)", "Stage of Development": "Complete",
     "Purpose and classifications - Policy sector": "Child and family welfare",
     "Dates - Date outcomes contract signed": "2016-09", "Dates - Start date of service provision": "2016-10",
     "Dates - Actual end date of service provision": "2020-09",
     "Dates - Anticipated end date of service provision": "",
     "Overall project finance - Maximum potential outcome payment - Currency": "GBP",
     "Overall project finance - Maximum potential outcome payment - Amount": "600000",
     "Service and beneficiaries - Targeted number of unique service users or beneficiaries (total)": "40"},
]
PAYERS = [
    {"project_id": "TEST-POJ-1", "organisation_id": "TEST-ORG-1", "Name": "Test District Council",
     "organisation_type": "Government body", "Maximum potential Outcome payment - Currency": "GBP",
     "Maximum potential Outcome payment - Amount": "800000", "Total outcome payments made - Currency": "",
     "Total outcome payments made - Amount": ""},
    {"project_id": "TEST-POJ-1", "organisation_id": "TEST-ORG-2", "Name": "Test Outcomes Fund",
     "organisation_type": "Government body", "Maximum potential Outcome payment - Currency": "GBP",
     "Maximum potential Outcome payment - Amount": "200000", "Total outcome payments made - Currency": "",
     "Total outcome payments made - Amount": ""},
    {"project_id": "TEST-POJ-2", "organisation_id": "TEST-ORG-3", "Name": "Test Department",
     "organisation_type": "Government body", "Maximum potential Outcome payment - Currency": "",
     "Maximum potential Outcome payment - Amount": "", "Total outcome payments made - Currency": "",
     "Total outcome payments made - Amount": ""},
]
PAYMENTS = [
    {"project_id": "TEST-POJ-1", "Outcome Metric Id": "outcomemetric1", "Period - Start": "2018-04",
     "Period - End": "2019-03", "Payer Organisation ID": "TEST-ORG-1,TEST-ORG-2", "Type": "Actual",
     "Payments - Currency": "GBP", "Payments - Amount": "300000"},
    {"project_id": "TEST-POJ-1", "Outcome Metric Id": "outcomemetric1", "Period - Start": "2019-04",
     "Period - End": "2020-03", "Payer Organisation ID": "TEST-ORG-1", "Type": "Actual",
     "Payments - Currency": "GBP", "Payments - Amount": "100000"},
    {"project_id": "TEST-POJ-1", "Outcome Metric Id": "outcomemetric2", "Period - Start": "2020-04",
     "Period - End": "2021-03", "Payer Organisation ID": "TEST-ORG-1", "Type": "Planned",
     "Payments - Currency": "GBP", "Payments - Amount": "250000"},
    {"project_id": "TEST-POJ-3", "Outcome Metric Id": "", "Period - Start": "2017-01",
     "Period - End": "2020-09", "Payer Organisation ID": "", "Type": "Actual",
     "Payments - Currency": "GBP", "Payments - Amount": "500000"},
]
PROVIDERS = [
    {"project_id": "TEST-POJ-1", "Id": "serviceprovision1", "organisation_id": "TEST-ORG-9",
     "Name": "Test Housing Charity", "organisation_type": "", "Intervention": "Housing First",
     "Planned Service - Start": "2018-04", "Planned Service - End": "2021-03", "Actual Service - Start": "",
     "Actual Service - End": ""},
]
PLACES = [
    {"project_id": "TEST-POJ-1", "Location - Name": "Birmingham, West Midlands", "Location - Postcode": "",
     "Lat/Lng - Lat": "52.48", "Lat/Lng - Lng": "-1.89"},
    {"project_id": "TEST-POJ-1", "Location - Name": "London Borough of Hounslow", "Location - Postcode": "",
     "Lat/Lng - Lat": "", "Lat/Lng - Lng": ""},
    {"project_id": "TEST-POJ-2", "Location - Name": "West Midlands", "Location - Postcode": "",
     "Lat/Lng - Lat": "", "Lat/Lng - Lng": ""},
    {"project_id": "TEST-POJ-3", "Location - Name": "Rutland County Council", "Location - Postcode": "",
     "Lat/Lng - Lat": "", "Lat/Lng - Lng": ""},
]
TABLES = {"impact_bond_projects": PROJECTS, "outcome_payment_commitments": PAYERS, "outcome_payments": PAYMENTS,
          "service_providers": PROVIDERS, "delivery_locations": PLACES}


def write_indigo_export(folder: Path, *, changes: dict[str, dict[int, dict[str, str]]] | None = None) -> Path:
    """Write the example export into ``folder`` (``changes``: table -> row index -> cells to overwrite)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in TABLES.items():
        edited = [dict(r) for r in rows]
        for i, cells in (changes or {}).get(table, {}).items():
            edited[i].update(cells)
        pd.DataFrame(edited).to_csv(folder / f"{PREFIX}{table}.csv", index=False)
    return folder


def two_group_spec() -> dict[str, Any]:
    """The two-group payment-by-results case worked by hand in docs/markets.md, as a spec document.

    Two groups of 100. Easy: 30% -> 60% with service, costs £300 (break-even £1,000 per outcome).
    Hard: 5% -> 25%, costs £500 (break-even £2,500). A flat £2,000 per outcome serves only the easy group.
    """
    return {
        "groups": [{"key": "easy", "size": 100, "p_without": 0.3, "p_with": 0.6, "cost": 300},
                   {"key": "hard", "size": 100, "p_without": 0.05, "p_with": 0.25, "cost": 500}],
        "prices": {"outcome": {"easy": 2000, "hard": 2000}},
    }
