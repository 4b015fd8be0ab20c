-- The sha256 of each section's bytes in an ELF image (not an archive's
-- summed sections, nor NOBITS ones): verify names the sections whose
-- bytes differ between two builds from these, without their files.
ALTER TABLE sections ADD COLUMN sha256 TEXT;
