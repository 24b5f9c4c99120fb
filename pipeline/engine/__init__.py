"""The calculation engine over the SQL models in sql/: `runs` computes a year as a recorded run, publishes
(freezes) it and is the one place that says which run counts for a year; `marts` is the one reader of the
marts; `compare` puts two runs side by side. The views themselves are built by `pipeline.store`."""
