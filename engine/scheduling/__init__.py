"""Scheduling (SPEC section 8): trips to pickers and times, due dates, the release horizon.

A solver room: never imports ``store``, ``publish``, ``commands`` or ``orchestration``.
This package's top level holds only the time model (``engine.model`` imports its
parameters); the solver is :func:`engine.scheduling.search.solve`.

- :mod:`~engine.scheduling.params` -- :class:`LabourParams`, :class:`Carrier`, :class:`SchedulingParams`;
- :mod:`~engine.scheduling.clock` -- trip durations, departures, due times (``zoneinfo``);
- :mod:`~engine.scheduling.problem` -- :class:`SchedulingProblem` and its result;
- :mod:`~engine.scheduling.sequencing` -- trips to pickers (EDD list schedule, exact for few trips);
- :mod:`~engine.scheduling.search` -- :func:`solve`, batching and sequencing together;
- :mod:`~engine.scheduling.exact` -- the CP-SAT set-partitioning model for small instances;
- :mod:`~engine.scheduling.horizon` -- which orders go now and which wait (``later``).
"""

from engine.scheduling.clock import due_time, first_departure, iso_utc, last_departure, trip_duration
from engine.scheduling.params import Carrier, LabourParams, SchedulingParams

__all__ = ["Carrier", "LabourParams", "SchedulingParams", "due_time", "first_departure", "iso_utc",
           "last_departure", "trip_duration"]
