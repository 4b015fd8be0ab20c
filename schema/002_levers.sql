-- Toolchains, unstable opt-ins, post-link steps and linked runs.
-- toolchain: the JSON identity of the cargo and rustc a build ran with
-- (name, cargo, rustc, version, release, commit, host, llvm).
ALTER TABLE builds ADD COLUMN toolchain TEXT;
-- bootstrap: 1 when the build ran unstable options under RUSTC_BOOTSTRAP=1.
ALTER TABLE builds ADD COLUMN bootstrap INTEGER NOT NULL DEFAULT 0;
-- post: the post-link steps to measure, comma-joined (strip,gzip,...).
ALTER TABLE builds ADD COLUMN post TEXT;
-- notes: post steps that could not run, one "artifact: step: why" a line.
ALTER TABLE builds ADD COLUMN notes TEXT;
-- parent_run_id: the run an explain run fills in the neighbours of.
ALTER TABLE runs ADD COLUMN parent_run_id INTEGER REFERENCES runs (id);
-- kept_path: a copy of the artifact as built, for 'diff' (the target dir
-- is reused by the next build of the same variant).
ALTER TABLE artifacts ADD COLUMN kept_path TEXT;
