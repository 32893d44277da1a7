"""Publishing plans where a 3PL can read them: pick lists, sheets, the outbox.

Every file goes through :func:`engine.publish.storage.write_atomic` (temp then
move), to a local folder or any fsspec URL (``file://``, ``memory://``, ``s3://``).
"""

from engine.publish.outbox import OutboxMessage, read_outbox, write_outbox
from engine.publish.picklists import (
    PICKLIST_COLUMNS,
    BatchInfo,
    PickRow,
    format_picklists_csv,
    format_picklists_json,
    parse_picklists_csv,
)
from engine.publish.sheet import render_batch_sheet, route_svg, walking_path
from engine.publish.storage import join, read_text, write_atomic

__all__ = [
    "PICKLIST_COLUMNS",
    "BatchInfo",
    "OutboxMessage",
    "PickRow",
    "format_picklists_csv",
    "format_picklists_json",
    "join",
    "parse_picklists_csv",
    "read_outbox",
    "read_text",
    "render_batch_sheet",
    "route_svg",
    "walking_path",
    "write_atomic",
    "write_outbox",
]
