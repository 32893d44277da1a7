"""What comes back from a 3PL or the floor: progress reports, checked before they apply."""

from engine.intake_3pl.checks import PackVerdict, carton_id, check_pack, check_return, scanned_cartons
from engine.intake_3pl.reports import (
    CheckResult,
    Disposition,
    EventKind,
    ParsedReport,
    Quarantined,
    Reason,
    ReportEvent,
    check_events,
    order_complete,
    parse_report,
)

__all__ = [
    "CheckResult",
    "Disposition",
    "EventKind",
    "PackVerdict",
    "ParsedReport",
    "Quarantined",
    "Reason",
    "ReportEvent",
    "carton_id",
    "check_events",
    "check_pack",
    "check_return",
    "order_complete",
    "parse_report",
    "scanned_cartons",
]
