-- Attribution (attrib.c): an artifact's symbol table, zstd-compressed
-- lines "S\tSECTION\tSIZE" (a covered section) and
-- "Y\tSECTION\tSIZE\tNAME" (a demangled symbol's bytes), for sizes, diff
-- and the explanation of regressions. Kept for the newest
-- --keep-artifacts builds of each variant and for every build at a
-- commit of a recorded regression (its base or its culprit); the crate.*
-- measurements stay for every build. raw_bytes: the lines' size before
-- compression.
CREATE TABLE symbol_tables (
	artifact_id	INTEGER PRIMARY KEY REFERENCES artifacts (id),
	covered		INTEGER NOT NULL,
	symbols		INTEGER NOT NULL,
	raw_bytes	INTEGER NOT NULL,
	data		BLOB NOT NULL
);

-- runs.kind gains 'explain': the unstripped twins built at a regression's
-- commits to explain a stripped variant's growth; like a bisection's
-- probes, detection does not look at them.

-- The sha256 of the artifact's bytes, as hex.
ALTER TABLE artifacts ADD COLUMN sha256 TEXT;
