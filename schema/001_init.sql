-- sizemat's first schema: projects, variants, runs, builds, artifacts and
-- their measurements. Times are Unix seconds.

CREATE TABLE projects (
	id		INTEGER PRIMARY KEY,
	path		TEXT NOT NULL UNIQUE,
	created_at	INTEGER NOT NULL
);

-- A variant is identified by its canonical key across runs (INTERFACE.md).
CREATE TABLE variants (
	id		INTEGER PRIMARY KEY,
	key		TEXT NOT NULL UNIQUE,
	settings	TEXT NOT NULL
);

CREATE TABLE runs (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects (id),
	matrix		TEXT NOT NULL,
	shape		TEXT NOT NULL CHECK (shape IN ('axes', 'ladder')),
	matrix_source	TEXT NOT NULL,
	state		TEXT NOT NULL CHECK (state IN
			    ('queued', 'running', 'done', 'cancelled')),
	created_at	INTEGER NOT NULL,
	started_at	INTEGER,
	finished_at	INTEGER
);

CREATE TABLE builds (
	id		INTEGER PRIMARY KEY,
	run_id		INTEGER NOT NULL REFERENCES runs (id),
	seq		INTEGER NOT NULL,
	variant_id	INTEGER NOT NULL REFERENCES variants (id),
	step		TEXT,
	target_dir	TEXT NOT NULL,
	state		TEXT NOT NULL CHECK (state IN ('queued', 'running',
			    'done', 'failed', 'timeout', 'cancelled',
			    'unavailable')),
	env		TEXT,
	cargo_args	TEXT,
	rustc_version	TEXT,
	log_path	TEXT,
	error		TEXT,
	exit_code	INTEGER,
	wall_ms		INTEGER,
	cpu_ms		INTEGER,
	attempts	INTEGER NOT NULL DEFAULT 0,
	queued_at	INTEGER NOT NULL,
	started_at	INTEGER,
	finished_at	INTEGER,
	UNIQUE (run_id, seq),
	UNIQUE (run_id, variant_id)
);
CREATE INDEX builds_by_state ON builds (state, run_id, seq);
CREATE INDEX builds_by_variant ON builds (variant_id, state);

CREATE TABLE artifacts (
	id		INTEGER PRIMARY KEY,
	build_id	INTEGER NOT NULL REFERENCES builds (id),
	name		TEXT NOT NULL,
	kind		TEXT NOT NULL,
	path		TEXT NOT NULL,
	file_size	INTEGER NOT NULL,
	UNIQUE (build_id, kind, name)
);

-- Section sizes as the file names them (".text").
CREATE TABLE sections (
	artifact_id	INTEGER NOT NULL REFERENCES artifacts (id),
	name		TEXT NOT NULL,
	size		INTEGER NOT NULL,
	PRIMARY KEY (artifact_id, name)
);

-- Measurements under their canonical names ("section.text", "post.xz").
CREATE TABLE measurements (
	artifact_id	INTEGER NOT NULL REFERENCES artifacts (id),
	name		TEXT NOT NULL,
	value		INTEGER NOT NULL,
	PRIMARY KEY (artifact_id, name)
);
