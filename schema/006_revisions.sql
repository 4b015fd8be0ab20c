-- Regressions are revised as commits inside them are measured.
-- state: culprit (base_commit is commit_id's parent: the commit that made
-- it bigger), range (commits between them not measured yet: first_commit
-- is the one after base_commit, commit_id the measured one that showed
-- the growth, unmeasured how many in [first_commit, commit_id) have no
-- result yet), withdrawn (measured commits inside showed that no single
-- step crossed the threshold; note says why). NULL: recorded before
-- revisions; the daemon classifies such rows when it next looks.
-- revised: 1 while a follow-up webhook (size_regression_revised) is owed
-- for a row whose first alert has gone.
ALTER TABLE regressions ADD COLUMN state TEXT
    CHECK (state IN ('range', 'culprit', 'withdrawn'));
ALTER TABLE regressions ADD COLUMN first_commit TEXT;
ALTER TABLE regressions ADD COLUMN unmeasured INTEGER NOT NULL DEFAULT 0;
ALTER TABLE regressions ADD COLUMN revised INTEGER NOT NULL DEFAULT 0;
ALTER TABLE regressions ADD COLUMN note TEXT;
ALTER TABLE regressions ADD COLUMN revised_at INTEGER;
