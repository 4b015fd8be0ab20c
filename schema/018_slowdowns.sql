-- Speed regressions (track_speed.c): a tracked project with a
-- max_slowdown ("5%") on speed_metric (bench.instructions when NULL)
-- records a slowdown when a benchmarked commit of its branch runs slower
-- than the nearest earlier benchmarked commit of its first-parent line by
-- more than that (a median wall time only outside the runs' spread).
-- benches.checked: the benchmark was compared, or cannot be.
ALTER TABLE projects ADD COLUMN max_slowdown TEXT;
ALTER TABLE projects ADD COLUMN speed_metric TEXT;
ALTER TABLE benches ADD COLUMN checked INTEGER NOT NULL DEFAULT 0;

CREATE TABLE slowdowns (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects (id),
	commit_id	TEXT NOT NULL,
	base_commit	TEXT NOT NULL,
	variant_id	INTEGER NOT NULL REFERENCES variants (id),
	artifact	TEXT NOT NULL,
	metric		TEXT NOT NULL,
	base_value	INTEGER NOT NULL,
	value		INTEGER NOT NULL,
	max_slowdown	TEXT NOT NULL,
	build_id	INTEGER REFERENCES builds (id),
	alerted		INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	UNIQUE (project_id, commit_id, variant_id, artifact, metric)
);
