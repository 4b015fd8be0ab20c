-- A matrix may set its own build timeout (seconds); NULL takes the
-- daemon's --build-timeout.
ALTER TABLE runs ADD COLUMN timeout_s INTEGER;
