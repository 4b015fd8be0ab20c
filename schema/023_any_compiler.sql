-- Whether a run's builds may go to any daemon that can build them, whatever
-- its compiler's version: without it, a series (a project's variant) last
-- built by one version stays with the daemons that have that version while
-- one of them lives (see store_build_claim).
ALTER TABLE runs ADD COLUMN any_compiler INTEGER NOT NULL DEFAULT 0;
