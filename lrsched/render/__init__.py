"""Renderers: turn engine results into text, tables, figures.  They return things; only the
CLI prints."""
