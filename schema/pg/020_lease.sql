-- 020_lease.sql in PostgreSQL's words, and the wake-ups of the daemons
-- sharing the store: a notification on sizemat_queue whenever there may be
-- a build to claim (a build queued; a running one ending, which frees its
-- target dir and its twins; one claimed, whose claim released the other
-- candidates it had locked, which a daemon claiming at the same moment
-- skipped; a run's builds becoming ready; a benchmark waiting). A
-- transaction's notifications are sent once, when it commits.
ALTER TABLE builds ADD COLUMN lease_until bigint;
ALTER TABLE builds ADD COLUMN fence bigint NOT NULL DEFAULT 0;
CREATE INDEX builds_by_target_dir ON builds (target_dir, state);
-- The claim walks the queued builds in its order and stops at the first
-- ready ones, instead of sorting every queued build.
CREATE INDEX builds_queue ON builds (run_id, (coalesce(expected_ms, 0)) DESC,
    seq) WHERE state = 'queued';

CREATE FUNCTION sizemat_queue_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sizemat_queue', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER builds_queued AFTER INSERT ON builds
    FOR EACH ROW WHEN (NEW.state = 'queued')
    EXECUTE FUNCTION sizemat_queue_changed();
CREATE TRIGGER builds_changed AFTER UPDATE OF state ON builds
    FOR EACH ROW WHEN (NEW.state = 'queued' OR OLD.state IN ('queued',
    'running'))
    EXECUTE FUNCTION sizemat_queue_changed();
CREATE TRIGGER runs_prepared AFTER UPDATE OF prepared ON runs
    FOR EACH ROW WHEN (NEW.prepared = 1)
    EXECUTE FUNCTION sizemat_queue_changed();
CREATE TRIGGER benches_pending AFTER INSERT OR UPDATE OF state ON benches
    FOR EACH ROW WHEN (NEW.state = 'pending')
    EXECUTE FUNCTION sizemat_queue_changed();
