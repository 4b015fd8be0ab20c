-- 023_any_compiler.sql in PostgreSQL's words.
ALTER TABLE runs ADD COLUMN any_compiler bigint NOT NULL DEFAULT 0;
