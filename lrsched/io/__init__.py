"""File formats and input/output: specs, simulation and state files, atomic output."""
