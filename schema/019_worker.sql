-- The machine that made each build: the name of the daemon or worker that
-- ran it (--name, default HOST:PID); a reused build keeps the name of the
-- one whose result it copies.
ALTER TABLE builds ADD COLUMN worker TEXT;
