/*
 * Runs in the store: creating one with its builds, preparing one at a
 * commit, cancelling, and the run document and list the API answers.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

/* Inserts a run's row, queued; 0, or -1 when the database refused. */
static int
store_run_insert(struct store *st, const struct run_plan *run,
    int64_t project_id, time_t now)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "INSERT INTO runs (project_id, matrix, shape,"
	    " matrix_source, state, created_at, parent_run_id, rev, prepared,"
	    " force, kind, bisection_id, timeout_s, search_id, verify, bench,"
	    " any_compiler) VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?8,"
	    " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, run->matrix);
	store_bind_text(stmt, 3, run->shape);
	store_bind_text(stmt, 4, run->source);
	db_bind_int(stmt, 5, (int64_t)now);
	if (run->parent > 0)
		db_bind_int(stmt, 6, run->parent);
	else
		db_bind_null(stmt, 6);
	store_bind_text(stmt, 7, run->rev);
	db_bind_int(stmt, 8, run->rev == NULL);
	db_bind_int(stmt, 9, run->force);
	store_bind_text(stmt, 10, run->kind != NULL ? run->kind : "run");
	if (run->bisection_id > 0)
		db_bind_int(stmt, 11, run->bisection_id);
	else
		db_bind_null(stmt, 11);
	if (run->timeout_s > 0)
		db_bind_int(stmt, 12, run->timeout_s);
	else
		db_bind_null(stmt, 12);
	if (run->search_id > 0)
		db_bind_int(stmt, 13, run->search_id);
	else
		db_bind_null(stmt, 13);
	db_bind_int(stmt, 14, run->verify);
	store_bind_text(stmt, 15, run->bench);
	db_bind_int(stmt, 16, run->any_compiler);
	return (store_step_done(st, stmt));
}

/*
 * Creates a run and its queued builds in one transaction. A run at a
 * revision waits (prepared = 0) until its commit is resolved.
 */
int
store_run_create(struct store *st, const struct run_plan *run,
    const struct build_plan *plans, size_t nplans, int64_t *run_id,
    char **cause)
{
	struct db_stmt	*stmt;
	int64_t		 project_id, variant_id;
	char		*key, *settings;
	cJSON		*o;
	size_t		 i;
	/* On the store's clock: twins compare it with builds' starts. */
	time_t		 now = (time_t)store_now(st);

	if (store_begin(st) != 0)
		goto fail;
	if (run->project_id > 0)
		project_id = run->project_id;
	else
		project_id = store_upsert_id(st, "INSERT INTO projects"
		    " (path, created_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
		    "SELECT id FROM projects WHERE path = ?1", run->project,
		    NULL);
	if (project_id < 0)
		goto rollback;
	if (store_run_insert(st, run, project_id, now) != 0)
		goto rollback;
	*run_id = db_last_id(st->db);
	for (i = 0; i < nplans; i++) {
		key = variant_key(plans[i].variant);
		o = variant_to_json(plans[i].variant);
		settings = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		variant_id = store_upsert_id(st,
		    "INSERT INTO variants (key, settings)"
		    " VALUES (?1, ?2) ON CONFLICT DO NOTHING",
		    "SELECT id FROM variants WHERE key = ?1", key, settings);
		free(key);
		cJSON_free(settings);
		if (variant_id < 0)
			goto rollback;
		/*
		 * Expected: the variant's last recorded wall time in the
		 * project, else the planner's estimate.
		 */
		stmt = store_prepare(st, "INSERT INTO builds (run_id, seq,"
		    " variant_id, step, target_dir, state, queued_at,"
		    " bootstrap, post, expected_ms)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8,"
		    " coalesce((SELECT b.wall_ms FROM latest l JOIN builds b"
		    " ON b.id = l.build_id WHERE l.project_id = ?10"
		    " AND l.variant_id = ?3), ?9))");
		db_bind_int(stmt, 1, *run_id);
		db_bind_int(stmt, 2, (int64_t)i);
		db_bind_int(stmt, 3, variant_id);
		store_bind_text(stmt, 4, plans[i].step);
		store_bind_text(stmt, 5, plans[i].target_dir);
		db_bind_int(stmt, 6, (int64_t)now);
		db_bind_int(stmt, 7, plans[i].bootstrap);
		store_bind_text(stmt, 8, plans[i].post);
		db_bind_int(stmt, 9, plans[i].expected_ms);
		db_bind_int(stmt, 10, project_id);
		if (store_step_done(st, stmt) != 0)
			goto rollback;
	}
	if (store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	xasprintf(cause, "database: %s", db_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	return (-1);
fail:
	xasprintf(cause, "database: %s", db_errmsg(st->db));
	return (-1);
}

/*
 * Reads where a run builds: its project's id and path, and its commit
 * (NULL for a project given by path). STORE_OK, or STORE_NOT_FOUND.
 */
enum store_result
store_run_origin(struct store *st, int64_t id, int64_t *project_id,
    char **path, char **commit)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT p.id, p.path, r.commit_id FROM runs r"
	    " JOIN projects p ON p.id = r.project_id WHERE r.id = ?1");
	db_bind_int(stmt, 1, id);
	if ((rc = db_step(stmt)) == DB_ROW) {
		*project_id = db_column_int(stmt, 0);
		*path = store_column_dup(stmt, 1);
		*commit = store_column_dup(stmt, 2);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Marks a run done once none of its builds is queued or running and none
 * of their benchmarks waits or runs.
 */
int
store_run_settle(struct store *st, int64_t build_id)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE runs SET state = 'done',"
	    " finished_at = ?2 WHERE id = (SELECT run_id FROM builds"
	    " WHERE id = ?1) AND state IN ('queued', 'running')"
	    " AND NOT EXISTS (SELECT 1 FROM builds WHERE run_id = runs.id"
	    " AND state IN ('queued', 'running'))"
	    " AND NOT EXISTS (SELECT 1 FROM benches x JOIN builds b ON b.id ="
	    " x.build_id WHERE b.run_id = runs.id AND x.state IN ('pending',"
	    " 'running'))");
	db_bind_int(stmt, 1, build_id);
	db_bind_int(stmt, 2, (int64_t)time(NULL));
	return (store_step_done(st, stmt));
}

/*
 * Tells whether a run is over (done or cancelled): STORE_OK with *over,
 * or STORE_NOT_FOUND.
 */
enum store_result
store_run_over(struct store *st, int64_t id, int *over)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT state IN ('done', 'cancelled')"
	    " FROM runs WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	if ((rc = db_step(stmt)) == DB_ROW)
		*over = (int)db_column_int(stmt, 0);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/* Tells whether a run exists: STORE_OK, or STORE_NOT_FOUND. */
enum store_result
store_run_exists(struct store *st, int64_t id)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT 1 FROM runs WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	rc = db_step(stmt);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Cancels a run: its queued and running builds become cancelled. The ids of
 * those that were running are returned so their processes can be killed.
 * STORE_NOT_FOUND for no such run, STORE_CONFLICT for one that has ended,
 * each with the cause.
 */
enum store_result
store_run_cancel(struct store *st, int64_t id, int64_t **running,
    size_t *nrunning, char **cause)
{
	struct db_stmt	*stmt;
	const char	*state;
	time_t		 now = time(NULL);

	*running = NULL;
	*nrunning = 0;
	if (store_begin(st) != 0)
		goto fail;
	stmt = store_prepare(st, "SELECT state FROM runs WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	if (db_step(stmt) != DB_ROW) {
		db_finalize(stmt);
		store_exec(st, "ROLLBACK");
		xasprintf(cause, "no run %lld", (long long)id);
		return (STORE_NOT_FOUND);
	}
	state = db_column_text(stmt, 0);
	if (strcmp(state, "done") == 0 || strcmp(state, "cancelled") == 0) {
		xasprintf(cause, "run %lld is already %s", (long long)id,
		    state);
		db_finalize(stmt);
		store_exec(st, "ROLLBACK");
		return (STORE_CONFLICT);
	}
	db_finalize(stmt);
	stmt = store_prepare(st, "SELECT id FROM builds WHERE run_id = ?1"
	    " AND state = 'running'");
	db_bind_int(stmt, 1, id);
	while (db_step(stmt) == DB_ROW) {
		*running = xreallocarray(*running, *nrunning + 1,
		    sizeof **running);
		(*running)[(*nrunning)++] = db_column_int(stmt, 0);
	}
	db_finalize(stmt);
	stmt = store_prepare(st, "UPDATE builds SET state = 'cancelled',"
	    " finished_at = ?2, error = 'cancelled by request'"
	    " WHERE run_id = ?1 AND state IN ('queued', 'running')");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 2, (int64_t)now);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	if (store_bench_cancel(st, id) != 0)
		goto rollback;
	stmt = store_prepare(st, "UPDATE runs SET state = 'cancelled',"
	    " finished_at = ?2 WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 2, (int64_t)now);
	if (store_step_done(st, stmt) != 0 || store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (STORE_OK);
rollback:
	store_exec(st, "ROLLBACK");
fail:
	free(*running);
	*running = NULL;
	*nrunning = 0;
	xasprintf(cause, "database: %s", db_errmsg(st->db));
	return (STORE_ERROR);
}

/* The columns of STORE_RUN_COLUMNS, as a run's summary object. */
static const struct store_column store_run_columns[] = {
	{ "id", STORE_INT }, { "project", STORE_TEXT },
	{ "matrix", STORE_TEXT }, { "shape", STORE_TEXT },
	{ "state", STORE_TEXT }, { "builds_total", STORE_INT },
	{ "builds_done", STORE_INT }, { "builds_failed", STORE_INT },
	{ "builds_queued", STORE_INT }, { "builds_running", STORE_INT },
	{ "created_at", STORE_TEXT }, { "started_at", STORE_TEXT },
	{ "finished_at", STORE_TEXT }, { "rev", STORE_TEXT },
	{ "commit", STORE_TEXT }, { "kind", STORE_TEXT },
	{ "search", STORE_INT }, { "any_compiler", STORE_BOOL },
	{ NULL, STORE_TEXT }
};

/* Returns a run's summary object: id, project, matrix, state, counts. */
static cJSON *
store_run_summary(struct db_stmt *stmt)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	store_json_row(o, stmt, store_run_columns);
	return (o);
}

#define STORE_RUN_COLUMNS \
	"SELECT r.id, coalesce(p.name, p.path), r.matrix, r.shape, r.state," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id)," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id AND state = 'done')," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id" \
	"  AND state IN ('failed', 'timeout', 'unavailable'))," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id AND state = 'queued')," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id AND state = 'running')," \
	" " STORE_TIME("r.created_at") ", " STORE_TIME("r.started_at") "," \
	" " STORE_TIME("r.finished_at") ", r.rev, r.commit_id, r.kind," \
	" r.search_id, r.any_compiler FROM runs r JOIN projects p ON p.id = r.project_id"

/* Adds "baseline_key" to a row that has "variant": its release baseline. */
void
store_add_baseline(cJSON *row)
{
	struct variant	 v;
	char		*key, *cause;

	if (variant_from_json(&v, cJSON_GetObjectItemCaseSensitive(row,
	    "variant"), &cause) != 0) {
		free(cause);
		cJSON_AddNullToObject(row, "baseline_key");
		return;
	}
	key = variant_baseline_key(&v);
	cJSON_AddStringToObject(row, "baseline_key", key);
	free(key);
	variant_clear(&v);
}

/*
 * Reads the results document of a run (INTERFACE.md): STORE_OK with *out,
 * or STORE_NOT_FOUND.
 */
enum store_result
store_run_document(struct store *st, int64_t id, cJSON **out)
{
	static const struct store_column columns[] = {
		{ "id", STORE_INT }, { "variant", STORE_JSON },
		{ "variant_key", STORE_TEXT }, { "step", STORE_TEXT },
		{ "env", STORE_JSON }, { "cargo_args", STORE_JSON },
		{ "target_dir", STORE_TEXT }, { "state", STORE_TEXT },
		{ "error", STORE_TEXT }, { "wall_ms", STORE_INT },
		{ "cpu_ms", STORE_INT }, { "exit_code", STORE_INT },
		{ "rustc_version", STORE_TEXT }, { "attempts", STORE_INT },
		{ "started_at", STORE_TEXT }, { "finished_at", STORE_TEXT },
		{ "toolchain", STORE_JSON }, { "bootstrap", STORE_BOOL },
		{ "post", STORE_TEXT }, { "notes", STORE_TEXT },
		{ "reused_from", STORE_INT }, { "effective", STORE_JSON },
		{ "project_profile", STORE_JSON }, { "same_as", STORE_INT },
		{ "default_artifact", STORE_TEXT }, { "worker", STORE_TEXT },
		{ "nondeterministic", STORE_BOOL }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*doc, *builds, *b;
	int		 rc;

	*out = NULL;
	stmt = store_prepare(st, STORE_RUN_COLUMNS " WHERE r.id = ?1");
	db_bind_int(stmt, 1, id);
	if ((rc = db_step(stmt)) != DB_ROW) {
		db_finalize(stmt);
		return (store_found(st, rc));
	}
	doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "run", store_run_summary(stmt));
	db_finalize(stmt);
	stmt = store_prepare(st, "SELECT project_id, commit_id, lock_hash"
	    " FROM runs WHERE id = ?1 AND commit_id IS NOT NULL");
	db_bind_int(stmt, 1, id);
	if (db_step(stmt) == DB_ROW) {
		cJSON	*c;

		c = store_commit_json(st, db_column_int(stmt, 0),
		    db_column_text(stmt, 1));
		store_json_text(c, "cargo_lock", stmt, 2);
		cJSON_AddItemToObject(doc, "commit", c);
	}
	db_finalize(stmt);

	builds = cJSON_AddArrayToObject(doc, "builds");
	stmt = store_prepare(st, "SELECT b.id, v.settings, v.key, b.step,"
	    " b.env, b.cargo_args, b.target_dir, b.state, b.error, b.wall_ms,"
	    " b.cpu_ms, b.exit_code, b.rustc_version, b.attempts,"
	    " " STORE_TIME("b.started_at") ", " STORE_TIME("b.finished_at") ","
	    " b.toolchain, b.bootstrap, b.post, b.notes, b.reused_from,"
	    " b.effective, b.project_profile, b.same_as, b.default_artifact,"
	    " b.worker, "
	    STORE_NONDETERMINISTIC("(SELECT project_id FROM runs WHERE id = ?1)",
	    "b.variant_id")
	    " FROM builds b JOIN variants v ON v.id = b.variant_id"
	    " WHERE b.run_id = ?1 ORDER BY b.seq");
	db_bind_int(stmt, 1, id);
	while ((rc = db_step(stmt)) == DB_ROW) {
		b = cJSON_CreateObject();
		store_json_row(b, stmt, columns);
		store_add_baseline(b);
		cJSON_AddItemToObject(b, "artifacts",
		    store_build_artifacts(st, db_column_int(stmt, 0)));
		cJSON_AddItemToObject(b, "bench",
		    store_bench_json(st, db_column_int(stmt, 0)));
		cJSON_AddItemToArray(builds, b);
	}
	db_finalize(stmt);
	if (rc != DB_DONE) {
		cJSON_Delete(doc);
		return (store_found(st, rc));
	}
	store_run_waiting(st, id, builds);
	*out = doc;
	return (STORE_OK);
}

/* Returns the newest runs, newest first; NULL when the database failed. */
cJSON *
store_runs_list(struct store *st, int limit)
{
	struct db_stmt	*stmt;
	cJSON		*a;
	int		 rc;

	a = cJSON_CreateArray();
	stmt = store_prepare(st, STORE_RUN_COLUMNS " ORDER BY r.id DESC"
	    " LIMIT ?1");
	db_bind_int(stmt, 1, limit);
	while ((rc = db_step(stmt)) == DB_ROW)
		cJSON_AddItemToArray(a, store_run_summary(stmt));
	if (store_rows_done(st, stmt, rc) != 0) {
		cJSON_Delete(a);
		return (NULL);
	}
	return (a);
}

/*
 * Finds the latest build of a variant in the project of a run, at the same
 * commit when the run was at one: a done one with the artifact's size, or
 * else one queued or running (*pending): STORE_OK with the numbers, or
 * STORE_NOT_FOUND.
 */
enum store_result
store_variant_result(struct store *st, int64_t run_id, const char *key,
    const char *artifact, const char *kind, int64_t *build, int64_t *size,
    int *pending)
{
	struct db_stmt	*stmt;
	int		 rc;

	*build = *size = -1;
	*pending = 0;
	stmt = store_prepare(st, "SELECT b.id, a.file_size FROM runs o"
	    " JOIN runs r ON r.project_id = o.project_id"
	    " AND r.commit_id IS NOT DISTINCT FROM o.commit_id"
	    " JOIN builds b ON b.run_id = r.id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " WHERE o.id = ?1 AND v.key = ?2 AND b.state = 'done'"
	    " AND a.name = ?3 AND a.kind = ?4 ORDER BY b.id DESC LIMIT 1");
	db_bind_int(stmt, 1, run_id);
	store_bind_text(stmt, 2, key);
	store_bind_text(stmt, 3, artifact);
	store_bind_text(stmt, 4, kind);
	if ((rc = db_step(stmt)) == DB_ROW) {
		*build = db_column_int(stmt, 0);
		*size = db_column_int(stmt, 1);
		db_finalize(stmt);
		return (STORE_OK);
	}
	db_finalize(stmt);
	if (rc != DB_DONE)
		return (store_found(st, rc));
	stmt = store_prepare(st, "SELECT b.id FROM runs o"
	    " JOIN runs r ON r.project_id = o.project_id"
	    " AND (r.commit_id IS NOT DISTINCT FROM o.commit_id"
	    " OR (r.prepared = 0"
	    " AND r.rev = o.commit_id))"
	    " JOIN builds b ON b.run_id = r.id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE o.id = ?1 AND v.key = ?2"
	    " AND b.state IN ('queued', 'running') ORDER BY b.id DESC LIMIT 1");
	db_bind_int(stmt, 1, run_id);
	store_bind_text(stmt, 2, key);
	if ((rc = db_step(stmt)) == DB_ROW) {
		*build = db_column_int(stmt, 0);
		*pending = 1;
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Finds the oldest run waiting for its revision to be resolved: STORE_OK
 * with its id, project and revision, STORE_NOT_FOUND when there is none.
 */
enum store_result
store_prep_next(struct store *st, int64_t *run_id, int64_t *project_id,
    char **rev)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT id, project_id, rev FROM runs"
	    " WHERE prepared = 0 AND state IN ('queued', 'running')"
	    " ORDER BY id LIMIT 1");
	if ((rc = db_step(stmt)) == DB_ROW) {
		*run_id = db_column_int(stmt, 0);
		*project_id = db_column_int(stmt, 1);
		*rev = store_column_dup(stmt, 2);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/* Reads a run's queued builds (id, variant, settings) in their order. */
static int
store_run_queued(struct store *st, int64_t run_id, struct queued_build **out,
    size_t *n)
{
	struct db_stmt		*q;
	struct queued_build	*v = NULL;
	int			 rc;

	*n = 0;
	q = store_prepare(st, "SELECT b.id, v.key, v.settings"
	    " FROM builds b JOIN variants v ON v.id = b.variant_id"
	    " WHERE b.run_id = ?1 AND b.state = 'queued' ORDER BY b.seq");
	db_bind_int(q, 1, run_id);
	while ((rc = db_step(q)) == DB_ROW) {
		v = xreallocarray(v, *n + 1, sizeof *v);
		memset(&v[*n], 0, sizeof *v);
		v[*n].id = db_column_int(q, 0);
		v[*n].variant_key = store_column_dup(q, 1);
		v[*n].settings = cJSON_Parse(db_column_text(q, 2));
		(*n)++;
	}
	db_finalize(q);
	*out = v;
	return (rc == DB_DONE ? 0 : -1);
}

/* Frees what store_run_queued read. */
static void
store_run_queued_free(struct queued_build *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].variant_key);
		cJSON_Delete(v[i].settings);
	}
	free(v);
}

/*
 * Records what git found for a run: its commit (and the commits around
 * it), then lets its builds go. Each queued build that the reuse rule
 * matches with a recorded build becomes a copy of it.
 */
int
store_run_prepared(struct store *st, int64_t run_id,
    const struct run_prep *prep, const struct reuse_rule *rule)
{
	struct db_stmt		*stmt;
	struct queued_build	*queued = NULL;
	int64_t			 project_id = 0, from;
	size_t			 i, n = 0;
	int			 forced = 0;

	if (store_begin(st) != 0)
		return (-1);
	stmt = store_prepare(st, "SELECT project_id, force FROM runs"
	    " WHERE id = ?1");
	db_bind_int(stmt, 1, run_id);
	if (db_step(stmt) == DB_ROW) {
		project_id = db_column_int(stmt, 0);
		forced = db_column_int(stmt, 1);
	}
	db_finalize(stmt);
	if (project_id == 0 ||
	    store_commits_add(st, project_id, prep->commits,
	    prep->ncommits) != 0)
		goto rollback;
	if (prep->head != NULL) {
		stmt = store_prepare(st, "UPDATE projects SET head = ?2"
		    " WHERE id = ?1");
		db_bind_int(stmt, 1, project_id);
		store_bind_text(stmt, 2, prep->head);
		if (store_step_done(st, stmt) != 0)
			goto rollback;
	}
	stmt = store_prepare(st, "UPDATE runs SET commit_id = ?2, lock_hash ="
	    " ?3, on_branch = ?4, prepared = 1 WHERE id = ?1");
	db_bind_int(stmt, 1, run_id);
	store_bind_text(stmt, 2, prep->commit);
	store_bind_text(stmt, 3, prep->lock_hash);
	db_bind_int(stmt, 4, prep->on_branch);
	if (store_step_done(st, stmt) != 0 ||
	    store_run_queued(st, run_id, &queued, &n) != 0)
		goto rollback;
	for (i = 0; i < n; i++) {
		queued[i].project_id = project_id;
		queued[i].commit = prep->commit;
		queued[i].forced = forced;
		if ((from = rule->from(st, &queued[i], rule->arg)) < 0)
			goto rollback;
		if (from != 0 && store_build_reuse(st, queued[i].id, from) != 0)
			goto rollback;
	}
	if (store_exec(st, "COMMIT") != 0)
		goto rollback;
	store_run_queued_free(queued, n);
	return (0);
rollback:
	log_warnx("store: run %lld: %s", (long long)run_id,
	    db_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	store_run_queued_free(queued, n);
	return (-1);
}

/*
 * Finds the latest done build of a variant (its key) at a project's
 * commit made with a rustc version: STORE_OK with its id, or
 * STORE_NOT_FOUND.
 */
enum store_result
store_build_done_with(struct store *st, int64_t project_id,
    const char *commit, const char *key, const char *rustc_version,
    int64_t *id)
{
	struct db_stmt	*stmt;
	int		 rc;

	*id = 0;
	stmt = store_prepare(st, "SELECT b.id FROM builds b"
	    " JOIN runs r ON r.id = b.run_id"
	    " WHERE r.project_id = ?1 AND r.commit_id = ?2"
	    " AND b.variant_id = (SELECT id FROM variants WHERE key = ?3)"
	    " AND b.state = 'done' AND b.rustc_version = ?4"
	    " ORDER BY b.id DESC LIMIT 1");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	store_bind_text(stmt, 3, key);
	store_bind_text(stmt, 4, rustc_version);
	if ((rc = db_step(stmt)) == DB_ROW)
		*id = db_column_int(stmt, 0);
	db_finalize(stmt);
	if (rc == DB_ROW)
		return (STORE_OK);
	return (rc == DB_DONE ? STORE_NOT_FOUND : STORE_ERROR);
}

/*
 * Ends a run whose revision could not be resolved: its builds become
 * unavailable with the reason.
 */
int
store_run_prep_failed(struct store *st, int64_t run_id, const char *why)
{
	struct db_stmt	*stmt;
	time_t		 now = time(NULL);

	if (store_begin(st) != 0)
		return (-1);
	stmt = store_prepare(st, "UPDATE builds SET state = 'unavailable',"
	    " error = ?2, finished_at = ?3 WHERE run_id = ?1"
	    " AND state = 'queued'");
	db_bind_int(stmt, 1, run_id);
	store_bind_text(stmt, 2, why);
	db_bind_int(stmt, 3, (int64_t)now);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	stmt = store_prepare(st, "UPDATE runs SET prepared = 1, state ="
	    " 'done', finished_at = ?2 WHERE id = ?1 AND state IN"
	    " ('queued', 'running')");
	db_bind_int(stmt, 1, run_id);
	db_bind_int(stmt, 2, (int64_t)now);
	if (store_step_done(st, stmt) != 0 || store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	store_exec(st, "ROLLBACK");
	return (-1);
}

/*
 * Finds the newest verify run of a run (kind verify, whose parent it is):
 * STORE_OK with *id, STORE_NOT_FOUND when none.
 */
enum store_result
store_verify_run(struct store *st, int64_t run_id, int64_t *id)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT max(id) FROM runs WHERE"
	    " parent_run_id = ?1 AND kind = 'verify' HAVING count(*) > 0");
	db_bind_int(stmt, 1, run_id);
	if ((rc = db_step(stmt)) == DB_ROW)
		*id = db_column_int(stmt, 0);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Tells whether a settled run asks to be verified: STORE_OK when its
 * matrix said "verify": true and it has no verify run yet,
 * STORE_NOT_FOUND otherwise.
 */
enum store_result
store_run_wants_verify(struct store *st, int64_t id)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT 1 FROM runs r WHERE r.id = ?1"
	    " AND r.verify = 1 AND r.kind NOT IN ('verify', 'explain')"
	    " AND NOT EXISTS (SELECT 1 FROM runs v WHERE v.parent_run_id ="
	    " r.id AND v.kind = 'verify')");
	db_bind_int(stmt, 1, id);
	rc = db_step(stmt);
	db_finalize(stmt);
	return (store_found(st, rc));
}
