/*
 * The store's regressions: detection along a tracked project's
 * first-parent line, the records and their alerts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

/* Where a regression lies on the first-parent line. */
struct store_range {
	char	*first;		/* the commit after base */
	int	 depth;		/* of base below last; 0: not on its line */
	int	 unmeasured;	/* in [first, last) without a result */
};

/*
 * Walks the first-parent line down from last to base and fills r: the
 * commit after base, base's depth and how many commits in [first, last)
 * have no done build of the variant. With inside, also tells at what
 * depth that commit lies (0 when it is not strictly between them).
 */
static int
store_range_walk(struct store *st, int64_t project_id, int64_t variant_id,
    const char *last, const char *base, const char *inside,
    struct store_range *r, int *at)
{
	struct db_stmt	*stmt;
	struct strlist	 ids = { NULL, 0 };
	int		*measured = NULL, rc;
	size_t		 i;

	memset(r, 0, sizeof *r);
	if (at != NULL)
		*at = 0;
	stmt = store_prepare(st, "WITH RECURSIVE line(id, depth) AS ("
	    " SELECT ?2 COLLATE \"C\", 0"
	    " UNION ALL SELECT c.parent, line.depth + 1"
	    " FROM commits c JOIN line ON c.project_id = ?1 AND c.id = line.id"
	    " WHERE line.id <> ?3 AND c.parent IS NOT NULL"
	    " AND line.depth < 1000000)"
	    " SELECT line.id, EXISTS (SELECT 1 FROM runs r JOIN builds b"
	    " ON b.run_id = r.id WHERE r.project_id = ?1 AND r.commit_id ="
	    " line.id AND b.variant_id = ?4 AND b.state = 'done')"
	    " FROM line ORDER BY line.depth");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, last);
	store_bind_text(stmt, 3, base);
	db_bind_int(stmt, 4, variant_id);
	while ((rc = db_step(stmt)) == DB_ROW) {
		strlist_add(&ids, db_column_text(stmt, 0));
		measured = xreallocarray(measured, ids.n, sizeof *measured);
		measured[ids.n - 1] = db_column_int(stmt, 1);
	}
	db_finalize(stmt);
	if (rc != DB_DONE) {
		free(measured);
		strlist_free(&ids);
		return (-1);
	}
	if (ids.n >= 2 && strcmp(ids.v[ids.n - 1], base) == 0) {
		r->depth = (int)ids.n - 1;
		r->first = xstrdup(ids.v[ids.n - 2]);
		for (i = 1; i + 1 < ids.n; i++) {
			r->unmeasured += !measured[i];
			if (inside != NULL && at != NULL &&
			    strcmp(ids.v[i], inside) == 0)
				*at = (int)i;
		}
	}
	free(measured);
	strlist_free(&ids);
	return (0);
}

/*
 * Records a regression once per commit, variant and artifact: STORE_OK,
 * or STORE_CONFLICT when it was recorded before.
 */
enum store_result
store_regression_add(struct store *st, int64_t project_id, const char *commit,
    const char *base, int64_t variant_id, const char *artifact,
    int64_t base_size, int64_t size, const char *threshold,
    const char *found_by)
{
	struct db_stmt	*stmt;
	struct store_range r;

	/* Not parent and child: a range, until what lies between is known. */
	if (store_range_walk(st, project_id, variant_id, commit, base, NULL,
	    &r, NULL) != 0)
		return (STORE_ERROR);
	stmt = store_prepare(st, "INSERT INTO regressions"
	    " (project_id, commit_id, base_commit, variant_id, artifact,"
	    " base_size, size, threshold, found_by, created_at, state,"
	    " first_commit, unmeasured) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	store_bind_text(stmt, 3, base);
	db_bind_int(stmt, 4, variant_id);
	store_bind_text(stmt, 5, artifact);
	db_bind_int(stmt, 6, base_size);
	db_bind_int(stmt, 7, size);
	store_bind_text(stmt, 8, threshold);
	store_bind_text(stmt, 9, found_by);
	db_bind_int(stmt, 10, (int64_t)time(NULL));
	store_bind_text(stmt, 11, r.depth > 1 ? "range" : "culprit");
	store_bind_text(stmt, 12, r.depth > 1 ? r.first : commit);
	db_bind_int(stmt, 13, r.depth > 1 ? r.unmeasured : 0);
	free(r.first);
	if (store_step_done(st, stmt) != 0)
		return (STORE_ERROR);
	return (db_changes(st->db) > 0 ? STORE_OK : STORE_CONFLICT);
}

/*
 * Reads what verify found of a variant's artifact (builds of it built
 * again in fresh target dirs, runs of kind verify): *jitter the largest
 * file size change between a build and its rebuild, *differs whether any
 * rebuild's bytes differed. STORE_OK, STORE_NOT_FOUND when never
 * verified.
 */
static enum store_result
store_jitter(struct store *st, int64_t project_id, int64_t variant_id,
    const char *artifact, int64_t *jitter, int *differs)
{
	struct db_stmt	*stmt;
	int		 rc;

	*jitter = 0;
	*differs = 0;
	stmt = store_prepare(st, "SELECT max(abs(va.file_size -"
	    " oa.file_size)), max(CASE WHEN va.sha256 IS DISTINCT FROM"
	    " oa.sha256 THEN 1 ELSE 0 END)"
	    " FROM runs vr JOIN builds vb ON vb.run_id = vr.id"
	    " JOIN builds ob ON ob.run_id = vr.parent_run_id"
	    " AND ob.variant_id = vb.variant_id AND ob.state = 'done'"
	    " JOIN artifacts va ON va.build_id = vb.id"
	    " JOIN artifacts oa ON oa.build_id = ob.id AND oa.name = va.name"
	    " AND oa.kind = va.kind WHERE vr.kind = 'verify'"
	    " AND vr.project_id = ?1 AND vb.variant_id = ?2"
	    " AND vb.state = 'done' AND va.name = ?3 HAVING count(*) > 0");
	db_bind_int(stmt, 1, project_id);
	db_bind_int(stmt, 2, variant_id);
	store_bind_text(stmt, 3, artifact);
	if ((rc = db_step(stmt)) == DB_ROW) {
		*jitter = db_column_int(stmt, 0);
		*differs = db_column_int(stmt, 1) != 0;
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/* As store_jitter, of a variant by its key. */
enum store_result
store_variant_jitter(struct store *st, int64_t project_id, const char *key,
    const char *artifact, int64_t *jitter, int *differs)
{
	struct db_stmt	*stmt;
	int64_t		 variant_id;
	int		 rc;

	*jitter = 0;
	*differs = 0;
	stmt = store_prepare(st, "SELECT id FROM variants WHERE key = ?1");
	store_bind_text(stmt, 1, key);
	rc = db_step(stmt);
	variant_id = rc == DB_ROW ? db_column_int(stmt, 0) : 0;
	db_finalize(stmt);
	if (rc != DB_ROW)
		return (store_found(st, rc));
	return (store_jitter(st, project_id, variant_id, artifact, jitter,
	    differs));
}

/*
 * The regression rule with its noise: a size grew past the threshold and
 * by more than the variant's measured jitter (what verify saw its rebuilds
 * move by), so that a build that varies by itself raises nothing.
 */
static int
store_grew(struct store *st, const struct regression_rule *rule,
    int64_t project_id, int64_t variant_id, const char *artifact,
    int64_t before, int64_t after)
{
	int64_t	jitter;
	int	differs;

	if (!rule->grew(before, after, rule->arg))
		return (0);
	if (store_jitter(st, project_id, variant_id, artifact, &jitter,
	    &differs) != STORE_OK)
		return (1);
	return (after - before > jitter);
}

/*
 * Compares one done build at a commit of the branch with the nearest
 * earlier measured commit of its first-parent line. Returns 1 when it was
 * decided (the build is checked), 0 when a build between the two is still
 * to come, -1 on error; *found counts new regressions.
 */
static int
store_detect_one(struct store *st, int64_t project_id, int64_t build_id,
    int64_t variant_id, const char *commit, const struct regression_rule *rule,
    int *found)
{
	struct db_stmt	*stmt, *arts;
	char		*base = NULL;
	int64_t		 base_build = 0, size, base_size;
	int		 rc;

	stmt = store_prepare(st, STORE_LINE_BEFORE "SELECT line.id, b.id,"
	    " b.state FROM line JOIN runs r ON r.project_id = ?1"
	    " AND r.commit_id = line.id JOIN builds b ON b.run_id = r.id"
	    " AND b.variant_id = ?3 AND b.state IN ('done', 'queued',"
	    " 'running') ORDER BY line.depth, b.state = 'done' DESC, b.id DESC"
	    " LIMIT 1");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	db_bind_int(stmt, 3, variant_id);
	rc = db_step(stmt);
	if (rc == DB_ROW) {
		if (strcmp(db_column_text(stmt, 2),
		    "done") != 0) {
			db_finalize(stmt);
			return (0);
		}
		base = store_column_dup(stmt, 0);
		base_build = db_column_int(stmt, 1);
	}
	db_finalize(stmt);
	if (rc != DB_ROW && rc != DB_DONE)
		return (-1);
	if (base != NULL) {
		arts = store_prepare(st, "SELECT a.name, a.file_size,"
		    " o.file_size FROM artifacts a JOIN artifacts o"
		    " ON o.build_id = ?2 AND o.name = a.name AND o.kind = a.kind"
		    " WHERE a.build_id = ?1");
		db_bind_int(arts, 1, build_id);
		db_bind_int(arts, 2, base_build);
		while (db_step(arts) == DB_ROW) {
			size = db_column_int(arts, 1);
			base_size = db_column_int(arts, 2);
			if (!store_grew(st, rule, project_id, variant_id,
			    db_column_text(arts, 0), base_size, size))
				continue;
			rc = store_regression_add(st, project_id, commit, base,
			    variant_id, db_column_text(arts,
			    0), base_size, size, rule->text, "run");
			if (rc == STORE_OK)
				(*found)++;
		}
		db_finalize(arts);
		free(base);
	}
	stmt = store_prepare(st, "UPDATE builds SET checked = 1 WHERE id = ?1");
	db_bind_int(stmt, 1, build_id);
	if (store_step_done(st, stmt) != 0)
		return (-1);
	return (1);
}

/*
 * Moves a regression to new ends (last, the measured commit that showed
 * the growth, and base, the nearest measured one before it) or, with a
 * note, withdraws it. Ends that are parent and child name the culprit. A
 * row whose first alert went owes one follow-up once it is final.
 */
static int
store_range_set(struct store *st, int64_t project_id, int64_t variant_id,
    int64_t id, const char *last, const char *base, int64_t base_size,
    int64_t size, const char *note)
{
	struct db_stmt		*stmt;
	struct store_range	 r;
	int64_t			 other = 0;
	char			*why = NULL;
	int			 rc;

	memset(&r, 0, sizeof r);
	if (note == NULL) {
		/* The same commit's row may exist: that is this growth. */
		stmt = store_prepare(st, "SELECT o.id FROM regressions o"
		    " JOIN regressions g ON g.id = ?1 WHERE o.project_id ="
		    " g.project_id AND o.commit_id = ?2 AND o.variant_id ="
		    " g.variant_id AND o.artifact = g.artifact AND o.id <> ?1");
		db_bind_int(stmt, 1, id);
		store_bind_text(stmt, 2, last);
		if (db_step(stmt) == DB_ROW)
			other = db_column_int(stmt, 0);
		db_finalize(stmt);
		if (other != 0)
			xasprintf(&why, "the same growth as regression %lld, "
			    "at %.12s", (long long)other, last);
		else if (store_range_walk(st, project_id, variant_id, last,
		    base, NULL, &r, NULL) != 0)
			return (-1);
	}
	if (note != NULL || why != NULL) {
		/* Withdrawn: the ends stay as they were alerted. */
		stmt = store_prepare(st, "UPDATE regressions SET state ="
		    " 'withdrawn', unmeasured = 0, note = ?2, revised_at = ?3,"
		    " revised = alerted WHERE id = ?1");
		db_bind_int(stmt, 1, id);
		store_bind_text(stmt, 2, note != NULL ? note : why);
		db_bind_int(stmt, 3, (int64_t)time(NULL));
	} else {
		stmt = store_prepare(st, "UPDATE regressions SET commit_id = ?2,"
		    " base_commit = ?3, base_size = ?4, size = ?5, state = ?6,"
		    " first_commit = ?7, unmeasured = ?8, revised_at = ?9,"
		    " revised = CASE WHEN ?6 <> 'range' AND alerted = 1 THEN 1"
		    " ELSE revised END WHERE id = ?1");
		db_bind_int(stmt, 1, id);
		store_bind_text(stmt, 2, last);
		store_bind_text(stmt, 3, base);
		db_bind_int(stmt, 4, base_size);
		db_bind_int(stmt, 5, size);
		store_bind_text(stmt, 6, r.depth > 1 ? "range" : "culprit");
		store_bind_text(stmt, 7, r.depth > 1 ? r.first : last);
		db_bind_int(stmt, 8, r.depth > 1 ? r.unmeasured : 0);
		db_bind_int(stmt, 9, (int64_t)time(NULL));
	}
	rc = store_step_done(st, stmt);
	free(why);
	free(r.first);
	return (rc);
}

/* A range that a newly measured commit may fall inside. */
struct store_open_range {
	int64_t	 id;
	char	*last;
	char	*base;
	int64_t	 base_size;
	int64_t	 size;
	int64_t	 at_size;	/* the new commit's size of the artifact */
	char	*artifact;
};

/*
 * Revises the ranges of one variant that a done build at commit falls
 * strictly inside. The growth lies before it when base to commit crosses
 * the threshold (the range ends there), after it when commit to last does
 * (the range starts there); when neither side crosses it alone, no single
 * commit made it bigger and the regression is withdrawn.
 */
static int
store_revise_ranges(struct store *st, int64_t project_id, int64_t variant_id,
    const char *commit, int64_t build_id, const struct regression_rule *rule)
{
	struct db_stmt		*stmt;
	struct store_open_range	*o = NULL;
	struct store_range	 r;
	char			*note;
	size_t			 n = 0, i;
	int			 at, rc = 0;

	stmt = store_prepare(st, "SELECT g.id, g.commit_id, g.base_commit,"
	    " g.base_size, g.size, a.file_size, g.artifact FROM regressions g"
	    " JOIN artifacts a ON a.build_id = ?3 AND a.name = g.artifact"
	    " WHERE g.project_id = ?1 AND g.variant_id = ?2"
	    " AND g.state = 'range' ORDER BY g.id");
	db_bind_int(stmt, 1, project_id);
	db_bind_int(stmt, 2, variant_id);
	db_bind_int(stmt, 3, build_id);
	while (db_step(stmt) == DB_ROW) {
		/* A bin and a cdylib of one name: one revision of the row. */
		if (n > 0 && o[n - 1].id == db_column_int(stmt, 0))
			continue;
		o = xreallocarray(o, n + 1, sizeof *o);
		o[n].id = db_column_int(stmt, 0);
		o[n].last = store_column_dup(stmt, 1);
		o[n].base = store_column_dup(stmt, 2);
		o[n].base_size = db_column_int(stmt, 3);
		o[n].size = db_column_int(stmt, 4);
		o[n].at_size = db_column_int(stmt, 5);
		o[n].artifact = store_column_dup(stmt, 6);
		n++;
	}
	db_finalize(stmt);
	for (i = 0; i < n && rc == 0; i++) {
		if ((rc = store_range_walk(st, project_id, variant_id,
		    o[i].last, o[i].base, commit, &r, &at)) != 0)
			break;
		free(r.first);
		if (at == 0)
			continue;
		if (store_grew(st, rule, project_id, variant_id,
		    o[i].artifact, o[i].base_size, o[i].at_size))
			rc = store_range_set(st, project_id, variant_id, o[i].id,
			    commit, o[i].base, o[i].base_size, o[i].at_size,
			    NULL);
		else if (store_grew(st, rule, project_id, variant_id,
		    o[i].artifact, o[i].at_size, o[i].size))
			rc = store_range_set(st, project_id, variant_id, o[i].id,
			    o[i].last, commit, o[i].at_size, o[i].size, NULL);
		else {
			xasprintf(&note, "%.12s, measured between them, shows "
			    "no single step over the threshold: %lld B before "
			    "it, %lld B at it, %lld B after", commit,
			    (long long)o[i].base_size, (long long)o[i].at_size,
			    (long long)o[i].size);
			rc = store_range_set(st, project_id, variant_id, o[i].id,
			    NULL, NULL, 0, 0, note);
			free(note);
		}
	}
	for (i = 0; i < n; i++) {
		free(o[i].last);
		free(o[i].base);
		free(o[i].artifact);
	}
	free(o);
	return (rc);
}

/*
 * Gives the regressions recorded before revisions (state NULL) their
 * state: culprit when base and commit are parent and child, else range.
 */
static int
store_regressions_classify(struct store *st, int64_t project_id)
{
	struct db_stmt		*stmt;
	struct store_range	 r;
	int64_t			*ids = NULL, *variants = NULL;
	struct strlist		 ends = { NULL, 0 };
	size_t			 n = 0, i;
	int			 rc = 0;

	stmt = store_prepare(st, "SELECT id, variant_id, commit_id,"
	    " base_commit FROM regressions WHERE project_id = ?1"
	    " AND state IS NULL");
	db_bind_int(stmt, 1, project_id);
	while (db_step(stmt) == DB_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		variants = xreallocarray(variants, n + 1, sizeof *variants);
		ids[n] = db_column_int(stmt, 0);
		variants[n] = db_column_int(stmt, 1);
		strlist_add(&ends, db_column_text(stmt, 2));
		strlist_add(&ends, db_column_text(stmt, 3));
		n++;
	}
	db_finalize(stmt);
	for (i = 0; i < n && rc == 0; i++) {
		if ((rc = store_range_walk(st, project_id, variants[i],
		    ends.v[2 * i], ends.v[2 * i + 1], NULL, &r, NULL)) != 0)
			break;
		stmt = store_prepare(st, "UPDATE regressions SET state = ?2,"
		    " first_commit = ?3, unmeasured = ?4 WHERE id = ?1");
		db_bind_int(stmt, 1, ids[i]);
		store_bind_text(stmt, 2, r.depth > 1 ? "range" : "culprit");
		store_bind_text(stmt, 3, r.depth > 1 ? r.first :
		    ends.v[2 * i]);
		db_bind_int(stmt, 4, r.depth > 1 ? r.unmeasured : 0);
		rc = store_step_done(st, stmt);
		free(r.first);
	}
	free(ids);
	free(variants);
	strlist_free(&ends);
	return (rc);
}

/* Builds that detection has not looked at yet, with their commits. */
struct store_unchecked {
	int64_t		*builds;
	int64_t		*variants;
	struct strlist	 commits;
	size_t		 n;
};

/*
 * Lists a project's builds at commits that detection has not looked at:
 * the done ones of every run (revisions), or, with detect, those of runs
 * on the branch that are not a bisection's probes (detection).
 */
static void
store_unchecked_list(struct store *st, int64_t project_id, int detect,
    struct store_unchecked *u)
{
	struct db_stmt	*stmt;

	memset(u, 0, sizeof *u);
	stmt = store_prepare(st, "SELECT b.id, b.variant_id, r.commit_id"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " WHERE r.project_id = ?1 AND r.prepared = 1"
	    " AND r.commit_id IS NOT NULL AND b.checked = 0 AND (?2 <> 0"
	    " AND r.on_branch = 1"
	    " AND r.kind NOT IN ('bisect', 'explain', 'verify')"
	    " AND b.state NOT IN"
	    " ('queued', 'running') OR ?2 = 0 AND b.state = 'done')"
	    " ORDER BY b.id");
	db_bind_int(stmt, 1, project_id);
	db_bind_int(stmt, 2, detect);
	while (db_step(stmt) == DB_ROW) {
		u->builds = xreallocarray(u->builds, u->n + 1,
		    sizeof *u->builds);
		u->variants = xreallocarray(u->variants, u->n + 1,
		    sizeof *u->variants);
		u->builds[u->n] = db_column_int(stmt, 0);
		u->variants[u->n] = db_column_int(stmt, 1);
		strlist_add(&u->commits, db_column_text(stmt,
		    2));
		u->n++;
	}
	db_finalize(stmt);
}

/* Frees a list of unchecked builds. */
static void
store_unchecked_free(struct store_unchecked *u)
{
	free(u->builds);
	free(u->variants);
	strlist_free(&u->commits);
	memset(u, 0, sizeof *u);
}

/*
 * Regression detection for a tracked project: first the ranges that newly
 * measured commits (a bisection's probes too) fall inside are revised,
 * then each done build at a commit of its branch (not a bisection's probe)
 * is compared with the nearest earlier measured commit on the first-parent
 * line, once nothing between them is still to be built. Returns 0, or -1
 * when the database failed (what was decided before stays recorded; the
 * rest is tried again at the next change).
 */
int
store_detect_regressions(struct store *st, int64_t project_id,
    const struct regression_rule *rule)
{
	struct db_stmt		*stmt;
	struct store_unchecked	 u;
	size_t			 i, n;
	int			 found = 0, waiting, rc;

	/*
	 * A run still waiting for its commit may fall between two measured
	 * ones: nothing is decided until every run knows its commit.
	 */
	stmt = store_prepare(st, "SELECT 1 FROM runs WHERE project_id = ?1"
	    " AND prepared = 0 AND state IN ('queued', 'running')");
	db_bind_int(stmt, 1, project_id);
	waiting = db_step(stmt) == DB_ROW;
	db_finalize(stmt);
	if (waiting)
		return (0);
	if (store_regressions_classify(st, project_id) != 0)
		return (-1);
	store_unchecked_list(st, project_id, 0, &u);
	for (i = 0; i < u.n; i++) {
		if (store_begin(st) != 0)
			break;
		if (store_revise_ranges(st, project_id, u.variants[i],
		    u.commits.v[i], u.builds[i], rule) != 0 ||
		    store_exec(st, "COMMIT") != 0) {
			store_exec(st, "ROLLBACK");
			break;
		}
	}
	n = u.n;
	store_unchecked_free(&u);
	/* Unrevised builds stay unchecked, to be tried again next time. */
	if (i < n)
		return (-1);
	/* What detection never looks at is settled at once. */
	stmt = store_prepare(st, "UPDATE builds SET checked = 1 WHERE checked"
	    " = 0 AND state NOT IN ('queued', 'running') AND run_id IN"
	    " (SELECT id FROM runs WHERE project_id = ?1 AND (on_branch = 0"
	    " OR kind IN ('bisect', 'explain', 'verify')) AND prepared = 1)");
	db_bind_int(stmt, 1, project_id);
	if (store_step_done(st, stmt) != 0)
		return (-1);
	store_unchecked_list(st, project_id, 1, &u);
	for (i = 0; i < u.n; i++) {
		if (store_begin(st) != 0)
			break;
		rc = store_detect_one(st, project_id, u.builds[i],
		    u.variants[i], u.commits.v[i], rule, &found);
		if (rc < 0 || store_exec(st, "COMMIT") != 0) {
			store_exec(st, "ROLLBACK");
			break;
		}
	}
	n = u.n;
	store_unchecked_free(&u);
	if (found > 0)
		log_info("project %lld: %d new regressions", (long long)
		    project_id, found);
	return (i < n ? -1 : 0);
}

/*
 * A project's regressions, as an array: all of them, or those of one
 * commit not alerted yet.
 */
static cJSON *
store_regression_rows(struct store *st, int64_t project_id,
    const char *commit, int revised)
{
	static const struct store_column columns[] = {
		{ "id", STORE_INT }, { "commit", STORE_TEXT },
		{ "subject", STORE_TEXT }, { "author", STORE_TEXT },
		{ "commit_time", STORE_TEXT }, { "base_commit", STORE_TEXT },
		{ "variant_key", STORE_TEXT }, { "variant", STORE_JSON },
		{ "artifact", STORE_TEXT }, { "base_size", STORE_INT },
		{ "size", STORE_INT }, { "bytes", STORE_INT },
		{ "threshold", STORE_TEXT }, { "found_by", STORE_TEXT },
		{ "alerted", STORE_BOOL }, { "created_at", STORE_TEXT },
		{ "state", STORE_TEXT }, { "first", STORE_TEXT },
		{ "last", STORE_TEXT }, { "unmeasured", STORE_INT },
		{ "note", STORE_TEXT }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*a, *o;
	double		 base;
	int		 rc;

	stmt = store_prepare(st, "SELECT g.id, g.commit_id, c.subject, c.author,"
	    " " STORE_TIME("c.time") ", g.base_commit, v.key, v.settings,"
	    " g.artifact, g.base_size, g.size, g.size - g.base_size,"
	    " g.threshold, g.found_by, g.alerted, " STORE_TIME("g.created_at")
	    ", g.state, g.first_commit, g.commit_id, g.unmeasured, g.note"
	    " FROM regressions g JOIN variants v ON v.id = g.variant_id"
	    " LEFT JOIN commits c ON c.project_id = g.project_id"
	    " AND c.id = g.commit_id WHERE g.project_id = ?1 AND (?2 IS NULL"
	    " OR (g.commit_id = ?2 AND g.alerted = 0 AND g.state <>"
	    " 'withdrawn')) AND (?3 = 0 OR g.revised = 1)"
	    " ORDER BY c.time, g.id");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	db_bind_int(stmt, 3, revised);
	a = cJSON_CreateArray();
	while ((rc = db_step(stmt)) == DB_ROW) {
		o = cJSON_CreateObject();
		store_json_row(o, stmt, columns);
		base = (double)db_column_int(stmt, 9);
		cJSON_AddNumberToObject(o, "percent", base > 0 ?
		    (double)db_column_int(stmt, 11) * 100.0 / base : 0);
		cJSON_AddItemToArray(a, o);
	}
	if (store_rows_done(st, stmt, rc) != 0) {
		cJSON_Delete(a);
		return (NULL);
	}
	return (a);
}

/* Lists a project's regressions, oldest commit first; NULL on failure. */
cJSON *
store_regressions(struct store *st, int64_t project_id)
{
	return (store_regression_rows(st, project_id, NULL, 0));
}

/*
 * Returns the commits with regressions not yet alerted, as
 * [{"commit": C, "regressions": [...]}, ...].
 */
cJSON *
store_unalerted(struct store *st, int64_t project_id)
{
	struct db_stmt	*stmt;
	cJSON		*a, *o, *rows;
	const char	*commit;
	int		 rc;

	a = cJSON_CreateArray();
	stmt = store_prepare(st, "SELECT commit_id FROM regressions"
	    " WHERE project_id = ?1 AND alerted = 0 AND state <> 'withdrawn'"
	    " GROUP BY commit_id ORDER BY min(id)");
	db_bind_int(stmt, 1, project_id);
	while ((rc = db_step(stmt)) == DB_ROW) {
		commit = db_column_text(stmt, 0);
		if ((rows = store_regression_rows(st, project_id, commit,
		    0)) == NULL)
			break;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "commit", commit);
		cJSON_AddItemToObject(o, "regressions", rows);
		cJSON_AddItemToArray(a, o);
	}
	if (store_rows_done(st, stmt, rc == DB_ROW ? DB_ERROR : rc) != 0) {
		cJSON_Delete(a);
		return (NULL);
	}
	return (a);
}

/* Marks a commit's regressions alerted. */
int
store_mark_alerted(struct store *st, int64_t project_id, const char *commit)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE regressions SET alerted = 1"
	    " WHERE project_id = ?1 AND commit_id = ?2");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	return (store_step_done(st, stmt));
}

/*
 * Returns the regressions that owe a follow-up (narrowed to their culprit
 * or withdrawn since their alert), oldest first.
 */
cJSON *
store_revised(struct store *st, int64_t project_id)
{
	return (store_regression_rows(st, project_id, NULL, 1));
}

/* Marks a regression's follow-up sent. */
int
store_mark_revised(struct store *st, int64_t id)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE regressions SET revised = 0"
	    " WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	return (store_step_done(st, stmt));
}
