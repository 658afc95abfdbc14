"""Pydantic request bodies (responses are plain JSON documents built by the routes, listed in
docs/workspace.md). Unknown keys are refused so a misspelt field is a 422 naming it, not ignored."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Name = Field(min_length=1, max_length=200)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(Strict):
    name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1000)


class UserBody(Strict):
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=1, max_length=1000)
    role: str
    area: str | None = Field(default=None, max_length=32)


class UserPatch(Strict):
    role: str | None = None
    area: str | None = Field(default=None, max_length=32)
    password: str | None = Field(default=None, max_length=1000)
    active: bool | None = None


class MoveBody(Strict):
    district: str = Field(min_length=1, max_length=100)
    area: str = Field(min_length=1, max_length=200)


class Source(Strict):
    """Where a new scenario's first version comes from."""

    kind: Literal["layer", "version", "plan"]
    layer: str | None = None  # kind=layer: a layer key such as ICB
    scenario: int | None = None  # kind=version: copy this scenario's version
    version: int | None = None  # (default: its current version)
    assignment: dict[str, str] | None = None  # kind=plan: district code -> area code, every district
    names: dict[str, str] | None = None  # area code -> name (optional)


class ScenarioBody(Strict):
    name: str = Name
    description: str = Field(default="", max_length=5000)
    source: Source


class ScenarioPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    locks: dict[str, str] | None = None  # district -> area code it must stay in


class EditBody(Strict):
    base_version: int = Field(ge=1)
    moves: list[MoveBody] = Field(min_length=1, max_length=296)
    message: str = Field(default="", max_length=2000)


class PreviewBody(Strict):
    moves: list[MoveBody] = Field(min_length=1, max_length=296)
    version: int | None = Field(default=None, ge=1)


class RestoreBody(Strict):
    version: int = Field(ge=1)
    base_version: int | None = Field(default=None, ge=1)


class StepBody(Strict):
    base_version: int | None = Field(default=None, ge=1)


class ProposalBody(Strict):
    moves: list[MoveBody] = Field(min_length=1, max_length=296)
    reason: str = Field(min_length=1, max_length=5000)
    base_version: int | None = Field(default=None, ge=1)


class DecisionBody(Strict):
    note: str = Field(default="", max_length=5000)


class CounterBody(Strict):
    moves: list[MoveBody] = Field(min_length=1, max_length=296)
    reason: str = Field(min_length=1, max_length=5000)


class CommentBody(Strict):
    text: str = Field(min_length=1, max_length=5000)
    district: str | None = Field(default=None, max_length=100)


class JobBody(Strict):
    """An optimiser run that creates a scenario. No options = the default plan (``devoplan design``)."""

    name: str = Name
    areas: int = Field(default=38, ge=1, le=296)
    time_limit: float = Field(default=10.0, gt=0, le=600)
    seed: int = Field(default=0, ge=0, le=2**31)
    locks: dict[str, str] = Field(default_factory=dict)  # district -> area name
    together: list[list[str]] = Field(default_factory=list)
    apart: list[list[str]] = Field(default_factory=list)
    prove: bool = False  # run the exact model after the search (slower, proves optimality)
    from_scenario: int | None = None  # keep this scenario's locks (district -> its area there)
