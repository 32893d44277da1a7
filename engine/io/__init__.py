"""The edge: SPEC files in (``parse_*`` pure, ``read_*`` thin) and out (``write_*``).

Parsers turn text into the typed models of :mod:`engine.model` and
:mod:`engine.layout`. A file that cannot be used as a whole raises
:class:`engine.errors.InputError` with one :class:`engine.errors.Problem` per
fault; a bad row inside a usable file becomes a warning and, for orders, a hold.
"""
