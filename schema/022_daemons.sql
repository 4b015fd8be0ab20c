-- The daemons sharing the store, each as it last said: a worker or not,
-- its build slots, what it can build (caps: ",NAME,NAME@VERSION,
-- NAME/TARGET,NAME/src," per toolchain; see store_build_claim), when it
-- started, and when it was last seen (every third of its lease).
CREATE TABLE daemons (
	name		TEXT PRIMARY KEY,
	worker		INTEGER NOT NULL,
	jobs		INTEGER NOT NULL,
	caps		TEXT NOT NULL,
	started_at	INTEGER NOT NULL,
	seen_at		INTEGER NOT NULL
);

-- The daemon running each benchmark: one whose daemon is no longer seen
-- runs again elsewhere, and only its daemon records its end.
ALTER TABLE benches ADD COLUMN worker TEXT;
