"""hgm: a runnable Huxley-Gödel Machine."""

__version__ = "0.1.0"
