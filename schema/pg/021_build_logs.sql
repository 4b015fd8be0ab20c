-- 021_build_logs.sql in PostgreSQL's words.
CREATE TABLE build_logs (
	build_id	bigint PRIMARY KEY REFERENCES builds (id),
	raw_bytes	bigint NOT NULL,
	log_bytes	bigint NOT NULL,
	data		bytea NOT NULL
);
