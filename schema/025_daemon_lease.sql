-- Each daemon's own lease (--lease): it says it is alive every third of
-- it, so another daemon counts it alive while seen_at + lease is not past.
ALTER TABLE daemons ADD COLUMN lease INTEGER NOT NULL DEFAULT 30;
