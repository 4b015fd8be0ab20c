-- Size history: tracked projects at git revisions, their commits,
-- regressions, bisections and webhook deliveries.

-- A tracked project has a name; projects given by path have none. A
-- removed project keeps its rows (and history) but loses its name.
ALTER TABLE projects ADD COLUMN name TEXT;
ALTER TABLE projects ADD COLUMN source TEXT;
ALTER TABLE projects ADD COLUMN branch TEXT;
ALTER TABLE projects ADD COLUMN matrix TEXT;
ALTER TABLE projects ADD COLUMN toolchain TEXT;
ALTER TABLE projects ADD COLUMN schedule TEXT;
ALTER TABLE projects ADD COLUMN threshold TEXT;
-- webhooks: a JSON array of URLs.
ALTER TABLE projects ADD COLUMN webhooks TEXT;
-- mirror: the daemon's own bare clone of source, under the work dir.
ALTER TABLE projects ADD COLUMN mirror TEXT;
-- head: the branch head at the last fetch; next_tick: the schedule's next
-- time (Unix seconds), kept so a tick missed while down runs at start.
ALTER TABLE projects ADD COLUMN head TEXT;
ALTER TABLE projects ADD COLUMN next_tick INTEGER;
-- A project is ready once its source is cloned and its branch known;
-- problem says why it could not be.
ALTER TABLE projects ADD COLUMN problem TEXT;
CREATE UNIQUE INDEX projects_by_name ON projects (name)
    WHERE name IS NOT NULL;

-- Commits seen, with their first parent, so first-parent lines can be
-- walked without git.
CREATE TABLE commits (
	project_id	INTEGER NOT NULL REFERENCES projects (id),
	id		TEXT NOT NULL,
	parent		TEXT,
	time		INTEGER NOT NULL,
	author		TEXT NOT NULL,
	subject		TEXT NOT NULL,
	PRIMARY KEY (project_id, id)
);

-- A run at a revision: rev as asked, commit once resolved (prepared = 1);
-- builds of runs not prepared yet wait. kind: run, schedule, check,
-- bisect. lock_hash: the blob id of Cargo.lock at the commit.
ALTER TABLE runs ADD COLUMN rev TEXT;
ALTER TABLE runs ADD COLUMN commit_id TEXT;
ALTER TABLE runs ADD COLUMN prepared INTEGER NOT NULL DEFAULT 1;
ALTER TABLE runs ADD COLUMN force INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'run';
ALTER TABLE runs ADD COLUMN on_branch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN lock_hash TEXT;
ALTER TABLE runs ADD COLUMN bisection_id INTEGER;
CREATE INDEX runs_by_commit ON runs (project_id, commit_id);
CREATE INDEX runs_unprepared ON runs (prepared) WHERE prepared = 0;

-- A build at a commit checks it out in a git worktree inside its target
-- dir (TARGET/worktree), so the source path stays the same from one commit
-- to the next and the disk budget covers both. reused_from: the build whose result this one repeats instead of
-- building again. checked: regression detection has looked at it.
ALTER TABLE builds ADD COLUMN reused_from INTEGER REFERENCES builds (id);
ALTER TABLE builds ADD COLUMN checked INTEGER NOT NULL DEFAULT 0;

CREATE TABLE regressions (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects (id),
	commit_id	TEXT NOT NULL,
	base_commit	TEXT NOT NULL,
	variant_id	INTEGER NOT NULL REFERENCES variants (id),
	artifact	TEXT NOT NULL,
	base_size	INTEGER NOT NULL,
	size		INTEGER NOT NULL,
	threshold	TEXT NOT NULL,
	build_id	INTEGER REFERENCES builds (id),
	found_by	TEXT NOT NULL,
	alerted		INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	UNIQUE (project_id, commit_id, variant_id, artifact)
);

CREATE TABLE bisections (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects (id),
	good		TEXT,
	bad		TEXT,
	good_rev	TEXT NOT NULL,
	bad_rev		TEXT NOT NULL,
	-- variant_id: NULL until the matrix is measured at good, when no
	-- variant was named and none was measured: then the smallest there.
	-- artifact: '' for the first the good commit's build has.
	variant_id	INTEGER REFERENCES variants (id),
	artifact	TEXT NOT NULL,
	threshold	TEXT NOT NULL,
	-- commits: JSON array, good first, then the first-parent line to bad.
	commits		TEXT,
	state		TEXT NOT NULL CHECK (state IN
			    ('preparing', 'running', 'done', 'failed')),
	result		TEXT,
	message		TEXT,
	created_at	INTEGER NOT NULL,
	finished_at	INTEGER
);

CREATE TABLE deliveries (
	id		INTEGER PRIMARY KEY,
	project_id	INTEGER NOT NULL REFERENCES projects (id),
	commit_id	TEXT NOT NULL,
	url		TEXT NOT NULL,
	body		TEXT NOT NULL,
	state		TEXT NOT NULL CHECK (state IN
			    ('pending', 'delivered', 'failed')),
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_at		INTEGER NOT NULL,
	status		INTEGER,
	error		TEXT,
	created_at	INTEGER NOT NULL,
	delivered_at	INTEGER,
	UNIQUE (project_id, commit_id, url)
);
