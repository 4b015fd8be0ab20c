-- 024_section_sha256.sql in PostgreSQL's words.
ALTER TABLE sections ADD COLUMN sha256 text COLLATE "C";
