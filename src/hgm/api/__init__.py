"""The public Python API, re-exported at the top of `hgm` (docs/api.md lists every name)."""
