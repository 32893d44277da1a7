"""YAML documents with messages that name the file, line and key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from engine.errors import InputError, Problem


def parse_yaml_mapping(text: str, file: str) -> Mapping[str, Any]:
    """Parse YAML text whose top level must be a mapping (or empty: ``{}``).

    Aliases (``*name``) are refused before the document is built (a "billion
    laughs" document of a few lines would take gigabytes); anchors alone are harmless.
    """
    try:
        alias = next((e for e in yaml.parse(text, Loader=yaml.SafeLoader) if isinstance(e, yaml.AliasEvent)), None)
        if alias is not None:
            # Refused before anything is built: a few lines of nested aliases expand to gigabytes.
            row = alias.start_mark.line + 1 if alias.start_mark is not None else None
            raise InputError([Problem(file, f"YAML aliases (*{alias.anchor}) are not accepted; write the "
                                            "value out", row=row)])
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
