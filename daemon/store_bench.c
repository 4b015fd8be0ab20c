/*
 * The store's benchmarks: a done build of a run with a "bench" waits
 * (pending) until the queue runs it; its figures become measurements of
 * the artifact it ran, and the row keeps how they were taken (samples,
 * load, CPU model, exit status). A run settles once its benchmarks have
 * run (store_run_settle).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sizematd.h"
#include "store_private.h"

/* Runs whose builds are benchmarked: not rebuilds for verify or explain. */
#define STORE_BENCH_RUN(r) \
	" " r ".bench IS NOT NULL AND " r ".kind NOT IN ('verify', 'explain')"

/*
 * Gives a done build its benchmark: pending, or, for a build that copies
 * build from's result (from > 0), a copy of from's figures when from was
 * benchmarked with the same spec to its end (one that failed or could
 * not run is tried again: that may have been the machine's doing). A copied result never carries another
 * spec's bench.* measurements. Inside the caller's transaction.
 */
/* A build's benchmark written again replaces the whole row. */
#define STORE_BENCH_REPLACE \
	" ON CONFLICT (build_id) DO UPDATE SET spec = excluded.spec," \
	" state = excluded.state, artifact = excluded.artifact," \
	" exit_status = excluded.exit_status, error = excluded.error," \
	" samples_us = excluded.samples_us, load_avg = excluded.load_avg," \
	" cpu_model = excluded.cpu_model, copied_from = excluded.copied_from," \
	" started_at = excluded.started_at," \
	" finished_at = excluded.finished_at, checked = excluded.checked"

int
store_bench_add(struct store *st, int64_t id, int64_t from)
{
	struct db_stmt	*stmt;

	if (from > 0) {
		stmt = store_prepare(st, "DELETE FROM measurements WHERE name"
		    " LIKE 'bench.%' AND artifact_id IN (SELECT id FROM"
		    " artifacts WHERE build_id = ?1)");
		db_bind_int(stmt, 1, id);
		if (store_step_done(st, stmt) != 0)
			return (-1);
		stmt = store_prepare(st, "INSERT INTO benches (build_id, spec,"
		    " state, artifact, exit_status, error, samples_us,"
		    " load_avg, cpu_model, copied_from, started_at,"
		    " finished_at) SELECT ?1, x.spec, x.state, x.artifact,"
		    " x.exit_status, x.error, x.samples_us, x.load_avg,"
		    " x.cpu_model, coalesce(x.copied_from, x.build_id),"
		    " x.started_at, x.finished_at FROM benches x"
		    " JOIN builds b ON b.id = ?1 JOIN runs r ON r.id = b.run_id"
		    " WHERE x.build_id = ?2 AND x.spec = r.bench AND x.state"
		    " = 'done' AND"
		    STORE_BENCH_RUN("r") STORE_BENCH_REPLACE);
		db_bind_int(stmt, 1, id);
		db_bind_int(stmt, 2, from);
		if (store_step_done(st, stmt) != 0)
			return (-1);
		if (db_changes(st->db) == 1) {
			stmt = store_prepare(st, "INSERT INTO measurements"
			    " (artifact_id, name, value) SELECT n.id, m.name,"
			    " m.value FROM artifacts o JOIN measurements m ON"
			    " m.artifact_id = o.id JOIN artifacts n ON"
			    " n.build_id = ?1 AND n.name = o.name AND n.kind ="
			    " o.kind WHERE o.build_id = ?2 AND m.name LIKE"
			    " 'bench.%'");
			db_bind_int(stmt, 1, id);
			db_bind_int(stmt, 2, from);
			return (store_step_done(st, stmt));
		}
	}
	stmt = store_prepare(st, "INSERT INTO benches (build_id, spec, state)"
	    " SELECT b.id, r.bench, 'pending' FROM builds b"
	    " JOIN runs r ON r.id = b.run_id WHERE b.id = ?1 AND b.state ="
	    " 'done' AND EXISTS (SELECT 1 FROM artifacts WHERE build_id = b.id)"
	    " AND" STORE_BENCH_RUN("r") STORE_BENCH_REPLACE);
	db_bind_int(stmt, 1, id);
	return (store_step_done(st, stmt));
}

/*
 * Picks the artifact a benchmark runs: the one its spec names, else the
 * build's default, else the only one; fills task's artifact, path and
 * sha256, or says in task->problem why none.
 */
static void
store_bench_artifact(struct store *st, struct bench_task *t,
    const char *dflt)
{
	struct db_stmt	*stmt;
	struct buf	 names;
	const char	*want = NULL, *name, *kept;
	cJSON		*o, *a;
	int		 n = 0, picked = 0;

	o = cJSON_Parse(t->spec);
	a = cJSON_GetObjectItemCaseSensitive(o, "artifact");
	want = cJSON_IsString(a) ? a->valuestring : dflt;
	buf_init(&names);
	stmt = store_prepare(st, "SELECT name, path, kept_path, sha256"
	    " FROM artifacts WHERE build_id = ?1 ORDER BY kind, name");
	db_bind_int(stmt, 1, t->build_id);
	while (db_step(stmt) == DB_ROW) {
		name = db_column_text(stmt, 0);
		buf_printf(&names, "%s%s", n++ ? ", " : "", name);
		if (picked || (want != NULL && strcmp(name, want) != 0) ||
		    (want == NULL && n > 1))
			continue;
		free(t->artifact);
		free(t->path);
		free(t->sha256);
		t->artifact = xstrdup(name);
		kept = db_column_text(stmt, 2);
		/* The kept copy outlives the target dir's next build. */
		t->path = xstrdup(kept != NULL && access(kept, R_OK) == 0 ?
		    kept : db_column_text(stmt, 1));
		t->sha256 = store_column_dup(stmt, 3);
		picked = want != NULL;
	}
	db_finalize(stmt);
	if (want == NULL && n > 1) {
		free(t->artifact);
		t->artifact = NULL;
		xasprintf(&t->problem, "the build has several artifacts (%s) "
		    "and none is its default; name one in the matrix's "
		    "bench.artifact", names.data);
	} else if (t->artifact == NULL)
		xasprintf(&t->problem, "the build has no artifact named %s "
		    "(it has: %s); bench.artifact names one of them",
		    want != NULL ? want : "", n ? names.data : "none");
	buf_free(&names);
	cJSON_Delete(o);
}

/*
 * Finds the oldest pending benchmark this daemon is to run: STORE_OK with
 * t filled (t->problem set when it cannot run), STORE_NOT_FOUND when none
 * waits. A benchmark runs where its build was made (that daemon has the
 * artifact and the worktree), unless that daemon is no longer seen; a
 * daemon without build slots takes one only when no daemon that builds
 * lives, to say it cannot run it.
 */
enum store_result
store_bench_next(struct store *st, struct bench_task *t)
{
	struct db_stmt	*stmt;
	char		*dflt;
	int		 rc;

	memset(t, 0, sizeof *t);
	stmt = store_prepare(st, "SELECT x.build_id, x.spec, p.path,"
	    " b.target_dir, r.commit_id, b.default_artifact FROM benches x"
	    " JOIN builds b ON b.id = x.build_id JOIN runs r ON r.id ="
	    " b.run_id JOIN projects p ON p.id = r.project_id"
	    " WHERE x.state = 'pending' AND (b.worker = ?1 OR NOT EXISTS"
	    " (SELECT 1 FROM daemons w WHERE w.name = b.worker AND"
	    STORE_BUILDER("w", "?2") ")) AND (?3 > 0 OR NOT EXISTS"
	    " (SELECT 1 FROM daemons w WHERE w.name <> ?1 AND"
	    STORE_BUILDER("w", "?2") "))"
	    " ORDER BY x.build_id LIMIT 1");
	store_bind_text(stmt, 1, st->worker);
	db_bind_int(stmt, 2, store_now(st));
	db_bind_int(stmt, 3, st->jobs);
	if ((rc = db_step(stmt)) != DB_ROW) {
		db_finalize(stmt);
		return (store_found(st, rc));
	}
	t->build_id = db_column_int(stmt, 0);
	t->spec = store_column_dup(stmt, 1);
	/* At a commit, the build ran in its target dir's worktree. */
	if (!db_column_is_null(stmt, 4)) {
		t->target_dir = store_column_dup(stmt, 3);
		t->commit = store_column_dup(stmt, 4);
	} else
		t->project = store_column_dup(stmt, 2);
	dflt = store_column_dup(stmt, 5);
	db_finalize(stmt);
	store_bench_artifact(st, t, dflt);
	free(dflt);
	return (STORE_OK);
}

/* Marks a pending benchmark running; -1 when it is not pending. */
int
store_bench_start(struct store *st, int64_t id)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE benches SET state = 'running',"
	    " started_at = ?2, worker = ?3 WHERE build_id = ?1 AND"
	    " state = 'pending'");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 2, (int64_t)time(NULL));
	store_bind_text(stmt, 3, st->worker);
	if (store_step_done(st, stmt) != 0 || db_changes(st->db) != 1)
		return (-1);
	return (0);
}

/* Adds one bench.* measurement to a build's artifact. */
static int
store_bench_measure(struct store *st, int64_t id, const char *artifact,
    const char *name, int64_t value)
{
	struct db_stmt	*stmt;

	if (value < 0)
		return (0);
	stmt = store_prepare(st, "INSERT INTO measurements (artifact_id, name,"
	    " value) SELECT id, ?3, ?4 FROM artifacts WHERE build_id = ?1 AND"
	    " name = ?2 ON CONFLICT (artifact_id, name) DO UPDATE SET"
	    " value = excluded.value");
	db_bind_int(stmt, 1, id);
	store_bind_text(stmt, 2, artifact);
	store_bind_text(stmt, 3, name);
	db_bind_int(stmt, 4, value);
	return (store_step_done(st, stmt));
}

/* Microseconds as whole milliseconds, rounded. */
#define STORE_US_MS(us)	(((us) + 500) / 1000)

/* Records a done benchmark's figures as measurements of its artifact. */
static int
store_bench_figures(struct store *st, int64_t id, const char *artifact,
    const struct bench_outcome *o)
{
	const struct bench_stats *s = &o->wall_us;

	if (o->nsamples == 0)
		return (0);
	if (store_bench_measure(st, id, artifact, "bench.wall_ms",
	    STORE_US_MS(s->median)) != 0 ||
	    store_bench_measure(st, id, artifact, "bench.wall_ms_mad",
	    STORE_US_MS(s->mad)) != 0 ||
	    store_bench_measure(st, id, artifact, "bench.wall_ms_min",
	    STORE_US_MS(s->min)) != 0 ||
	    store_bench_measure(st, id, artifact, "bench.wall_ms_max",
	    STORE_US_MS(s->max)) != 0 ||
	    store_bench_measure(st, id, artifact, "bench.max_rss_kib",
	    o->max_rss_kib) != 0 ||
	    store_bench_measure(st, id, artifact, "bench.instructions",
	    o->instructions) != 0)
		return (-1);
	return (0);
}

/*
 * Records the end of a running benchmark and, when done, its figures;
 * the run settles if nothing else is left. One transaction. A benchmark
 * no longer running (its run was cancelled) keeps its state.
 */
int
store_bench_finish(struct store *st, int64_t id, const char *artifact,
    const struct bench_outcome *o)
{
	struct db_stmt	*stmt;
	cJSON		*samples;
	char		*json, *error;
	size_t		 i;

	samples = cJSON_CreateArray();
	for (i = 0; i < o->nsamples; i++)
		cJSON_AddItemToArray(samples,
		    cJSON_CreateNumber((double)o->samples_us[i]));
	json = cJSON_PrintUnformatted(samples);
	cJSON_Delete(samples);
	if (o->error != NULL && o->note != NULL)
		xasprintf(&error, "%s; %s", o->error, o->note);
	else
		error = xstrdup(o->error != NULL ? o->error :
		    o->note != NULL ? o->note : "");
	if (store_begin(st) != 0)
		goto fail;
	stmt = store_prepare(st, "UPDATE benches SET state = ?2, artifact ="
	    " ?3, exit_status = ?4, error = nullif(?5, ''), samples_us = ?6,"
	    " load_avg = ?7, cpu_model = ?8, finished_at = ?9"
	    " WHERE build_id = ?1 AND state = 'running' AND"
	    " worker IS NOT DISTINCT FROM ?10");
	db_bind_int(stmt, 1, id);
	store_bind_text(stmt, 2, o->state);
	store_bind_text(stmt, 3, artifact);
	if (o->exit_status >= 0)
		db_bind_int(stmt, 4, o->exit_status);
	else
		db_bind_null(stmt, 4);
	store_bind_text(stmt, 5, error);
	store_bind_text(stmt, 6, json);
	store_bind_text(stmt, 7, o->load_avg);
	store_bind_text(stmt, 8, o->cpu_model);
	db_bind_int(stmt, 9, (int64_t)time(NULL));
	store_bind_text(stmt, 10, st->worker);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	if (db_changes(st->db) == 1 && strcmp(o->state, "done") == 0 &&
	    store_bench_figures(st, id, artifact, o) != 0)
		goto rollback;
	if (store_run_settle(st, id) != 0 || store_exec(st, "COMMIT") != 0)
		goto rollback;
	cJSON_free(json);
	free(error);
	return (0);
rollback:
	log_warnx("store: benchmark of build %lld: %s", (long long)id,
	    db_errmsg(st->db));
	store_exec(st, "ROLLBACK");
fail:
	cJSON_free(json);
	free(error);
	return (-1);
}

/*
 * The running benchmarks whose daemon is gone, by how (?1, enum
 * store_requeue): every one, or those whose daemon was not seen within
 * its lease (now ?2), and at a start those its name ran before (?3).
 */
#define STORE_BENCH_LOST \
	" x.state = 'running' AND (?1 = 2 OR x.worker IS NULL OR" \
	" (?1 = 1 AND x.worker = ?3) OR NOT EXISTS (SELECT 1 FROM daemons w" \
	" WHERE w.name = x.worker AND" STORE_ALIVE("w", "?2") "))"

/*
 * A benchmark whose daemon is gone (see STORE_BENCH_LOST) runs again, its
 * partial figures forgotten. Inside the caller's transaction.
 */
int
store_bench_requeue(struct store *st, enum store_requeue how)
{
	static const char *const sql[] = {
		"DELETE FROM measurements WHERE name LIKE 'bench.%' AND"
		" artifact_id IN (SELECT a.id FROM artifacts a JOIN benches x"
		" ON x.build_id = a.build_id WHERE" STORE_BENCH_LOST ")",
		"UPDATE benches SET state = 'pending', started_at = NULL,"
		" worker = NULL WHERE build_id IN (SELECT x.build_id FROM"
		" benches x WHERE" STORE_BENCH_LOST ")",
	};
	struct db_stmt	*stmt;
	size_t		 i;

	for (i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		stmt = store_prepare(st, sql[i]);
		db_bind_int(stmt, 1, how);
		db_bind_int(stmt, 2, store_now(st));
		store_bind_text(stmt, 3, st->worker);
		if (store_step_done(st, stmt) != 0)
			return (-1);
	}
	return (0);
}

/* Cancels a run's waiting benchmarks; inside the caller's transaction. */
int
store_bench_cancel(struct store *st, int64_t run_id)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE benches SET state = 'cancelled',"
	    " error = 'cancelled by request', finished_at = ?2"
	    " WHERE state IN ('pending', 'running') AND build_id IN"
	    " (SELECT id FROM builds WHERE run_id = ?1)");
	db_bind_int(stmt, 1, run_id);
	db_bind_int(stmt, 2, (int64_t)time(NULL));
	return (store_step_done(st, stmt));
}

/*
 * Returns a build's benchmark as a JSON object (spec, state, artifact,
 * exit_status, error, samples_us, load_avg, cpu_model, copied_from,
 * started_at, finished_at), or a JSON null when it has none.
 */
cJSON *
store_bench_json(struct store *st, int64_t id)
{
	static const struct store_column columns[] = {
		{ "spec", STORE_JSON }, { "state", STORE_TEXT },
		{ "artifact", STORE_TEXT }, { "exit_status", STORE_INT },
		{ "error", STORE_TEXT }, { "samples_us", STORE_JSON },
		{ "load_avg", STORE_TEXT }, { "cpu_model", STORE_TEXT },
		{ "copied_from", STORE_INT }, { "started_at", STORE_TEXT },
		{ "finished_at", STORE_TEXT }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*o;

	stmt = store_prepare(st, "SELECT spec, state, artifact, exit_status,"
	    " error, samples_us, load_avg, cpu_model, copied_from, "
	    STORE_TIME("started_at") ", " STORE_TIME("finished_at")
	    " FROM benches WHERE build_id = ?1");
	db_bind_int(stmt, 1, id);
	if (db_step(stmt) == DB_ROW) {
		o = cJSON_CreateObject();
		store_json_row(o, stmt, columns);
	} else
		o = cJSON_CreateNull();
	db_finalize(stmt);
	return (o);
}
