"""Files that travel with a geography but are not part of its value: display boundaries, hex
layout, attribution — and the derived data computed from them (shapes for compactness, area
outlines for maps).

A :class:`~devoplan.geography.model.Geography` is an immutable value that a server shares between
threads; it holds no path and no cache of its own. This object does both, explicitly: it knows the
directory the geography came from (or none, for one built in memory) and computes each derived
item once, under a lock, so concurrent requests neither race nor repeat the work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from devoplan.errors import InputError
from devoplan.geography.geometry import GEOMETRY_FILE, read_display_geometry

if TYPE_CHECKING:
    import geopandas as gpd

T = TypeVar("T")


class GeographyAssets:
    """The directory beside a geography (``None`` when built in memory) and what is derived from it."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self._directory = Path(directory) if directory is not None else None
        self._lock = threading.RLock()
        self._memo: dict[str, Any] = {}

    def __reduce__(self) -> tuple[type[GeographyAssets], tuple[Path | None]]:
        """Pickle the directory only (a lock cannot travel; derived items are rebuilt on demand)."""
        return (GeographyAssets, (self._directory,))

    def __repr__(self) -> str:
        return f"GeographyAssets({str(self._directory) if self._directory else 'in memory'})"

    @property
    def directory(self) -> Path | None:
        """Where the geography was loaded from, or ``None``."""
        return self._directory

    def path(self, name: str) -> Path | None:
        """The file ``name`` beside the geography if it exists, else ``None``."""
        if self._directory is None:
            return None
        path = self._directory / name
        return path if path.is_file() else None

    def has(self, name: str) -> bool:
        return self.path(name) is not None

    @property
    def has_geometry(self) -> bool:
        """True when display boundaries are available (maps and compactness need them)."""
        return self.has(GEOMETRY_FILE)

    def derived(self, key: str, build: Callable[[], T]) -> T:
        """``build()`` computed once per key for this geography, thread-safely."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            return cast(T, self._memo[key])

    def display_geometry(self, unit_codes: Sequence[str]) -> gpd.GeoDataFrame:
        """Display boundaries in unit order (EPSG:4326), read once; callers must not modify it."""
        if self._directory is None:
            raise InputError("this geography has no directory, so no display geometry")
        path = self._directory / GEOMETRY_FILE
        return self.derived("geometry", lambda: read_display_geometry(path, unit_codes))
