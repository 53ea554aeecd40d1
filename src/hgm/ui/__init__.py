"""hgm.ui: seeing inside runs, read-only: the live dashboard, reports and their queries."""
