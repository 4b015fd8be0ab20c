-- 019_worker.sql in PostgreSQL's words: text compared byte by byte.
ALTER TABLE builds ADD COLUMN worker text COLLATE "C";
