-- A constrained search (search_limits.c): what its variants must stay
-- within against a baseline, as JSON {"max_slowdown": "10%",
-- "speed_metric": "bench.instructions", "max_build_time": "2x",
-- "baseline": "release"}; NULL for a search without limits.
ALTER TABLE searches ADD COLUMN limits TEXT;
