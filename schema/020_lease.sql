-- A running build's lease. The daemon that claims a build sets its expiry
-- (lease_until, seconds since the epoch) and raises its fence; it renews
-- the lease while the build runs. A build whose lease expired is queued
-- again, and only the holder of the current fence records a result.
ALTER TABLE builds ADD COLUMN lease_until INTEGER;
ALTER TABLE builds ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
-- The claim asks whether a target dir is in use by a running build.
CREATE INDEX builds_by_target_dir ON builds (target_dir, state);
-- The claim walks the queued builds in its order and stops at the first
-- ready ones, instead of sorting every queued build.
CREATE INDEX builds_queue ON builds (run_id, (coalesce(expected_ms, 0)) DESC,
    seq) WHERE state = 'queued';
