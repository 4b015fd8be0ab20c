-- The artifact a command takes when none is named, as the build's
-- unit graph and cargo metadata gave it: the package's default-run, else
-- the binary named like the package, else the only one; NULL when
-- several remain (the command then asks for --artifact).
ALTER TABLE builds ADD COLUMN default_artifact TEXT;
