"""Shared test fixtures."""

import os

from hgm.bench.deps import deps_dir

# Every test shares the user's hgm deps directory (vendored crates, jars, warm Go build cache,
# prebuilt Catch2 main: what scripts/setup-test-env.sh prepares), also when a test points
# HGM_CACHE at a temporary directory. They are caches keyed by their contents.
os.environ.setdefault("HGM_DEPS", str(deps_dir()))
