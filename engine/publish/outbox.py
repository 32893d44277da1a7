"""The file outbox: notifications written once, for a mailer or a 3PL to pick up.

Each message is one JSON file ``<outbox>/<topic>/<key>.json``. The key is the
message's idempotency key (e.g. ``shipped-<order_id>``), so a retried task that
emits the same message again finds the file and writes nothing: every message
exists at most once, and a consumer can delete files it has sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.publish.storage import join, list_files, read_text, write_if_absent

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str) -> str:
    """A file-name-safe form of an id (anything outside ``[A-Za-z0-9._-]`` becomes ``_``).

    >>> safe_name("order 7/B"), safe_name(".."), safe_name("")
    ('order_7_B', '_', '_')
    """
    name = _SAFE.sub("_", text)
    return name if name.strip(".") else "_"  # "", "." and ".." name no file of their own


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A notification: ``topic`` (``wave_released``, ``shipped``, ``delivered_followup``, ...).

    ``key`` is unique per message across retries and reruns; ``fields`` are the
    message's string fields (order id, tracking number, links, ...).
    """

    key: str
    topic: str
    order_id: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        doc = {"key": self.key, "topic": self.topic, "order_id": self.order_id, **dict(self.fields)}
        return json.dumps(doc, sort_keys=True) + "\n"


def message_url(outbox_url: str, msg: OutboxMessage) -> str:
    return join(outbox_url, safe_name(msg.topic), f"{safe_name(msg.key)}.json")


def write_outbox(outbox_url: str, messages: Iterable[OutboxMessage]) -> int:
    """Write each message unless it is already there; returns how many were new."""
    return sum(write_if_absent(message_url(outbox_url, m), m.to_json()) for m in messages)


def read_outbox(outbox_url: str, topic: str) -> list[OutboxMessage]:
    """The messages of one topic, sorted by key (what a consumer would read)."""
    out = []
    for url in list_files(join(outbox_url, safe_name(topic)), (".json",)):
        doc = json.loads(read_text(url))
        key, top, order_id = doc.pop("key"), doc.pop("topic"), doc.pop("order_id", "")
        out.append(OutboxMessage(key, top, order_id, {k: str(v) for k, v in doc.items()}))
    return out
