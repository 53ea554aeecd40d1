"""hgm.distributed: a run's jobs as Ray tasks on a cluster's nodes (executor, node side,
gateway forwarder, per-node preflight); the engine and its records stay in the hgm process."""
