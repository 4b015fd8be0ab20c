-- Benchmarks (bench.c): a matrix's "bench", normalised, travels with each
-- of its runs; every done build of such a run has a row here, pending
-- until the daemon ran the command against the build's artifact (one at
-- a time, while no build runs). Its figures are measurements of that
-- artifact (bench.wall_ms, bench.wall_ms_mad, bench.wall_ms_min,
-- bench.wall_ms_max, bench.max_rss_kib, bench.instructions); the row
-- keeps how they were taken. A failed or timed-out benchmark is recorded
-- here; the build stays done. A run settles once its benchmarks have run.
ALTER TABLE runs ADD COLUMN bench TEXT;

CREATE TABLE benches (
	build_id	INTEGER PRIMARY KEY REFERENCES builds (id),
	spec		TEXT NOT NULL,
	state		TEXT NOT NULL CHECK (state IN ('pending', 'running',
			    'done', 'failed', 'timeout', 'unavailable',
			    'cancelled')),
	artifact	TEXT,
	exit_status	INTEGER,
	error		TEXT,
	samples_us	TEXT,
	load_avg	TEXT,
	cpu_model	TEXT,
	copied_from	INTEGER REFERENCES builds (id),
	started_at	INTEGER,
	finished_at	INTEGER
);
CREATE INDEX benches_by_state ON benches (state, build_id);
