/*
 * Reports over everything the store holds: the best variants, the
 * daemon's status, Prometheus metrics and the CSV export.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

/*
 * Appends to ids, as ",N" each, the current done build of each variant
 * of a project: for a path project its newest (the table "latest"); for
 * a tracked project the newest at the newest commit of its branch's
 * first-parent line that has one (builds off that line are not current).
 * The line is walked from the head and left once every variant is
 * placed, so a history measured at its head costs one step, not a scan.
 */
static void
store_current(struct store *st, int64_t project_id, struct buf *ids)
{
	struct db_stmt	*stmt, *at, *up;
	int64_t		*seen = NULL, variant;
	size_t		 n = 0, left = 0, depth;
	char		*commit;

	stmt = store_prepare(st, "SELECT p.head, l.build_id FROM latest l"
	    " JOIN projects p ON p.id = l.project_id WHERE l.project_id = ?1");
	db_bind_int(stmt, 1, project_id);
	commit = NULL;
	while (db_step(stmt) == DB_ROW) {
		if (db_column_is_null(stmt, 0))
			buf_printf(ids, ",%lld", (long long)
			    db_column_int(stmt, 1));
		else if (commit == NULL)
			commit = store_column_dup(stmt, 0);
		left++;
	}
	db_finalize(stmt);
	if (commit == NULL)
		return;
	seen = xcalloc(left, sizeof *seen);
	at = store_prepare(st, "SELECT b.variant_id, max(b.id) FROM runs r"
	    " JOIN builds b ON b.run_id = r.id WHERE r.project_id = ?1"
	    " AND r.commit_id = ?2 AND b.state || '' = 'done'"
	    " GROUP BY b.variant_id");
	up = store_prepare(st, "SELECT parent FROM commits"
	    " WHERE project_id = ?1 AND id = ?2");
	for (depth = 0; commit != NULL && n < left && depth < 1000000;
	    depth++) {
		db_bind_int(at, 1, project_id);
		store_bind_text(at, 2, commit);
		while (db_step(at) == DB_ROW) {
			variant = db_column_int(at, 0);
			if (n < left && !idlist_has(seen, n, variant)) {
				seen[n++] = variant;
				buf_printf(ids, ",%lld", (long long)
				    db_column_int(at, 1));
			}
		}
		db_reset(at);
		db_bind_int(up, 1, project_id);
		store_bind_text(up, 2, commit);
		free(commit);
		commit = db_step(up) == DB_ROW ?
		    store_column_dup(up, 0) : NULL;
		db_reset(up);
	}
	free(commit);
	free(seen);
	db_finalize(at);
	db_finalize(up);
}

/*
 * Returns the current builds of one project, or of every project not
 * removed when project_id is 0, as a list of ids to put in "IN (...)":
 * "0" first, so that it is never empty, then integers only.
 */
static char *
store_current_ids(struct store *st, int64_t project_id)
{
	struct db_stmt	*stmt;
	struct buf	 ids;

	buf_init(&ids);
	buf_addstr(&ids, "0");
	if (project_id != 0) {
		store_current(st, project_id, &ids);
		return (ids.data);
	}
	stmt = store_prepare(st, "SELECT DISTINCT l.project_id FROM latest l"
	    " JOIN projects p ON p.id = l.project_id"
	    " WHERE p.path NOT LIKE 'removed:%'");
	while (db_step(stmt) == DB_ROW)
		store_current(st, db_column_int(stmt, 0), &ids);
	db_finalize(stmt);
	return (ids.data);
}

/* Finds a project by its path or a tracked project's name. */
static enum store_result
store_project_named(struct store *st, const char *project, int64_t *id)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT id FROM projects WHERE path = ?1"
	    " OR name = ?1");
	store_bind_text(stmt, 1, project);
	if ((rc = db_step(stmt)) == DB_ROW)
		*id = db_column_int(stmt, 0);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Returns the smallest variants recorded for a project, one row per variant
 * and artifact (its current result: for a tracked project, at the newest
 * measured commit on its branch's first-parent line, named in "commit"),
 * smallest first: STORE_OK with *out, or STORE_NOT_FOUND for an unknown
 * project.
 */
enum store_result
store_best(struct store *st, const char *project, int top, cJSON **out)
{
	static const struct store_column columns[] = {
		{ "variant", STORE_JSON }, { "variant_key", STORE_TEXT },
		{ "artifact", STORE_TEXT }, { "kind", STORE_TEXT },
		{ "file_size", STORE_INT }, { "run", STORE_INT },
		{ "build", STORE_INT }, { "rustc_version", STORE_TEXT },
		{ "loadable_size", STORE_INT }, { "toolchain", STORE_JSON },
		{ "bootstrap", STORE_BOOL }, { "env", STORE_JSON },
		{ "cargo_args", STORE_JSON }, { "commit", STORE_TEXT },
		{ "effective", STORE_JSON }, { "project_profile", STORE_JSON },
		{ "nondeterministic", STORE_BOOL }, { NULL, STORE_TEXT }
	};
	enum store_result found;
	struct db_stmt	*stmt;
	cJSON		*doc, *ranking, *row;
	char		*sql, *ids;
	int64_t		 project_id;
	int		 rc;

	*out = NULL;
	if ((found = store_project_named(st, project, &project_id)) !=
	    STORE_OK)
		return (found);

	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "project", project);
	ranking = cJSON_AddArrayToObject(doc, "ranking");
	ids = store_current_ids(st, project_id);
	xasprintf(&sql, "SELECT v.settings, v.key, a.name, a.kind,"
	    " a.file_size, b.run_id, b.id, b.rustc_version,"
	    "  (SELECT value FROM measurements m WHERE m.artifact_id = a.id"
	    "   AND m.name = 'loadable_size'),"
	    "  b.toolchain, b.bootstrap, b.env, b.cargo_args, r.commit_id,"
	    "  b.effective, b.project_profile, "
	    STORE_NONDETERMINISTIC("r.project_id", "b.variant_id")
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE b.id IN (%s) ORDER BY a.file_size, v.key, a.name"
	    " LIMIT ?1", ids);
	free(ids);
	stmt = store_prepare(st, sql);
	free(sql);
	db_bind_int(stmt, 1, top);
	while ((rc = db_step(stmt)) == DB_ROW) {
		row = cJSON_CreateObject();
		store_json_row(row, stmt, columns);
		store_add_baseline(row);
		cJSON_AddItemToArray(ranking, row);
	}
	if (store_rows_done(st, stmt, rc) != 0) {
		cJSON_Delete(doc);
		return (STORE_ERROR);
	}
	*out = doc;
	return (STORE_OK);
}

/*
 * Adds to list the daemons sharing the store, as each last said: name,
 * worker or not, build slots, lease, when started and last seen, and
 * whether it is alive (seen within its lease). 0, or -1.
 */
static int
store_daemons(struct store *st, cJSON *list)
{
	static const struct store_column columns[] = {
		{ "name", STORE_TEXT }, { "worker", STORE_BOOL },
		{ "jobs", STORE_INT }, { "lease_s", STORE_INT },
		{ "started_at", STORE_TEXT }, { "seen_at", STORE_TEXT },
		{ "alive", STORE_BOOL }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*d;
	int		 rc;

	stmt = store_prepare(st, "SELECT d.name, d.worker, d.jobs, d.lease, "
	    STORE_TIME("d.started_at") ", " STORE_TIME("d.seen_at") ","
	    " CASE WHEN" STORE_ALIVE("d", "?1") " THEN 1 ELSE 0 END"
	    " FROM daemons d ORDER BY d.worker, d.name");
	db_bind_int(stmt, 1, store_now(st));
	while ((rc = db_step(stmt)) == DB_ROW) {
		d = cJSON_CreateObject();
		store_json_row(d, stmt, columns);
		cJSON_AddItemToArray(list, d);
	}
	return (store_rows_done(st, stmt, rc));
}

/*
 * Returns the running and queued builds (a running one with the daemon
 * running it) and the daemons sharing the store; NULL when the database
 * failed.
 */
cJSON *
store_status(struct store *st)
{
	static const struct store_column columns[] = {
		{ "build", STORE_INT }, { "run", STORE_INT },
		{ "project", STORE_TEXT }, { "variant_key", STORE_TEXT },
		{ "step", STORE_TEXT }, { "state", STORE_TEXT },
		{ "started_at", STORE_TEXT }, { "elapsed_s", STORE_INT },
		{ "worker", STORE_TEXT }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*doc, *running, *queued, *b;
	int		 rc;

	doc = cJSON_CreateObject();
	running = cJSON_AddArrayToObject(doc, "running");
	queued = cJSON_AddArrayToObject(doc, "queued");
	stmt = store_prepare(st, "SELECT b.id, b.run_id,"
	    " coalesce(p.name, p.path), v.key, b.step, b.state, "
	    STORE_TIME("b.started_at") ","
	    " CASE WHEN ?1 < b.started_at THEN 0 ELSE ?1 - b.started_at END,"
	    " CASE WHEN b.state = 'running' THEN b.worker"
	    " END FROM builds b JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE b.state IN ('running', 'queued') ORDER BY b.run_id, b.seq");
	db_bind_int(stmt, 1, store_now(st));
	while ((rc = db_step(stmt)) == DB_ROW) {
		b = cJSON_CreateObject();
		store_json_row(b, stmt, columns);
		cJSON_AddItemToArray(strcmp((const char *)
		    db_column_text(stmt, 5), "running") == 0 ?
		    running : queued, b);
	}
	if (store_rows_done(st, stmt, rc) != 0 ||
	    store_daemons(st, cJSON_AddArrayToObject(doc, "daemons")) != 0) {
		cJSON_Delete(doc);
		return (NULL);
	}
	return (doc);
}

/*
 * What GET /metrics reports: builds by state, how many build durations
 * fall under each bound (bounds[i] seconds, cumulative) with their count
 * and sum, and the latest done size of each project, variant and artifact.
 */
cJSON *
store_metrics(struct store *st, const double *bounds, size_t nbounds)
{
	static const struct store_column size_columns[] = {
		{ "project", STORE_TEXT }, { "variant", STORE_TEXT },
		{ "artifact", STORE_TEXT }, { "kind", STORE_TEXT },
		{ "toolchain", STORE_TEXT }, { "size", STORE_INT },
		{ "loadable", STORE_INT }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*doc, *states, *buckets, *o;
	int64_t		*counts, ms, sum = 0;
	char		*sql, *ids;
	size_t		 i;

	doc = cJSON_CreateObject();
	states = cJSON_AddObjectToObject(doc, "builds");
	stmt = store_prepare(st, "SELECT state, count(*) FROM builds"
	    " GROUP BY state ORDER BY state");
	while (db_step(stmt) == DB_ROW)
		store_json_int(states, db_column_text(stmt,
		    0), stmt, 1);
	db_finalize(stmt);

	/* Every bucket in one pass over builds_by_duration. */
	buckets = cJSON_AddArrayToObject(doc, "duration_buckets");
	stmt = store_prepare_dialect(st, "SELECT wall_ms FROM builds"
	    " INDEXED BY builds_by_duration WHERE state = 'done'"
	    " AND reused_from IS NULL AND wall_ms IS NOT NULL",
	    "SELECT wall_ms FROM builds WHERE state = 'done'"
	    " AND reused_from IS NULL AND wall_ms IS NOT NULL");
	counts = xcalloc(nbounds + 1, sizeof *counts);
	while (db_step(stmt) == DB_ROW) {
		ms = db_column_int(stmt, 0);
		for (i = 0; i < nbounds; i++) {
			if ((double)ms <= bounds[i] * 1000.0)
				counts[i]++;
		}
		counts[nbounds]++;
		sum += ms;
	}
	db_finalize(stmt);
	for (i = 0; i < nbounds; i++)
		cJSON_AddItemToArray(buckets, cJSON_CreateNumber(
		    (double)counts[i]));
	cJSON_AddNumberToObject(doc, "duration_count",
	    (double)counts[nbounds]);
	cJSON_AddNumberToObject(doc, "duration_sum_ms", (double)sum);
	free(counts);

	/* The current size: at a tracked project's branch head line. */
	ids = store_current_ids(st, 0);
	xasprintf(&sql, "SELECT coalesce(p.name, p.path), v.key,"
	    " a.name, a.kind, coalesce(json_extract(b.toolchain, '$.name'),"
	    " 'default'), a.file_size, (SELECT value FROM measurements"
	    " WHERE artifact_id = a.id AND name = 'loadable_size')"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " WHERE b.id IN (%s) ORDER BY 1, 2, 3", ids);
	free(ids);
	stmt = store_prepare(st, sql);
	free(sql);
	cJSON_AddItemToObject(doc, "sizes", store_json_rows(stmt,
	    size_columns));
	stmt = store_prepare(st, "SELECT count(*) FROM builds b JOIN runs r"
	    " ON r.id = b.run_id WHERE b.state = 'queued' AND r.prepared = 0");
	if (db_step(stmt) == DB_ROW)
		store_json_int(doc, "waiting_for_git", stmt, 0);
	db_finalize(stmt);
	o = cJSON_AddObjectToObject(doc, "deliveries");
	stmt = store_prepare(st, "SELECT state, count(*) FROM deliveries"
	    " GROUP BY state");
	while (db_step(stmt) == DB_ROW)
		store_json_int(o, db_column_text(stmt, 0),
		    stmt, 1);
	db_finalize(stmt);
	o = cJSON_AddObjectToObject(doc, "regressions");
	stmt = store_prepare(st, "SELECT p.name, count(g.id) FROM projects p"
	    " LEFT JOIN regressions g ON g.project_id = p.id"
	    " AND g.state IS DISTINCT FROM 'withdrawn'"
	    " WHERE p.name IS NOT NULL GROUP BY p.id ORDER BY p.name");
	while (db_step(stmt) == DB_ROW)
		store_json_int(o, db_column_text(stmt, 0),
		    stmt, 1);
	db_finalize(stmt);
	return (doc);
}

/*
 * A project's whole history, for export: one row per build and artifact
 * (a build with none has one row without), oldest first. STORE_OK with
 * *out, or STORE_NOT_FOUND for an unknown project (a tracked project's
 * name, or a path).
 */
enum store_result
store_export(struct store *st, const char *project, cJSON **out)
{
	static const struct store_column columns[] = {
		{ "run", STORE_INT }, { "build", STORE_INT },
		{ "kind", STORE_TEXT }, { "commit", STORE_TEXT },
		{ "commit_time", STORE_TEXT }, { "subject", STORE_TEXT },
		{ "variant_key", STORE_TEXT }, { "step", STORE_TEXT },
		{ "toolchain", STORE_TEXT }, { "rustc_version", STORE_TEXT },
		{ "state", STORE_TEXT }, { "finished_at", STORE_TEXT },
		{ "wall_ms", STORE_INT }, { "cpu_ms", STORE_INT },
		{ "reused_from", STORE_INT }, { "artifact", STORE_TEXT },
		{ "artifact_kind", STORE_TEXT }, { "file_size", STORE_INT },
		{ "sha256", STORE_TEXT }, { "measurements", STORE_JSON },
		{ NULL, STORE_TEXT }
	};
	enum store_result found;
	struct db_stmt	*stmt;
	int64_t		 project_id;

	*out = NULL;
	if ((found = store_project_named(st, project, &project_id)) !=
	    STORE_OK)
		return (found);
	stmt = store_prepare(st, "SELECT r.id, b.id, r.kind, r.commit_id,"
	    " " STORE_TIME("c.time") ", c.subject, v.key, b.step,"
	    " coalesce(json_extract(b.toolchain, '$.name'), 'default'),"
	    " b.rustc_version, b.state, " STORE_TIME("b.finished_at") ","
	    " b.wall_ms, b.cpu_ms, b.reused_from, a.name, a.kind, a.file_size,"
	    " a.sha256, (SELECT json_object_agg(name, value) FROM measurements"
	    "  WHERE artifact_id = a.id)"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " LEFT JOIN commits c ON c.project_id = r.project_id"
	    " AND c.id = r.commit_id"
	    " LEFT JOIN artifacts a ON a.build_id = b.id"
	    " WHERE r.project_id = ?1 AND b.state NOT IN ('queued', 'running')"
	    " ORDER BY b.id, a.name");
	db_bind_int(stmt, 1, project_id);
	*out = store_json_rows(stmt, columns);
	return (*out != NULL ? STORE_OK : STORE_ERROR);
}

/*
 * Reads the current result of each variant of a project (as best takes
 * them: a tracked project's at its newest measured commit on the branch)
 * as build documents: STORE_OK with the array in *out, STORE_NOT_FOUND
 * for an unknown project.
 */
enum store_result
store_current_builds(struct store *st, const char *project, cJSON **out)
{
	enum store_result found;
	struct db_stmt	*stmt;
	cJSON		*b;
	char		*ids, *sql;
	int64_t		 project_id;
	int		 rc;

	*out = NULL;
	if ((found = store_project_named(st, project, &project_id)) !=
	    STORE_OK)
		return (found);
	ids = store_current_ids(st, project_id);
	xasprintf(&sql, "SELECT id FROM builds WHERE id IN (%s) ORDER BY id",
	    ids);
	free(ids);
	stmt = store_prepare(st, sql);
	free(sql);
	*out = cJSON_CreateArray();
	while ((rc = db_step(stmt)) == DB_ROW) {
		if (store_build_document(st, db_column_int(stmt, 0), &b) ==
		    STORE_OK)
			cJSON_AddItemToArray(*out, b);
	}
	db_finalize(stmt);
	if (rc != DB_DONE) {
		cJSON_Delete(*out);
		*out = NULL;
		return (STORE_ERROR);
	}
	return (STORE_OK);
}
