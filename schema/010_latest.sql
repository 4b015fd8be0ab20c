-- The newest done build of each variant in each project, and the ladder
-- step name it was built as (the greatest, when several), kept by triggers whenever a build is done
-- (built, reused or the same as another), so that "what was measured
-- last" is a lookup instead of a scan of the whole history.
CREATE TABLE latest (
	project_id	INTEGER NOT NULL REFERENCES projects (id),
	variant_id	INTEGER NOT NULL REFERENCES variants (id),
	build_id	INTEGER NOT NULL REFERENCES builds (id),
	step		TEXT,
	PRIMARY KEY (project_id, variant_id)
) WITHOUT ROWID;

INSERT INTO latest (project_id, variant_id, build_id, step)
    SELECT r.project_id, b.variant_id, max(b.id),
    (SELECT max(s.step) FROM builds s JOIN runs sr ON sr.id = s.run_id
     WHERE sr.project_id = r.project_id AND s.variant_id = b.variant_id)
    FROM builds b JOIN runs r ON r.id = b.run_id
    WHERE b.state = 'done' GROUP BY r.project_id, b.variant_id;

CREATE TRIGGER latest_done AFTER UPDATE OF state ON builds
    WHEN NEW.state = 'done' AND OLD.state IS NOT 'done'
BEGIN
	INSERT INTO latest (project_id, variant_id, build_id, step)
	    SELECT project_id, NEW.variant_id, NEW.id, NEW.step FROM runs
	    WHERE id = NEW.run_id
	    ON CONFLICT (project_id, variant_id) DO UPDATE SET
	    build_id = max(build_id, excluded.build_id),
	    step = coalesce(max(step, excluded.step), step, excluded.step);
END;

-- A build recorded done at once (an import, a seeded history).
CREATE TRIGGER latest_inserted AFTER INSERT ON builds
    WHEN NEW.state = 'done'
BEGIN
	INSERT INTO latest (project_id, variant_id, build_id, step)
	    SELECT project_id, NEW.variant_id, NEW.id, NEW.step FROM runs
	    WHERE id = NEW.run_id
	    ON CONFLICT (project_id, variant_id) DO UPDATE SET
	    build_id = max(build_id, excluded.build_id),
	    step = coalesce(max(step, excluded.step), step, excluded.step);
END;

-- The build-duration histogram of /metrics reads this index alone; being
-- partial, no other query's plan can pick it by mistake.
CREATE INDEX builds_by_duration ON builds (wall_ms) WHERE state = 'done'
    AND reused_from IS NULL AND wall_ms IS NOT NULL;

-- And its webhook deliveries by state.
CREATE INDEX deliveries_by_state ON deliveries (state);
