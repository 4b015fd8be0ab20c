-- How long a queued build is expected to take (the same project's and
-- variant's last recorded wall time, else the planner's rule): within a
-- run, the longest start first, so that the last build does not run
-- alone (plan.c).
ALTER TABLE builds ADD COLUMN expected_ms INTEGER;
