-- A search for the smallest variant of an axes matrix (docs/search.md).
-- Like a bisection it keeps nothing of its own progress: each step is
-- replayed from the builds of its runs (runs.search_id) and the results
-- it reused, so a restarted daemon goes on where it was.
CREATE TABLE searches (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects (id),
	matrix		TEXT NOT NULL,
	matrix_source	TEXT NOT NULL,
	-- package: the package cargo builds by default, for features.
	package		TEXT,
	metric		TEXT NOT NULL,
	-- artifact: NULL for the default artifact of the first build.
	artifact	TEXT,
	budget		INTEGER,
	toolchain	TEXT,
	-- commit_id: a tracked project's commit, resolved when it starts.
	commit_id	TEXT,
	state		TEXT NOT NULL CHECK (state IN
			    ('running', 'done', 'failed', 'cancelled')),
	certified	INTEGER NOT NULL DEFAULT 0,
	-- result: the answer as GET /v1/searches/{id} shows it, once over.
	result		TEXT,
	message		TEXT,
	created_at	INTEGER NOT NULL,
	finished_at	INTEGER
);
CREATE INDEX searches_by_state ON searches (state);

ALTER TABLE runs ADD COLUMN search_id INTEGER REFERENCES searches (id);
CREATE INDEX runs_by_search ON runs (search_id) WHERE search_id IS NOT NULL;
