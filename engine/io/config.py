"""``wave.yaml`` (SPEC section 4): every key optional, unknown keys refused.

The keys are the fields of :class:`engine.model.WaveConfig`, the one schema:
:data:`KEYS`, :func:`config_to_mapping` and :func:`config_param_schema` (the
Airflow DAG's params) are derived from it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time
from enum import Enum
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.io.csvtable import FieldError, parse_timestamp
from engine.io.text import read_text
from engine.io.yamlfile import parse_yaml_mapping
from engine.model import CartonCosts, CartSpec, Method, RoutingMethod, ShortStockPolicy, ToteSpec, WaveConfig
from engine.scheduling.clock import iso_utc
from engine.scheduling.params import Carrier, LabourParams

#: The keys of ``wave.yaml``: the fields of :class:`WaveConfig`.
KEYS = frozenset(f.name for f in dataclasses.fields(WaveConfig))
CART_KEYS = ("totes", "max_weight_kg", "max_volume_l", "tote")
TOTE_KEYS = ("max_weight_kg", "max_volume_l")
PACKING_KEYS = ("per_carton_cost", "dim_factor_cm3_per_kg", "rate_per_kg")


def _number(doc: Mapping[str, Any], key: str, kind: type) -> Any:
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(key, f"must be a number, got {value!r}")
    if kind is int and not float(value).is_integer():
        raise FieldError(key, f"must be a whole number, got {value!r}")
    return kind(value)


def _tote(values: dict[str, Any]) -> ToteSpec:
    try:
        return ToteSpec(**values)
    except ValueError as exc:
        raise FieldError("cart.tote", str(exc)) from None


def config_from_mapping(doc: Mapping[str, Any], file: str = "wave.yaml") -> WaveConfig:
    """Build a validated :class:`WaveConfig` from a parsed mapping.

    >>> config_from_mapping({"method": "cluster", "cart": {"totes": 4}}).cart.totes
    4
    """
    problems = [Problem(file, "unknown key", column=k) for k in doc if k not in KEYS]
    kwargs: dict[str, Any] = {}

    def take(key: str, convert: Any) -> None:
        if key in doc and doc[key] is not None:
            try:
                kwargs[key] = convert()
            except FieldError as exc:
                problems.append(Problem(file, exc.message, column=exc.column))
            except ValueError as exc:
                problems.append(Problem(file, f"bad value {doc[key]!r}: {exc}", column=key))

    take("method", lambda: Method(str(doc["method"])))
    take("routing", lambda: RoutingMethod(str(doc["routing"])))
    take("max_orders", lambda: _number(doc, "max_orders", int))
    take("time_limit_s", lambda: _number(doc, "time_limit_s", float))
    take("fragile_padding_cm", lambda: _number(doc, "fragile_padding_cm", float))
    take("seed", lambda: _number(doc, "seed", int))
    take("max_iterations", lambda: _number(doc, "max_iterations", int))
    take("cutoff", lambda: parse_timestamp(str(doc["cutoff"]), "cutoff"))
    take("short_stock", lambda: ShortStockPolicy(str(doc["short_stock"])))

    def statuses() -> tuple[str, ...]:
        value = doc["release_payment_statuses"]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise FieldError("release_payment_statuses", "must be a list of payment statuses")
        return tuple(str(v).lower() for v in value)

    take("release_payment_statuses", statuses)

    def section(name: str, keys: tuple[str, ...], value: Any = None) -> dict[str, Any]:
        """The numbers of a nested mapping (``cart``, ``packing``); an unknown key is an error."""
        value = doc[name] if value is None else value
        if not isinstance(value, dict):
            raise FieldError(name, f"must be a mapping with {', '.join(keys)}")
        for k in value:
            if k not in keys:
                raise FieldError(f"{name}.{k}", "unknown key")
        out = {}
        for k in keys:
            if value.get(k) is None:
                continue
            if k == "tote":  # cart.tote: a mapping of its own
                out[k] = _tote(section("cart.tote", TOTE_KEYS, value[k]))
            else:
                try:
                    out[k] = _number(value, k, int if k == "totes" else float)
                except FieldError as exc:
                    raise FieldError(f"{name}.{exc.column}", exc.message) from None
        return out

    take("cart", lambda: CartSpec(**section("cart", CART_KEYS)))
    take("packing", lambda: CartonCosts(**section("packing", PACKING_KEYS)))
    take("labour", lambda: parse_labour(doc["labour"]))
    take("carriers", lambda: parse_carriers(doc["carriers"]))
    if problems:
        raise InputError(problems)
    try:
        return WaveConfig(**kwargs)
    except ValueError as exc:
        raise InputError([Problem(file, str(exc))]) from None


LABOUR_KEYS = ("pickers", "start", "walking_speed_m_s", "setup_s_per_trip", "time_s_per_stop", "time_s_per_line",
               "time_s_per_unit", "pack_lead_s", "horizon_s")


def parse_labour(value: Any) -> LabourParams:
    """``labour:`` (SPEC section 8): ``pickers`` required, the rest optional; unknown keys refused.

    >>> parse_labour({"pickers": 3, "start": "2026-11-26T08:00:00Z"}).start.isoformat()
    '2026-11-26T08:00:00+00:00'
    """
    if not isinstance(value, dict):
        raise FieldError("labour", f"must be a mapping with {', '.join(LABOUR_KEYS)}")
    for k in value:
        if k not in LABOUR_KEYS:
            raise FieldError(f"labour.{k}", "unknown key")
    if value.get("pickers") is None:
        raise FieldError("labour.pickers", "required: the pickers on this wave")
    kwargs: dict[str, Any] = {"pickers": _number(value, "pickers", int)}
    for k in LABOUR_KEYS[2:]:
        if value.get(k) is not None:
            try:
                kwargs[k] = _number(value, k, float)
            except FieldError as exc:
                raise FieldError(f"labour.{k}", exc.message) from None
    if value.get("start") is not None:
        kwargs["start"] = _moment(value["start"], "labour.start")
    try:
        return LabourParams(**kwargs)
    except ValueError as exc:
        raise FieldError("labour", str(exc)) from None


def _moment(value: Any, column: str) -> datetime:
    """An ISO 8601 date-time (text, or what YAML made of it); naive values are UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    text = str(value).strip()
    return parse_timestamp(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text, column)


def _clock(value: Any, column: str) -> time:
    """A departure ``HH:MM[:SS]``; YAML 1.1 reads an unquoted ``17:30`` as the number 1050 (minutes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < 24 * 60:
            raise FieldError(column, f"not a time of day: {value!r} (quote departures, e.g. \"17:30\")")
        return time(value // 60, value % 60)
    try:
        parts = [int(p) for p in str(value).strip().split(":")]
        if not 2 <= len(parts) <= 3:
            raise ValueError
        return time(parts[0], parts[1], parts[2] if len(parts) == 3 else 0)
    except (ValueError, TypeError):
        raise FieldError(column, f"not a time of day HH:MM: {value!r}") from None


def parse_carriers(value: Any) -> tuple[Carrier, ...]:
    """``carriers:`` (SPEC section 8): ``{id, departs: [HH:MM, ...], timezone}`` entries, ids unique."""
    if not isinstance(value, list):
        raise FieldError("carriers", "must be a list of {id, departs, timezone}")
    out: list[Carrier] = []
    for n, c in enumerate(value):
        where = f"carriers[{n}]"
        if not isinstance(c, dict):
            raise FieldError(where, "must be a mapping with id, departs, timezone")
        for k in c:
            if k not in ("id", "departs", "timezone"):
                raise FieldError(f"{where}.{k}", "unknown key")
        if c.get("id") is None or not str(c["id"]).strip():
            raise FieldError(f"{where}.id", "required")
        departs = c.get("departs")
        if isinstance(departs, (str, int)):
            departs = [departs]
        if not isinstance(departs, list) or not departs:
            raise FieldError(f"{where}.departs", "must list at least one local time HH:MM")
        times = tuple(_clock(d, f"{where}.departs") for d in departs)
        try:
            out.append(Carrier(str(c["id"]).strip(), times, str(c.get("timezone") or "UTC")))
        except ValueError as exc:
            raise FieldError(f"{where}.timezone" if "zone" in str(exc) else where, str(exc)) from None
    ids = [c.carrier_id for c in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise FieldError("carriers", f"carrier ids listed twice: {dup}")
    return tuple(out)


def parse_wave_config(text: str, file: str = "wave.yaml") -> WaveConfig:
    return config_from_mapping(parse_yaml_mapping(text, file), file)


def read_wave_config(path: str | Path | None) -> WaveConfig:
    """The config at ``path``, or the defaults when ``path`` is None."""
    if path is None:
        return WaveConfig()
    return parse_wave_config(read_text(path), str(path))


def with_overrides(config: WaveConfig, **overrides: Any) -> WaveConfig:
    """The config with the given (non-None) fields replaced, validated again.

    An override the config refuses (``--time-limit 0``, ``--max-iterations -1``)
    raises :class:`InputError` naming the command-line flag.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return replace(config, **given)
    except ValueError as exc:
        flag = next((k for k in given if str(exc).startswith(k)), None)
        where = f"--{flag.removesuffix('_s').replace('_', '-')}" if flag else "command line"
        raise InputError([Problem(where, str(exc))]) from None


def _plain(value: Any) -> Any:
    """A config value as JSON: enums as their value, dates ISO 8601, dataclasses as mappings."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def config_to_mapping(config: WaveConfig) -> dict[str, Any]:
    """A JSON-ready view of the config, as written into ``summary.json``: every field, in field order.

    ``labour``, ``carriers`` and ``cart.tote`` appear only when set (a plan by distance alone reads as before).
    """
    out = {f.name: _plain(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if config.cart.tote is None:
        out["cart"].pop("tote", None)
    if config.labour is None:
        del out["labour"]
    else:
        out["labour"] = _labour_mapping(config.labour)
    if not config.carriers:
        del out["carriers"]
    else:
        out["carriers"] = [{"id": c.carrier_id, "departs": [t.strftime("%H:%M:%S") for t in c.departs],
                            "timezone": c.timezone} for c in config.carriers]
    return out


def _labour_mapping(lab: LabourParams) -> dict[str, Any]:
    return {"pickers": lab.pickers, "start": None if lab.start is None else iso_utc(lab.start),
            "walking_speed_m_s": lab.walking_speed_m_s, "setup_s_per_trip": lab.setup_s_per_trip,
            "time_s_per_stop": lab.time_s_per_stop, "time_s_per_line": lab.time_s_per_line,
            "time_s_per_unit": lab.time_s_per_unit, "pack_lead_s": lab.pack_lead_s, "horizon_s": lab.horizon_s}


def _json_type(hint: Any) -> dict[str, Any]:
    """The JSON Schema of a field's type hint (the types :class:`WaveConfig` uses)."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        inner = [_json_type(a) for a in args if a is not type(None)]
        schema = dict(inner[0]) if len(inner) == 1 else {}
        kinds = schema.get("type", [])
        schema["type"] = ["null", *(kinds if isinstance(kinds, list) else [kinds])]
        schema.pop("enum", None)  # null is allowed beside the values
        return schema
    if isinstance(hint, type) and issubclass(hint, Enum):
        return {"type": "string", "enum": [m.value for m in hint]}
    if typing.get_origin(hint) in (tuple, list):
        return {"type": "array"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if hint in (str, datetime):
        return {"type": "string"}
    return {"type": "object"}


def config_param_schema(**defaults: Any) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Field name -> (default as JSON, JSON Schema) of every config key, for a form such as a DAG's params.

    ``defaults`` replace a field's default (say a shorter ``time_limit_s``).

    >>> default, schema = config_param_schema()["method"]
    >>> default, schema["enum"]
    ('batch', ['single', 'batch', 'cluster', 'zone'])
    >>> config_param_schema()["max_orders"]
    (None, {'type': ['null', 'integer']})
    """
    hints = typing.get_type_hints(WaveConfig)
    plain = WaveConfig()
    base = {f.name: _plain(getattr(plain, f.name)) for f in dataclasses.fields(WaveConfig)}  # unset keys too
    unknown = set(defaults) - set(base)
    if unknown:
        raise ValueError(f"not config keys: {sorted(unknown)}")
    return {name: (defaults.get(name, value), _json_type(hints[name])) for name, value in base.items()}
