"""Numbered schema migrations (NNNN_name.sql), applied in order by pipeline.store.migrate."""
