"""hgm's pytest plugin (`hgm_guard.py`), copied into each graded tree and loaded with `-p`."""
