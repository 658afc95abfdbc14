"""The official source directory the bundle is derived from, read defensively.

Every file and column the builder needs is named here, so a wrong ``--source`` fails at once with
an :class:`~devoplan.errors.InputError` naming the missing file or column, before anything is
computed or written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from devoplan.errors import InputError
from devoplan.textcsv import read_text_csv

# Relative paths inside the source directory (see its PROVENANCE.md).
POPULATION_LAD24 = "population/census2021_sex_single_year_age_lad24_england.csv"
POPULATION_LAD22 = "population/census2021_sex_single_year_age_lad22_england_wales.csv"
ICB_LOOKUP = "lookups/lad24_icb24_from_lsoa21.csv"
LEP_LOOKUP = "lookups/lad24_lep21_wide.csv"
CAUTH24_LOOKUP = "lookups/lad24_cauth24.csv"
CAUTH25_LOOKUP = "lookups/lad25_cauth25.csv"
ICB26_PRACTICES = "spending/nhse_place_tool_gp_practice_weighted_population_2026_2027.csv"
PFA_LOOKUP = "lookups/lad24_csp24_pfa24_england_wales.csv"
FRA_LOOKUP = "lookups/lad24_fra24_england_wales.csv"
REGION_LOOKUP = "lookups/lad24_rgn24.csv"
UTLA_LOOKUP = "lookups/ltla23_utla23_england_wales.csv"
LSIP_LOOKUP = "lookups/lad23_lsip23.csv"
LAD22_LAD23_LOOKUP = "lookups/lad22_lad23_uk.csv"
BOUNDARIES = "boundaries/lad24_england_bgc.geojson"
HEXMAP = "hexmaps/uk-local-authority-districts-2023.hexjson"
IMD2025 = "indicators/imd2025_lad24_summary.csv"
HEALTH_INDEX = "indicators/ons_health_index_indicators_2015_2021_long.csv"
APS = "indicators/aps_employment_16_64_lad21_2018_2022.csv"


@dataclass(frozen=True)
class SourceDir:
    """A directory of official files laid out as in ``/work/shared/data`` (see PROVENANCE.md)."""

    root: Path

    @classmethod
    def open(cls, root: str | Path) -> SourceDir:
        """Check that ``root`` is a directory; raise InputError naming it otherwise."""
        path = Path(root)
        if not path.is_dir():
            raise InputError("source directory not found", file=str(path))
        return cls(path)

    def path(self, relative: str) -> Path:
        """The absolute path of a source file, which must exist."""
        path = self.root / relative
        if not path.is_file():
            raise InputError("source file not found", file=str(path))
        return path

    def table(self, relative: str, columns: Sequence[str]) -> pd.DataFrame:
        """Read a CSV as strings (empty cells -> missing), checking that ``columns`` are present.

        Only the requested columns are returned, in the requested order. Reading everything as
        text keeps codes such as ``E06000001`` intact; numbers are parsed by :meth:`numeric`.
        """
        frame = read_text_csv(self.path(relative), columns)
        return frame.loc[:, list(columns)].copy()

    def numeric(self, frame: pd.DataFrame, column: str, relative: str) -> np.ndarray:
        """Parse one column as float; a non-numeric cell is an InputError naming its row.

        ``frame`` may be a filtered slice of :meth:`table`'s result: the row is taken from the index
        label (the position in the file), not from the position in the slice.
        """
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            row = int(frame.index[pos]) + 2  # header is row 1
            raise InputError(
                f"not a number: {frame[column].iloc[pos]!r}",
                file=str(self.root / relative),
                row=row,
                field=column,
            )
        return values.to_numpy(dtype=np.float64, na_value=np.nan)

    def fail(self, relative: str, message: str, *, field: str | None = None) -> InputError:
        """An InputError about a source file whose content is not what the builder expects."""
        return InputError(message, file=str(self.root / relative), field=field)
