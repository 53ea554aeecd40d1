"""The smallest agent that honours the hgm agent contract."""
