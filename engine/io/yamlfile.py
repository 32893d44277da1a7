"""YAML documents with messages that name the file, line and key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from engine.errors import InputError, Problem


def parse_yaml_mapping(text: str, file: str) -> Mapping[str, Any]:
    """Parse YAML text whose top level must be a mapping (or empty: ``{}``)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError([Problem(file, f"YAML does not parse: {what}", row=row)]) from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InputError([Problem(file, f"expected a mapping of keys at the top, got {type(doc).__name__}")])
    return doc
