-- A matrix with "verify": true has each of its runs verified once it
-- settles (verify.c): the run's done builds built again in fresh target
-- dirs, as a run of kind 'verify' whose parent it is.
ALTER TABLE runs ADD COLUMN verify INTEGER NOT NULL DEFAULT 0;
