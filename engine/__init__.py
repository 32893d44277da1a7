"""pickwave: batch pick optimisation and wave planning."""
