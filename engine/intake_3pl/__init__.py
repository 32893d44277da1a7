"""What comes back from a 3PL or the floor: progress reports, checked before they apply."""

from engine.intake_3pl.reports import (
    CheckResult,
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
    "EventKind",
    "ParsedReport",
    "Quarantined",
    "Reason",
    "ReportEvent",
    "check_events",
    "order_complete",
    "parse_report",
]
