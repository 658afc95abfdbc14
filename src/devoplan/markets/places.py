"""Place the registry's contracts on the map: delivery locations joined to districts by name.

INDIGO records where a contract is delivered as free text ("Birmingham, West Midlands", "London
Borough of Hounslow", "North East: Newcastle City Council; Northumberland County Council; ...").
Each location is matched against the official names of the geography's districts, upper-tier
authorities (UTLA), combined authorities and regions, and nothing else: no fuzzy matching, no
guessing from a point or a postcode. The rules (docs/markets.md, "Placing contracts"):

1. The text is normalised (lower case, ``&`` = ``and``, punctuation and the words *of*/*the*
   dropped, ``NW``/``NE``/``SW``/``SE`` spelled out) and every official name found in it as whole
   words is a match, longest names first (``North Somerset`` before ``Somerset``).
2. A match that contains another match is context, not a place: ``Birmingham, West Midlands`` is
   Birmingham; ``Gloucestershire County Council and six district councils - Tewkesbury, ...`` is the
   six districts named.
3. A name that means areas of different extent (``West Midlands``: the region or the combined
   authority; ``Lancashire``: the county or the combined authority) is *ambiguous* and places nothing.
4. Words left over that are not generic ("council", "borough", "UK", ...) are reported.

A location's status: ``given`` (its GSS codes were in the registry), ``alias`` (the user's alias
file placed it), ``matched`` (every word accounted for), ``partial`` (some names matched, some words
unrecognised), ``ambiguous``, ``unmatched``, ``national`` (the UK or England as a whole) or
``outside England``. Everything but ``given``, ``alias`` and ``matched`` is on the review list,
with what was and was not recognised, so a user can confirm it or fix it in an alias file
(``place,codes``; codes of districts or of areas of any layer, separated by ``;``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from devoplan.csvcells import restore
from devoplan.errors import InputError
from devoplan.geography.model import Geography
from devoplan.markets.registry import Contract, Place, Registry
from devoplan.validate import Cell, readable_file

NAME_LAYERS: tuple[tuple[str, ...], ...] = (("UTLA",), ("CAUTH25", "CAUTH24", "CAUTH"), ("REGION",))
REVIEW_STATUSES: tuple[str, ...] = ("partial", "ambiguous", "unmatched", "national", "outside England")
GENERIC = frozenset([
    "council", "councils", "county", "city", "borough", "boroughs", "metropolitan", "district", "districts",
    "royal", "authority", "authorities", "local", "la", "las", "lb", "lbs", "dc", "bc", "mbc", "cc", "and",
    "in", "including", "uk", "united", "kingdom", "england", "english", "area", "areas", "region", "one", "two",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"])
COMPASS = frozenset(["north", "south", "east", "west", "central"])
NATIONAL = frozenset(["uk", "united", "kingdom", "great", "britain", "gb", "england", "nationwide", "national"])
ABROAD = ("scotland", "wales", "northern ireland", "ireland")
_ABBREVIATIONS = {"nw": "north west", "ne": "north east", "sw": "south west", "se": "south east", "st": "st"}
_DROP = frozenset({"of", "the"})
_SEPARATOR = re.compile(r"[,;:()/\[\]\u2013\u2014]+")
_NON_WORD = re.compile(r"[^a-z0-9|]+")
_SUFFIX = re.compile(r",\s*(city|county) of$", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case words separated by single spaces, as names are compared (see the module docstring)."""
    text = _SEPARATOR.sub(" | ", _SUFFIX.sub("", text.strip()).lower().replace("&", " and "))
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words if w not in _DROP).strip(" |")


@dataclass(frozen=True)
class Placement:
    """Where one delivery location was placed, and how."""

    contract_id: str
    place: str
    status: str
    matched: tuple[str, ...]  # the official names (or codes) that placed it
    units: tuple[str, ...]  # district codes
    unrecognised: str = ""
    note: str = ""

    @property
    def needs_review(self) -> bool:
        return self.status in REVIEW_STATUSES


@dataclass(frozen=True)
class PlacedContract:
    """A contract and its footprint: district code -> share of that district's residents it covers."""

    contract: Contract
    footprint: Mapping[str, float]
    placements: tuple[Placement, ...]


@dataclass(frozen=True)
class PlacedRegistry:
    """Every contract with its footprint, and the review list of locations not placed with certainty."""

    registry: Registry
    contracts: tuple[PlacedContract, ...]
    review: tuple[Placement, ...] = field(default=())

    @property
    def placed(self) -> int:
        """Contracts with at least one district."""
        return sum(1 for c in self.contracts if c.footprint)


@dataclass(frozen=True)
class _Area:
    name: str
    code: str
    weights: Mapping[str, float]  # unit code -> weight


class PlaceIndex:
    """The official names and codes a geography knows, to place locations by."""

    def __init__(self, geography: Geography, aliases: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.geography = geography
        units = geography.units
        self.by_code: dict[str, _Area] = {c: _Area(n, c, {c: 1.0}) for c, n in zip(units.codes, units.names,
                                                                                  strict=True)}
        for key in self._layers(geography):
            layer = geography.layers[key]
            member = layer.membership
            for j, (code, name) in enumerate(zip(layer.area_codes, layer.area_names, strict=True)):
                col = np.asarray(member[:, [j]].toarray()).ravel() if hasattr(member, "toarray") else member[:, j]
                self.by_code.setdefault(code, _Area(name, code, {units.codes[u]: float(col[u])
                                                                  for u in np.flatnonzero(col > 0)}))
        self.by_name: dict[str, list[_Area]] = {}
        for area in self.by_code.values():
            self.by_name.setdefault(normalise(area.name), []).append(area)
        self.longest = max((len(n.split()) for n in self.by_name), default=0)
        region = next((geography.layers[k] for k in geography.layers if k.upper() == "REGION"), None)
        self.regions = frozenset(region.area_codes if region is not None else ())
        self.aliases = {normalise(k): v for k, v in (aliases or {}).items()}

    @staticmethod
    def _layers(geography: Geography) -> list[str]:
        present = {k.upper(): k for k in geography.layers}
        return [present[next(k for k in group if k in present)] for group in NAME_LAYERS
                if any(k in present for k in group)]

    def codes(self, codes: Sequence[str], where: Cell) -> dict[str, float]:
        """The footprint of explicit GSS codes; an unknown code is an InputError at ``where``."""
        out: dict[str, float] = {}
        for code in codes:
            area = self.by_code.get(code)
            if area is None:
                raise where.error(f"unknown district or area code '{code}' (not in {self.geography.name})")
            for unit, w in area.weights.items():
                out[unit] = max(out.get(unit, 0.0), w)
        return out

    def place(self, contract_id: str, place: Place, where: Cell) -> tuple[Placement, dict[str, float]]:
        """One location placed by its codes, the user's aliases or its name (see the module docstring)."""
        if place.codes:
            return (Placement(contract_id, place.name, "given", tuple(place.codes), ()), self.codes(place.codes, where))
        text = normalise(place.name)
        if text in self.aliases:
            foot = self.codes(self.aliases[text], where)
            return Placement(contract_id, place.name, "alias", self.aliases[text], tuple(sorted(foot))), foot
        return self._by_name(contract_id, place.name, text)

    def _by_name(self, contract_id: str, raw: str, text: str) -> tuple[Placement, dict[str, float]]:
        found, left_words = self._scan(text.split())
        left = " ".join(w for w in left_words if w not in GENERIC and w != "|")
        kept = [(n, areas) for n, areas in found if not _is_context(areas, [a for m, a in found if m != n])]
        sure = [(n, areas[0]) for n, areas in kept if _one_extent(areas)]
        unsure = [n for n, areas in kept if not _one_extent(areas)]
        # A region counts only when it is all the text names: beside unrecognised words or areas outside it
        # (INDIGO's "Essex, South East"), it is context or a slip, and placing the whole region would be a guess.
        if left or len(sure) > 1:
            dropped = [a.name for _, a in sure if a.code in self.regions]
            sure = [(n, a) for n, a in sure if a.code not in self.regions]
            if dropped and not left:
                left = f"(region {', '.join(dropped)} not used: it does not hold the other places named)"
        foot: dict[str, float] = {}
        for _, area in sure:
            for unit, w in area.weights.items():
                foot[unit] = max(foot.get(unit, 0.0), w)
        names = tuple(area.name for _, area in sure)
        status, note = _status(text, left, sure, unsure, self.by_name)
        return Placement(contract_id, raw, status, names, tuple(sorted(foot)), left, note), foot

    def _scan(self, words: list[str]) -> tuple[list[tuple[str, list[_Area]]], list[str]]:
        """Official names found left to right, longest first at each word; the words no name took.

        A compass name (``north west``) directly before another name is a direction within it
        (``North West London``), not the region, and is left unrecognised."""
        found: list[tuple[str, list[_Area]]] = []
        left: list[str] = []
        i = 0
        while i < len(words):
            n = self._longest(words, i)
            if n and set(words[i:i + n]) <= COMPASS and (self._longest(words, i + n) or
                                                          words[i + n:i + n + 1] == ["london"]):
                n = 0
            if n:
                name = " ".join(words[i:i + n])
                found.append((name, self.by_name[name]))
                i += n
            else:
                left.append(words[i])
                i += 1
        return found, left

    def _longest(self, words: list[str], i: int) -> int:
        for n in range(min(self.longest, len(words) - i), 0, -1):
            if " ".join(words[i:i + n]) in self.by_name:
                return n
        return 0


def _one_extent(areas: list[_Area]) -> bool:
    return all(dict(a.weights) == dict(areas[0].weights) for a in areas[1:])


def _is_context(areas: list[_Area], others: list[list[_Area]]) -> bool:
    """A match is context when one of its meanings strictly contains an area another match names
    (``Lincolnshire, East Midlands``: the region holds Lincolnshire, so the text means the region)."""
    return any(set(small.weights) < set(big.weights) for big in areas for other in others for small in other)


def _status(text: str, left: str, sure: list[tuple[str, _Area]], unsure: list[str],
            by_name: Mapping[str, list[_Area]]) -> tuple[str, str]:
    if unsure:
        meanings = "; ".join(f"'{n}' could be " + " or ".join(f"{a.name} ({a.code})" for a in by_name[n])
                             for n in unsure)
        return ("ambiguous" if not sure else "partial"), meanings
    if sure:
        if not left:
            return "matched", ""
        return "partial", left.strip("()") if left.startswith("(") else f"words not recognised: {left}"
    if any(f" {w} " in f" {text} " for w in ABROAD):
        return "outside England", "not in this geography"
    if text and set(text.split()) <= NATIONAL | GENERIC:
        return "national", "the whole country: not placed in any area"
    return "unmatched", "no official name found in the text"


def read_aliases(path: Path) -> dict[str, tuple[str, ...]]:
    """The user's alias file: CSV ``place,codes`` (codes separated by ``;``), one row per location text."""
    path = readable_file(Path(path), what="alias file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot be read as CSV ({exc})", file=path) from None
    for col in ("place", "codes"):
        if col not in frame.columns:
            raise InputError("expected column is missing", file=path, field=col)
    out: dict[str, tuple[str, ...]] = {}
    for i, (place, codes) in enumerate(zip(frame["place"], frame["codes"], strict=True)):
        listed = tuple(c.strip() for c in codes.split(";") if c.strip())
        if not listed:
            continue  # a review list row not resolved yet
        if not place.strip():
            raise InputError("codes are given for an empty place", file=path, row=i + 2, field="place")
        out[restore(place.strip())] = listed
    return out


def check_aliases(index: PlaceIndex, aliases: Mapping[str, tuple[str, ...]], path: Path) -> None:
    """Every alias code must be known (an unknown one names the alias file's place and field)."""
    for place, codes in aliases.items():
        index.codes(codes, Cell(path, field=f"codes of '{place}'"))


def place_registry(geography: Geography, registry: Registry, *, aliases: Path | None = None) -> PlacedRegistry:
    """Place every contract's delivery locations (see the module docstring); the review list is explicit."""
    table = read_aliases(aliases) if aliases is not None else {}
    index = PlaceIndex(geography, table)
    if aliases is not None:
        check_aliases(index, table, Path(aliases))
    placed, review = [], []
    for i, contract in enumerate(registry.contracts):
        foot: dict[str, float] = {}
        rows = []
        for j, place in enumerate(contract.places):
            where = Cell(registry.source, field=f"contract {contract.id} ({i + 1}), place {j + 1}: codes")
            row, part = index.place(contract.id, place, where)
            rows.append(row)
            for unit, w in part.items():
                foot[unit] = max(foot.get(unit, 0.0), w)
        if not contract.places:
            rows.append(Placement(contract.id, "", "unmatched", (), (), "", "the registry gives no delivery location"))
        review += [r for r in rows if r.needs_review]
        placed.append(PlacedContract(contract, foot, tuple(rows)))
    return PlacedRegistry(registry, tuple(placed), tuple(review))
