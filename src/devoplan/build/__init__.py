"""Derive geography bundles (docs/data-format.md) from official source files: ``devoplan data build``."""

from devoplan.build.bundle import DEFAULT_OUT, BuildReport, build_bundle, compute_bundle

__all__ = ["DEFAULT_OUT", "BuildReport", "build_bundle", "compute_bundle"]
