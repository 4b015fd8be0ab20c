/*
 * Searches in the store: what each was asked, the builds of its runs (its
 * probes) and its answer once over. The search's progress is replayed
 * from the probes (search.c), never stored.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

/* Frees what a search row holds. */
void
search_row_clear(struct search_row *r)
{
	free(r->project);
	free(r->project_name);
	free(r->matrix);
	free(r->source);
	free(r->package);
	free(r->metric);
	free(r->artifact);
	free(r->toolchain);
	free(r->commit);
	free(r->state);
	free(r->result);
	free(r->message);
	free(r->limits);
	memset(r, 0, sizeof *r);
}

/*
 * Records a new search (running) for the project r names: a tracked
 * project's id, or a path, recorded as runs record it. Sets r->id.
 */
int
store_search_create(struct store *st, struct search_row *r)
{
	struct db_stmt	*stmt;

	if (store_begin(st) != 0)
		return (-1);
	if (r->project_id <= 0)
		r->project_id = store_upsert_id(st, "INSERT INTO projects"
		    " (path, created_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
		    "SELECT id FROM projects WHERE path = ?1", r->project,
		    NULL);
	if (r->project_id < 0)
		goto rollback;
	stmt = store_prepare(st, "INSERT INTO searches (project_id, matrix,"
	    " matrix_source, package, metric, artifact, budget, toolchain,"
	    " commit_id, state, created_at, limits) VALUES (?1, ?2, ?3, ?4,"
	    " ?5, ?6, ?7, ?8, ?9, 'running', ?10, ?11)");
	db_bind_int(stmt, 1, r->project_id);
	store_bind_text(stmt, 2, r->matrix);
	store_bind_text(stmt, 3, r->source);
	store_bind_text(stmt, 4, r->package);
	store_bind_text(stmt, 5, r->metric);
	store_bind_text(stmt, 6, r->artifact);
	if (r->budget > 0)
		db_bind_int(stmt, 7, r->budget);
	else
		db_bind_null(stmt, 7);
	store_bind_text(stmt, 8, r->toolchain);
	store_bind_text(stmt, 9, r->commit);
	db_bind_int(stmt, 10, (int64_t)time(NULL));
	store_bind_text(stmt, 11, r->limits);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	r->id = db_last_id(st->db);
	if (store_exec(st, "COMMIT") == 0)
		return (0);
rollback:
	log_warnx("store: search: %s", db_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	return (-1);
}

/* Reads a search: STORE_OK with it in r, or STORE_NOT_FOUND. */
enum store_result
store_search_get(struct store *st, int64_t id, struct search_row *r)
{
	struct db_stmt	*stmt;
	int		 rc;

	memset(r, 0, sizeof *r);
	stmt = store_prepare(st, "SELECT s.project_id, p.path, p.name,"
	    " s.matrix, s.matrix_source, s.package, s.metric, s.artifact,"
	    " s.budget, s.toolchain, s.commit_id, s.state, s.certified,"
	    " s.result, s.message, s.limits FROM searches s JOIN projects p"
	    " ON p.id = s.project_id WHERE s.id = ?1");
	db_bind_int(stmt, 1, id);
	if ((rc = db_step(stmt)) == DB_ROW) {
		r->id = id;
		r->project_id = db_column_int(stmt, 0);
		r->project = store_column_dup(stmt, 1);
		r->project_name = store_column_dup(stmt, 2);
		r->matrix = store_column_dup(stmt, 3);
		r->source = store_column_dup(stmt, 4);
		r->package = store_column_dup(stmt, 5);
		r->metric = store_column_dup(stmt, 6);
		r->artifact = store_column_dup(stmt, 7);
		r->budget = db_column_int(stmt, 8);
		r->toolchain = store_column_dup(stmt, 9);
		r->commit = store_column_dup(stmt, 10);
		r->state = store_column_dup(stmt, 11);
		r->certified = (int)db_column_int(stmt, 12);
		r->result = store_column_dup(stmt, 13);
		r->message = store_column_dup(stmt, 14);
		r->limits = store_column_dup(stmt, 15);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/* Lists the ids of the searches still running, oldest first. */
int
store_searches_running(struct store *st, int64_t **ids, size_t *n)
{
	return (store_ids(st, store_prepare(st, "SELECT id FROM searches"
	    " WHERE state = 'running' ORDER BY id"), ids, n));
}

/* Frees a list of probes. */
void
search_probes_free(struct search_probe *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(p[i].variant_key);
		free(p[i].state);
		free(p[i].artifact);
		free(p[i].bench);
		free(p[i].bench_artifact);
	}
	free(p);
}

/*
 * Reads one measurement of a done build's artifact (the default artifact
 * when name is NULL; file_size, wall_ms and cpu_ms are columns, the rest
 * are measurement rows). STORE_NOT_FOUND when the build has no such
 * artifact or measurement.
 */
static enum store_result
store_probe_value(struct store *st, struct search_probe *p, const char *name,
    const char *metric)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT a.name, CASE ?3"
	    " WHEN 'file_size' THEN a.file_size WHEN 'wall_ms' THEN b.wall_ms"
	    " WHEN 'cpu_ms' THEN b.cpu_ms ELSE (SELECT value FROM measurements"
	    " WHERE artifact_id = a.id AND name = ?3) END"
	    " FROM builds b JOIN artifacts a ON a.build_id = b.id"
	    " WHERE b.id = ?1 AND a.name = coalesce(?2, b.default_artifact,"
	    " (SELECT CASE WHEN count(*) = 1 THEN min(name) END"
	    " FROM artifacts WHERE build_id = b.id))"
	    " ORDER BY a.kind = 'bin' DESC LIMIT 1");
	db_bind_int(stmt, 1, p->build);
	store_bind_text(stmt, 2, name);
	store_bind_text(stmt, 3, metric);
	if ((rc = db_step(stmt)) == DB_ROW) {
		p->artifact = store_column_dup(stmt, 0);
		p->has_value = !db_column_is_null(stmt, 1);
		p->value = db_column_int(stmt, 1);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Reads the speed measurement of a done probe, when it has one: of the
 * artifact its benchmark ran, else of the artifact the search measures.
 */
static enum store_result
store_probe_speed(struct store *st, struct search_probe *p,
    const char *metric)
{
	struct search_probe	 q;
	enum store_result	 rc;

	memset(&q, 0, sizeof q);
	q.build = p->build;
	rc = store_probe_value(st, &q, p->bench_artifact != NULL ?
	    p->bench_artifact : p->artifact, metric);
	if (rc == STORE_OK && q.has_value)
		p->speed = q.value;
	free(q.artifact);
	return (rc);
}

/*
 * Reads a search's probes: every build of its runs, oldest first, with
 * its variant key, state, what it was reused from, and (once done) the
 * metric of the artifact the search looks at.
 */
int
store_search_probes(struct store *st, const struct search_row *r,
    const char *speed_metric, struct search_probe **out, size_t *n)
{
	struct db_stmt		*stmt;
	struct search_probe	*p = NULL;
	size_t			 i;
	int			 rc;

	*n = 0;
	/* A build not built (same_as) took its twin's time: the same inputs. */
	stmt = store_prepare(st, "SELECT b.id, v.key, b.state,"
	    " b.reused_from, b.run_id, coalesce(b.wall_ms, (SELECT wall_ms"
	    " FROM builds WHERE id = b.same_as)), x.state, x.artifact"
	    " FROM runs r"
	    " JOIN builds b ON b.run_id = r.id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " LEFT JOIN benches x ON x.build_id = b.id"
	    " WHERE r.search_id = ?1 ORDER BY b.id");
	db_bind_int(stmt, 1, r->id);
	while ((rc = db_step(stmt)) == DB_ROW) {
		p = xreallocarray(p, *n + 1, sizeof *p);
		memset(&p[*n], 0, sizeof *p);
		p[*n].build = db_column_int(stmt, 0);
		p[*n].variant_key = store_column_dup(stmt, 1);
		p[*n].state = store_column_dup(stmt, 2);
		p[*n].reused_from = db_column_int(stmt, 3);
		p[*n].run = db_column_int(stmt, 4);
		p[*n].build_ms = db_column_is_null(stmt, 5) ? -1 :
		    db_column_int(stmt, 5);
		p[*n].bench = store_column_dup(stmt, 6);
		p[*n].bench_artifact = store_column_dup(stmt, 7);
		p[*n].speed = -1;
		(*n)++;
	}
	db_finalize(stmt);
	if (store_found(st, rc) == STORE_ERROR)
		goto fail;
	for (i = 0; i < *n; i++) {
		if (strcmp(p[i].state, "done") != 0)
			continue;
		if (store_probe_value(st, &p[i], r->artifact, r->metric) ==
		    STORE_ERROR)
			goto fail;
		if (speed_metric != NULL && store_probe_speed(st, &p[i],
		    speed_metric) == STORE_ERROR)
			goto fail;
	}
	*out = p;
	return (0);
fail:
	search_probes_free(p, *n);
	*out = NULL;
	*n = 0;
	return (-1);
}

/* Finds the search a run was made for: STORE_OK with its id. */
enum store_result
store_run_search(struct store *st, int64_t run_id, int64_t *search_id)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT search_id FROM runs WHERE id = ?1"
	    " AND search_id IS NOT NULL");
	db_bind_int(stmt, 1, run_id);
	if ((rc = db_step(stmt)) == DB_ROW)
		*search_id = db_column_int(stmt, 0);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/* Lists the ids of a search's runs that are not over yet. */
int
store_search_active_runs(struct store *st, int64_t id, int64_t **ids,
    size_t *n)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id FROM runs WHERE search_id = ?1"
	    " AND state IN ('queued', 'running') ORDER BY id");
	db_bind_int(stmt, 1, id);
	return (store_ids(st, stmt, ids, n));
}

/*
 * Ends a running search: done (certified or not) with its answer, or
 * failed with the reason. STORE_CONFLICT when it was over already.
 */
enum store_result
store_search_finish(struct store *st, int64_t id, const char *state,
    int certified, const cJSON *result, const char *message)
{
	struct db_stmt	*stmt;
	char		*text;

	text = result != NULL ? cJSON_PrintUnformatted(result) : NULL;
	stmt = store_prepare(st, "UPDATE searches SET state = ?2, certified ="
	    " ?3, result = ?4, message = ?5, finished_at = ?6 WHERE id = ?1"
	    " AND state = 'running'");
	db_bind_int(stmt, 1, id);
	store_bind_text(stmt, 2, state);
	db_bind_int(stmt, 3, certified);
	store_bind_text(stmt, 4, text);
	store_bind_text(stmt, 5, message);
	db_bind_int(stmt, 6, (int64_t)time(NULL));
	cJSON_free(text);
	if (store_step_done(st, stmt) != 0)
		return (STORE_ERROR);
	return (db_changes(st->db) > 0 ? STORE_OK : STORE_CONFLICT);
}
