/*
 * The store's bisections: their ends and commits, the outcome of a
 * variant at each commit they look at, the artifacts they bisect, and the
 * document GET /v1/bisections/{id} answers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

/*
 * The latest outcome of a variant's artifact at a commit: done (with its
 * size), failed (any end but done), pending, or none.
 */
enum commit_outcome
store_commit_outcome(struct store *st, int64_t project_id, const char *commit,
    int64_t variant_id, const char *artifact, int64_t *size)
{
	struct db_stmt	*stmt;
	enum commit_outcome out = OUTCOME_NONE;
	const char	*state;

	*size = -1;
	stmt = store_prepare(st, "SELECT b.state, (SELECT file_size FROM"
	    " artifacts WHERE build_id = b.id AND (name = ?4 OR ?4 = '')"
	    " ORDER BY name LIMIT 1) FROM builds b"
	    " JOIN runs r ON r.id = b.run_id WHERE r.project_id = ?1"
	    " AND r.commit_id = ?2 AND b.variant_id = ?3"
	    " ORDER BY b.state = 'done' DESC, b.id DESC LIMIT 1");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	db_bind_int(stmt, 3, variant_id);
	store_bind_text(stmt, 4, artifact);
	if (db_step(stmt) == DB_ROW) {
		state = db_column_text(stmt, 0);
		if (strcmp(state, "queued") == 0 ||
		    strcmp(state, "running") == 0)
			out = OUTCOME_PENDING;
		else if (strcmp(state, "done") == 0 &&
		    !db_column_is_null(stmt, 1)) {
			out = OUTCOME_DONE;
			*size = db_column_int(stmt, 1);
		} else
			out = OUTCOME_FAILED;
	}
	db_finalize(stmt);
	if (out == OUTCOME_NONE) {
		/* A probe still waiting for git has no commit yet. */
		stmt = store_prepare(st, "SELECT 1 FROM runs r JOIN builds b"
		    " ON b.run_id = r.id WHERE r.project_id = ?1"
		    " AND r.prepared = 0 AND r.rev = ?2 AND b.variant_id = ?3"
		    " AND b.state = 'queued'");
		db_bind_int(stmt, 1, project_id);
		store_bind_text(stmt, 2, commit);
		db_bind_int(stmt, 3, variant_id);
		if (db_step(stmt) == DB_ROW)
			out = OUTCOME_PENDING;
		db_finalize(stmt);
	}
	return (out);
}

/*
 * Starts a bisection of a variant (key and settings) and artifact ("" for
 * the first the good commit's build has): it waits for git to list its
 * commits.
 */
int
store_bisection_create(struct store *st, int64_t project_id,
    const char *good_rev, const char *bad_rev, const char *key,
    const char *settings, const char *artifact, const char *threshold,
    int64_t *id)
{
	struct db_stmt	*stmt;
	int64_t		 variant_id;

	if (key == NULL)
		variant_id = 0;		/* chosen at good, once measured */
	else if ((variant_id = store_upsert_id(st, "INSERT INTO variants"
	    " (key, settings) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
	    "SELECT id FROM variants WHERE key = ?1", key, settings)) < 0)
		return (-1);
	stmt = store_prepare(st, "INSERT INTO bisections (project_id,"
	    " good_rev, bad_rev, variant_id, artifact, threshold, state,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'preparing', ?7)");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, good_rev);
	store_bind_text(stmt, 3, bad_rev);
	if (variant_id > 0)
		db_bind_int(stmt, 4, variant_id);
	else
		db_bind_null(stmt, 4);
	store_bind_text(stmt, 5, artifact);
	store_bind_text(stmt, 6, threshold);
	db_bind_int(stmt, 7, (int64_t)time(NULL));
	if (store_step_done(st, stmt) != 0)
		return (-1);
	*id = db_last_id(st->db);
	return (0);
}

/*
 * The artifacts of a variant's latest done build at a commit, as
 * {"name": file_size}, and its default artifact (or NULL) in *dflt;
 * the outcome as store_commit_outcome's, the sizes only when done.
 */
enum commit_outcome
store_commit_artifacts(struct store *st, int64_t project_id,
    const char *commit, int64_t variant_id, cJSON **sizes, char **dflt)
{
	struct db_stmt		*stmt;
	enum commit_outcome	 out;
	int64_t			 size, build = 0;

	*sizes = NULL;
	*dflt = NULL;
	out = store_commit_outcome(st, project_id, commit, variant_id, "",
	    &size);
	if (out != OUTCOME_DONE)
		return (out);
	stmt = store_prepare(st, "SELECT b.id, b.default_artifact FROM builds b"
	    " JOIN runs r ON r.id = b.run_id WHERE r.project_id = ?1"
	    " AND r.commit_id = ?2 AND b.variant_id = ?3 AND b.state = 'done'"
	    " ORDER BY b.id DESC LIMIT 1");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	db_bind_int(stmt, 3, variant_id);
	if (db_step(stmt) == DB_ROW) {
		build = db_column_int(stmt, 0);
		*dflt = store_column_dup(stmt, 1);
	}
	db_finalize(stmt);
	*sizes = cJSON_CreateObject();
	stmt = store_prepare(st, "SELECT name, file_size FROM artifacts"
	    " WHERE build_id = ?1 ORDER BY name");
	db_bind_int(stmt, 1, build);
	while (db_step(stmt) == DB_ROW)
		cJSON_AddNumberToObject(*sizes, (const char *)
		    db_column_text(stmt, 0), (double)
		    db_column_int(stmt, 1));
	db_finalize(stmt);
	return (out);
}

/*
 * Gives a bisection started without an artifact the artifacts it
 * bisects: the first is its own, and each further one gets a bisection
 * of its own (same project, variant, ends, commits and threshold) whose
 * parent it is. Returns 0, or -1 on error.
 */
int
store_bisection_choose(struct store *st, int64_t id,
    const struct strlist *artifacts)
{
	struct db_stmt	*stmt;
	size_t		 i;

	if (artifacts->n == 0 || store_begin(st) != 0)
		return (-1);
	stmt = store_prepare(st, "UPDATE bisections SET artifact = ?2"
	    " WHERE id = ?1 AND artifact = ''");
	db_bind_int(stmt, 1, id);
	store_bind_text(stmt, 2, artifacts->v[0]);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	for (i = 1; i < artifacts->n && db_changes(st->db) == 1; i++) {
		stmt = store_prepare(st, "INSERT INTO bisections (project_id,"
		    " good, bad, good_rev, bad_rev, variant_id, artifact,"
		    " threshold, commits, state, created_at, parent_id)"
		    " SELECT project_id, good, bad, good_rev, bad_rev,"
		    " variant_id, ?2, threshold, commits, state, ?3, id"
		    " FROM bisections WHERE id = ?1");
		db_bind_int(stmt, 1, id);
		store_bind_text(stmt, 2, artifacts->v[i]);
		db_bind_int(stmt, 3, (int64_t)time(NULL));
		if (store_step_done(st, stmt) != 0)
			goto rollback;
	}
	if (store_exec(st, "COMMIT") == 0)
		return (0);
rollback:
	log_warnx("store: bisection %lld: %s", (long long)id,
	    db_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	return (-1);
}

/*
 * Chooses the variant of a bisection started with none: the smallest done
 * build at its good commit among its own runs (the matrix measured there),
 * of the artifact it names, if any. Its artifact stays as asked (""
 * bisects each that grew). STORE_OK once chosen, STORE_NOT_FOUND while
 * there is none; *runs counts its runs.
 */
enum store_result
store_bisection_seed(struct store *st, int64_t id, int *runs)
{
	struct db_stmt	*stmt;

	*runs = 0;
	stmt = store_prepare(st, "SELECT count(*) FROM runs"
	    " WHERE bisection_id = ?1");
	db_bind_int(stmt, 1, id);
	if (db_step(stmt) == DB_ROW)
		*runs = db_column_int(stmt, 0);
	db_finalize(stmt);
#define STORE_SEED_BUILDS \
	" FROM builds b JOIN runs r ON r.id = b.run_id JOIN artifacts a" \
	" ON a.build_id = b.id WHERE r.bisection_id = bisections.id" \
	" AND r.commit_id = bisections.good AND b.state = 'done'" \
	" AND (bisections.artifact = '' OR a.name = bisections.artifact)"
	stmt = store_prepare(st, "UPDATE bisections SET variant_id ="
	    " (SELECT b.variant_id" STORE_SEED_BUILDS " ORDER BY a.file_size,"
	    " b.id LIMIT 1) WHERE id = ?1 AND variant_id IS NULL AND EXISTS"
	    " (SELECT 1" STORE_SEED_BUILDS ")");
#undef STORE_SEED_BUILDS
	db_bind_int(stmt, 1, id);
	if (store_step_done(st, stmt) != 0)
		return (STORE_ERROR);
	return (db_changes(st->db) > 0 ? STORE_OK : STORE_NOT_FOUND);
}

/*
 * Finds the oldest bisection waiting for git: STORE_OK with what it needs,
 * STORE_NOT_FOUND when none waits.
 */
enum store_result
store_bisection_next(struct store *st, int64_t *id, int64_t *project_id,
    char **good, char **bad)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT id, project_id, good_rev, bad_rev"
	    " FROM bisections WHERE state = 'preparing' ORDER BY id LIMIT 1");
	if ((rc = db_step(stmt)) == DB_ROW) {
		*id = db_column_int(stmt, 0);
		*project_id = db_column_int(stmt, 1);
		*good = store_column_dup(stmt, 2);
		*bad = store_column_dup(stmt, 3);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Records a bisection's commits, good first, then the first-parent line up
 * to bad, and lets it run.
 */
int
store_bisection_prepared(struct store *st, int64_t id,
    const struct git_commit *c, size_t n, const char *good, const char *bad)
{
	struct db_stmt	*stmt;
	cJSON		*ids;
	char		*text;
	int64_t		 project_id = 0;
	size_t		 i;

	stmt = store_prepare(st, "SELECT project_id FROM bisections"
	    " WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	if (db_step(stmt) == DB_ROW)
		project_id = db_column_int(stmt, 0);
	db_finalize(stmt);
	if (store_begin(st) != 0)
		return (-1);
	if (store_commits_add(st, project_id, c, n) != 0)
		goto rollback;
	ids = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(c[i].id));
	text = cJSON_PrintUnformatted(ids);
	cJSON_Delete(ids);
	stmt = store_prepare(st, "UPDATE bisections SET commits = ?2, good ="
	    " ?3, bad = ?4, state = 'running' WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	store_bind_text(stmt, 2, text);
	store_bind_text(stmt, 3, good);
	store_bind_text(stmt, 4, bad);
	cJSON_free(text);
	if (store_step_done(st, stmt) != 0 || store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	store_exec(st, "ROLLBACK");
	return (-1);
}

/* Ends a bisection: done with its result, or failed with the reason. */
int
store_bisection_finish(struct store *st, int64_t id, const char *state,
    const cJSON *result, const char *message)
{
	struct db_stmt	*stmt;
	char		*text = NULL;

	if (result != NULL)
		text = cJSON_PrintUnformatted(result);
	stmt = store_prepare(st, "UPDATE bisections SET state = ?2, result ="
	    " ?3, message = ?4, finished_at = ?5 WHERE id = ?1"
	    " AND state IN ('preparing', 'running')");
	db_bind_int(stmt, 1, id);
	store_bind_text(stmt, 2, state);
	store_bind_text(stmt, 3, text);
	store_bind_text(stmt, 4, message);
	db_bind_int(stmt, 5, (int64_t)time(NULL));
	cJSON_free(text);
	return (store_step_done(st, stmt));
}

/*
 * A bisection as the API shows it, with its probes (each commit measured
 * for it and how) and how many builds it ran itself: STORE_OK with *out,
 * or STORE_NOT_FOUND.
 */
enum store_result
store_bisection_document(struct store *st, int64_t id, cJSON **out)
{
	static const struct store_column columns[] = {
		{ "id", STORE_INT }, { "project", STORE_TEXT },
		{ "good_rev", STORE_TEXT }, { "bad_rev", STORE_TEXT },
		{ "good", STORE_TEXT }, { "bad", STORE_TEXT },
		{ "variant_key", STORE_TEXT }, { "artifact", STORE_TEXT },
		{ "threshold", STORE_TEXT }, { "state", STORE_TEXT },
		{ "result", STORE_JSON }, { "message", STORE_TEXT },
		{ "created_at", STORE_TEXT }, { "finished_at", STORE_TEXT },
		{ "builds", STORE_INT }, { "commits", STORE_JSON },
		{ "project_id", STORE_INT }, { "variant_id", STORE_INT },
		{ "parent", STORE_INT }, { NULL, STORE_TEXT }
	};
	static const struct store_column probe_columns[] = {
		{ "run", STORE_INT }, { "commit", STORE_TEXT },
		{ "build", STORE_INT }, { "state", STORE_TEXT },
		{ "reused_from", STORE_INT }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*doc = NULL, *also, *probes;
	int		 rc;

	*out = NULL;
	stmt = store_prepare(st, "SELECT g.id, coalesce(p.name, p.path),"
	    " g.good_rev, g.bad_rev, g.good, g.bad, v.key, g.artifact,"
	    " g.threshold, g.state, g.result, g.message,"
	    " " STORE_TIME("g.created_at") ", " STORE_TIME("g.finished_at") ","
	    " (SELECT count(*) FROM builds b JOIN runs r ON r.id = b.run_id"
	    "  WHERE r.bisection_id = g.id AND b.reused_from IS NULL"
	    "  AND b.state IN ('done', 'failed', 'timeout')),"
	    " g.commits, g.project_id, g.variant_id, g.parent_id"
	    " FROM bisections g JOIN projects p ON p.id = g.project_id"
	    " LEFT JOIN variants v ON v.id = g.variant_id WHERE g.id = ?1");
	db_bind_int(stmt, 1, id);
	if ((rc = db_step(stmt)) == DB_ROW) {
		doc = cJSON_CreateObject();
		store_json_row(doc, stmt, columns);
	}
	db_finalize(stmt);
	if (rc != DB_ROW)
		return (store_found(st, rc));

	stmt = store_prepare(st, "SELECT r.id, coalesce(r.commit_id, r.rev),"
	    " b.id, b.state, b.reused_from FROM runs r JOIN builds b"
	    " ON b.run_id = r.id WHERE r.bisection_id = ?1 ORDER BY r.id");
	db_bind_int(stmt, 1, id);
	if ((probes = store_json_rows(stmt, probe_columns)) == NULL) {
		cJSON_Delete(doc);
		return (STORE_ERROR);
	}
	cJSON_AddItemToObject(doc, "probes", probes);
	stmt = store_prepare(st, "SELECT id FROM bisections WHERE parent_id = ?1"
	    " ORDER BY id");
	db_bind_int(stmt, 1, id);
	also = cJSON_AddArrayToObject(doc, "also");
	while ((rc = db_step(stmt)) == DB_ROW)
		cJSON_AddItemToArray(also, cJSON_CreateNumber((double)
		    db_column_int(stmt, 0)));
	db_finalize(stmt);
	if (rc != DB_DONE) {
		cJSON_Delete(doc);
		return (store_found(st, rc));
	}
	*out = doc;
	return (STORE_OK);
}

/* Frees what a bisection holds. */
void
bisection_clear(struct bisection *b)
{
	size_t	 i;

	free(b->state);
	free(b->good);
	free(b->variant_key);
	free(b->artifact);
	free(b->threshold);
	for (i = 0; i < b->ncommits; i++)
		free(b->commits[i]);
	free(b->commits);
	free(b->also);
	memset(b, 0, sizeof *b);
}

/*
 * Reads a bisection for the tracker: STORE_OK with it, STORE_NOT_FOUND
 * when there is no such bisection.
 */
enum store_result
store_bisection_get(struct store *st, int64_t id, struct bisection *b)
{
	struct db_stmt	*stmt;
	cJSON		*commits, *c;
	int		 rc;

	memset(b, 0, sizeof *b);
	stmt = store_prepare(st, "SELECT g.project_id, g.variant_id, g.state,"
	    " g.good, v.key, g.artifact, g.threshold, g.commits"
	    " FROM bisections g LEFT JOIN variants v ON v.id = g.variant_id"
	    " WHERE g.id = ?1");
	db_bind_int(stmt, 1, id);
	if ((rc = db_step(stmt)) == DB_ROW) {
		b->id = id;
		b->project_id = db_column_int(stmt, 0);
		b->variant_id = db_column_int(stmt, 1);
		b->state = store_column_dup(stmt, 2);
		b->good = store_column_dup(stmt, 3);
		b->variant_key = store_column_dup(stmt, 4);
		b->artifact = store_column_dup(stmt, 5);
		b->threshold = store_column_dup(stmt, 6);
		commits = db_column_text(stmt, 7) != NULL ? cJSON_Parse(
		    db_column_text(stmt, 7)) : NULL;
		b->commits = xcalloc((size_t)cJSON_GetArraySize(commits) + 1,
		    sizeof *b->commits);
		cJSON_ArrayForEach(c, commits) {
			if (cJSON_IsString(c))
				b->commits[b->ncommits++] =
				    xstrdup(c->valuestring);
		}
		cJSON_Delete(commits);
	}
	db_finalize(stmt);
	if (rc != DB_ROW)
		return (store_found(st, rc));
	stmt = store_prepare(st, "SELECT id FROM bisections WHERE parent_id = ?1"
	    " ORDER BY id");
	db_bind_int(stmt, 1, id);
	while ((rc = db_step(stmt)) == DB_ROW) {
		b->also = xreallocarray(b->also, b->nalso + 1,
		    sizeof *b->also);
		b->also[b->nalso++] = db_column_int(stmt, 0);
	}
	db_finalize(stmt);
	if (rc != DB_DONE) {
		bisection_clear(b);
		return (store_found(st, rc));
	}
	return (STORE_OK);
}

/* Lists the ids of running bisections. */
int
store_bisections_running(struct store *st, int64_t **ids, size_t *n)
{
	return (store_ids(st, store_prepare(st, "SELECT id FROM bisections"
	    " WHERE state = 'running' ORDER BY id"), ids, n));
}
