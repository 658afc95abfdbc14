"""The bundle's ATTRIBUTION.md and manifest.json: licences and sources, per file."""

from __future__ import annotations

import json

BUNDLE_NAME = "England 2024"
FORMAT_VERSION = 1
DESCRIPTION = (
    "The 296 English local authority districts (LAD 2024) with Census 2021 population by sex and single "
    "year of age, eight service layers (ICB 2024, LEP 2021, combined authorities 2024, police force areas, "
    "fire and rescue authorities, regions, upper-tier authorities, LSIP areas), shared-border adjacency "
    "from ONS BGC boundaries with ferry links for the Isle of Wight and the Isles of Scilly, IMD 2025, "
    "ONS Health Index 2021 and APS employment indicators, NHS England allocations and weighted "
    "populations and MHCLG 2024-25 revenue outturn by district, display boundaries and a hex map."
)

ATTRIBUTION = """\
# England 2024 bundle: sources and licences

Built by `devoplan data build` from official open data (see `docs/data.md` for every derivation
step). Unless stated otherwise the data are licensed under the
[Open Government Licence v3.0](https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).

* Contains OS data © Crown copyright and database right 2024.
* Source: Office for National Statistics licensed under the Open Government Licence v3.0.
* Contains public sector information licensed under the Open Government Licence v3.0.

## Per file

**`units.csv`, `population_age_sex.csv`** — ONS Census 2021 table TS009 (sex by single year of
age, via Nomis), aggregated from 2022 to 2024 districts with the ONS LAD (2022) to LAD (2023)
lookup. OGL v3.0.

**`layers.csv`, `areas.csv`, `memberships.csv`** — ONS Open Geography Portal lookups, OGL v3.0:
LSOA (2021) to Sub-ICB Location to ICB (April 2024) and LSOA21 to Ward (2024) to LAD (2024) (ICB);
LEP (May 2021) and LAD (December 2024) BGC boundaries, spatial overlay (LEP); LAD to Combined
Authority (May 2024); LAD to Community Safety Partnership to Police Force Area (December 2024);
LAD to Fire and Rescue Authority (December 2024); LAD to Region (December 2024); Lower Tier to
Upper Tier Local Authority (April 2023); LAD to Local Skills Improvement Plan area (August 2023,
published with the DfE LSIP dashboard).

**`adjacency.csv`, `geometry.geojson`** — ONS Local Authority Districts (December 2024) Boundaries
UK BGC. Contains OS data © Crown copyright and database right 2024. Source: Office for National
Statistics licensed under the Open Government Licence v3.0.

**`indicators.csv`, `indicator_meta.csv`** — MHCLG English Indices of Deprivation 2025 (File 10,
local authority district summaries); ONS Health Index for England 2015-2021, underlying indicator
data; ONS Annual Population Survey table T01 (via Nomis); mapped from 2021 to 2024 districts with
the ONS LAD (2022) to LAD (2023) lookup and Census 2021 TS009 populations. OGL v3.0.

**`nhs_population.csv`, `nhs_allocations.csv`, `nhs_baselines.csv`** — NHS England, ICB revenue
allocations 2023/24 to 2025/26 (allocations workbooks: core, primary medical care, other primary
care, pharmacy/optometry/dental, delegated specialised, running costs) and the ICB allocation tools'
GP-practice registered and weighted populations for 2025/26 and 2026/27 to 2028/29, summed by the
district where each practice stands (an approximation of where patients live). `nhs_baselines.csv`
is devoplan's crosswalk of each ICB's allocation to its districts (docs/funding.md). OGL v3.0.

**`council_spending.csv`** — MHCLG, Local authority revenue expenditure and financing England:
2024 to 2025 individual local authority data, outturn (RSX and RO3), net current expenditure by
service, apportioned to districts by Census 2021 residents (docs/funding.md); the 9 returns not
received are imputed so totals equal MHCLG's England row. OGL v3.0.

**`gp_practices.csv`** — NHS England (NHS Digital), NHS Payments to General Practice, England
2022-23, practice level: contract type (GMS, PMS, APMS), registered and weighted patients and total
NHS payments (excluding COVID and PCN payments) per practice, with the practice's 2024 ICB; the
district is the practice's location in the NHS England allocation tool 2025/26 (or, for practices
not in it, that of most of its Primary Care Network). OGL v3.0.

**`hexmap.hexjson`** — Open Innovations (formerly ODI Leeds) *UK local authority districts 2023*
HexJSON (github.com/odileeds/hexmaps), England hexes only. MIT licence, not OGL.

The Open Innovations hex layout is © Open Innovations, released under the MIT licence: permission is
granted free of charge to use, copy, modify and distribute it, provided the copyright notice and
the permission notice are included; it is provided "as is", without warranty of any kind.

The official files were obtained from snapshots of public repositories that redistribute them
(humaniverse/geographr, humaniverse/IMD, humaniverse/healthyr, dfe-analytical-services/lsip_dashboard,
Urban-Analytics-Technology-Platform/poppusher, odileeds/hexmaps, JuanBlanco9/German-Budget-Galaxy,
nhsengland/ICB_Allocation_Tool_update, nhsengland/ICB_Place_Based_Tool_2627-2829,
dfe-analytical-services/CSC_outcomes_and_enablers); check key figures against the
publishers' own releases before relying on them.
"""


def manifest_text() -> str:
    """manifest.json content (sorted keys, two-space indent, trailing newline)."""
    body = {"name": BUNDLE_NAME, "format": FORMAT_VERSION, "description": DESCRIPTION}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
