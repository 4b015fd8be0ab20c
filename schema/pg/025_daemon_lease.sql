-- 025_daemon_lease.sql in PostgreSQL's words.
ALTER TABLE daemons ADD COLUMN lease bigint NOT NULL DEFAULT 30;
