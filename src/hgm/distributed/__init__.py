"""hgm.distributed: a run's jobs in job slots on a Ray cluster's nodes (executor, slots, node side,
gateway forwarder, per-node preflight); the engine and its records stay in the hgm process."""
