-- Each build's log as the store keeps it (daemon/logpack.c): its tail,
-- zstd-compressed, with the tail's length and the whole log's, so that a
-- daemon serves the log of a build another machine made. A log pruned by
-- --keep-logs goes from here too.
CREATE TABLE build_logs (
	build_id	INTEGER PRIMARY KEY REFERENCES builds (id),
	raw_bytes	INTEGER NOT NULL,
	log_bytes	INTEGER NOT NULL,
	data		BLOB NOT NULL
);
