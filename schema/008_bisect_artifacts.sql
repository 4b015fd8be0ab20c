-- A bisection asked for without an artifact bisects every artifact that
-- grew past its threshold from good to bad: the first keeps the row (its
-- artifact stays '' until both ends are measured), and each further one
-- gets a row of its own whose parent_id names it.
ALTER TABLE bisections ADD COLUMN parent_id INTEGER REFERENCES bisections (id);
