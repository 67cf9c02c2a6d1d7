"""The deterministic `rules` backend: tables and sentence patterns, offline."""
