-- What cargo's unit graph said of a build before it ran: the root unit's
-- effective profile and the project's own (the same query without the
-- variant's profile variables), as canonical JSON objects, and a
-- fingerprint of every unit's inputs. same_as: the build of the same run
-- with the same fingerprint whose result this one repeats instead of
-- being built.
ALTER TABLE builds ADD COLUMN effective TEXT;
ALTER TABLE builds ADD COLUMN project_profile TEXT;
ALTER TABLE builds ADD COLUMN fingerprint TEXT;
ALTER TABLE builds ADD COLUMN same_as INTEGER REFERENCES builds (id);
CREATE INDEX builds_by_fingerprint ON builds (run_id, fingerprint);
