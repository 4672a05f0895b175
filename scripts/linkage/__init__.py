"""``make linkage-eval``: how well the linker links, measured on real data (see
``scripts/linkage_eval.py``)."""
