-- 022_daemons.sql in PostgreSQL's words, and SQLite's instr(), which the
-- claim uses to look a capability up.
CREATE TABLE daemons (
	name		text COLLATE "C" PRIMARY KEY,
	worker		bigint NOT NULL,
	jobs		bigint NOT NULL,
	caps		text COLLATE "C" NOT NULL,
	started_at	bigint NOT NULL,
	seen_at		bigint NOT NULL
);

CREATE FUNCTION instr(text, text) RETURNS bigint LANGUAGE sql
    IMMUTABLE RETURNS NULL ON NULL INPUT AS
$$ SELECT strpos($1, $2)::bigint $$;

ALTER TABLE benches ADD COLUMN worker text COLLATE "C";
