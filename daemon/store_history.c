/*
 * A tracked project's history in the store: its commits, and the
 * questions over them (trend, compare, the variants measured).
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"
#include "store_private.h"

/* Remembers commits (id, first parent, time, author, subject). */
int
store_commits_add(struct store *st, int64_t project_id,
    const struct git_commit *c, size_t n)
{
	struct db_stmt	*stmt;
	size_t		 i;

	/* A commit recorded before trailers were gets them now. */
	stmt = store_prepare(st, "INSERT INTO commits (project_id, id,"
	    " parent, time, author, subject, trailers) VALUES (?1, ?2, ?3,"
	    " ?4, ?5, ?6, ?7) ON CONFLICT (project_id, id) DO UPDATE SET"
	    " trailers = excluded.trailers WHERE commits.trailers IS NULL");
	for (i = 0; i < n; i++) {
		db_reset(stmt);
		db_bind_int(stmt, 1, project_id);
		store_bind_text(stmt, 2, c[i].id);
		store_bind_text(stmt, 3, c[i].parent);
		db_bind_int(stmt, 4, c[i].time);
		store_bind_text(stmt, 5, c[i].author);
		store_bind_text(stmt, 6, c[i].subject);
		store_bind_text(stmt, 7, c[i].trailers);
		if (db_step(stmt) != DB_DONE) {
			log_warnx("store: %s", db_errmsg(st->db));
			db_finalize(stmt);
			return (-1);
		}
	}
	db_finalize(stmt);
	return (0);
}

/*
 * Runs a query on (project, commit): STORE_OK when it has a row,
 * STORE_NOT_FOUND when not.
 */
enum store_result
store_commit_exists(struct store *st, const char *sql, int64_t project_id,
    const char *commit)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, sql);
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	rc = db_step(stmt);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Tells whether a project has a run (not a bisection's) at a commit:
 * STORE_OK, or STORE_NOT_FOUND.
 */
enum store_result
store_commit_has_run(struct store *st, int64_t project_id, const char *commit)
{
	return (store_commit_exists(st, "SELECT 1 FROM runs WHERE project_id"
	    " = ?1 AND (commit_id = ?2 OR (prepared = 0 AND rev = ?2))"
	    " AND kind IN ('run', 'schedule', 'check')", project_id, commit));
}

/*
 * Tells whether builds at a commit are still queued or running: STORE_OK
 * when some are, STORE_NOT_FOUND when none.
 */
enum store_result
store_commit_pending(struct store *st, int64_t project_id, const char *commit)
{
	return (store_commit_exists(st, "SELECT 1 FROM builds b JOIN runs r"
	    " ON r.id = b.run_id WHERE r.project_id = ?1 AND (r.commit_id = ?2"
	    " OR (r.prepared = 0 AND r.rev = ?2)) AND b.state IN ('queued',"
	    " 'running') LIMIT 1", project_id, commit));
}

/*
 * The variants measured for a project: for each variant and artifact, the
 * latest done result (key, variant, step, artifact, kind, file_size,
 * commit), smallest first.
 */
cJSON *
store_project_variants(struct store *st, int64_t project_id)
{
	static const struct store_column columns[] = {
		{ "variant_key", STORE_TEXT }, { "variant", STORE_JSON },
		{ "step", STORE_TEXT }, { "artifact", STORE_TEXT },
		{ "kind", STORE_TEXT }, { "file_size", STORE_INT },
		{ "commit", STORE_TEXT }, { "build", STORE_INT },
		{ "default_artifact", STORE_TEXT }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*a;

	/* The table "latest" is kept as builds end (schema 010). */
	stmt = store_prepare(st, "SELECT v.key, v.settings, l.step, a.name,"
	    " a.kind, a.file_size, r.commit_id, b.id, b.default_artifact"
	    " FROM latest l JOIN builds b ON b.id = l.build_id"
	    " JOIN runs r ON r.id = b.run_id"
	    " JOIN variants v ON v.id = l.variant_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " WHERE l.project_id = ?1"
	    " ORDER BY a.file_size, v.key, a.name");
	db_bind_int(stmt, 1, project_id);
	a = store_json_rows(stmt, columns);
	return (a);
}

/* Returns a commit as {id, parent, time, author, subject}, or an id alone. */
cJSON *
store_commit_json(struct store *st, int64_t project_id, const char *commit)
{
	static const struct store_column columns[] = {
		{ "id", STORE_TEXT }, { "parent", STORE_TEXT },
		{ "time", STORE_TEXT }, { "author", STORE_TEXT },
		{ "subject", STORE_TEXT }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*o;

	o = cJSON_CreateObject();
	stmt = store_prepare(st, "SELECT id, parent, " STORE_TIME("time") ","
	    " author, subject FROM commits WHERE project_id = ?1 AND id = ?2");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	if (db_step(stmt) == DB_ROW)
		store_json_row(o, stmt, columns);
	else
		cJSON_AddStringToObject(o, "id", commit);
	db_finalize(stmt);
	return (o);
}

/*
 * Resolves a revision among a project's known commits: a full id, a unique
 * prefix, or the revision a run was asked for (its latest run). Returns
 * the full id, or NULL with the cause.
 */
char *
store_commit_resolve(struct store *st, int64_t project_id, const char *rev,
    char **cause)
{
	struct db_stmt	*stmt;
	char		*found = NULL;
	int		 n = 0;

	stmt = store_prepare(st, "SELECT commit_id FROM runs WHERE project_id"
	    " = ?1 AND rev = ?2 AND commit_id IS NOT NULL ORDER BY id DESC"
	    " LIMIT 1");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, rev);
	if (db_step(stmt) == DB_ROW)
		found = store_column_dup(stmt, 0);
	db_finalize(stmt);
	if (found != NULL)
		return (found);
	if (revision_is_commit_id(rev, 0)) {
		stmt = store_prepare(st, "SELECT id FROM commits WHERE"
		    " project_id = ?1 AND substr(id, 1, length(?2)) = ?2"
		    " LIMIT 2");
		db_bind_int(stmt, 1, project_id);
		store_bind_text(stmt, 2, rev);
		while (db_step(stmt) == DB_ROW) {
			if (n++ == 0)
				found = store_column_dup(stmt, 0);
		}
		db_finalize(stmt);
		if (n == 1)
			return (found);
		free(found);
		if (n > 1) {
			xasprintf(cause, "revision %s: ambiguous; give more of "
			    "the commit id", rev);
			return (NULL);
		}
	}
	xasprintf(cause, "revision %s: no measured commit of this project; "
	    "name a commit id, or a revision a run was asked for ('sizemat "
	    "run NAME --rev %s' measures it)", rev, rev);
	return (NULL);
}

/* Reads one metric of an artifact row: bind the metric as ?M. */
#define STORE_METRIC(m) \
	"CASE " m " WHEN 'file_size' THEN a.file_size" \
	" WHEN 'wall_ms' THEN b.wall_ms WHEN 'cpu_ms' THEN b.cpu_ms" \
	" ELSE (SELECT value FROM measurements WHERE artifact_id = a.id" \
	" AND name = " m ") END"

/*
 * The trend of one variant's artifact along the first-parent line from
 * the project's branch head: one row per measured commit, oldest first,
 * with the change from the row before and toolchain changes marked. since
 * (Unix seconds, 0 for all) and last (0 for all) bound it. NULL when the
 * database failed.
 */
cJSON *
store_trend(struct store *st, int64_t project_id, const char *key,
    const char *artifact, const char *metric, int64_t since, int last)
{
	static const struct store_column columns[] = {
		{ "commit", STORE_TEXT }, { "time", STORE_TEXT },
		{ "author", STORE_TEXT }, { "subject", STORE_TEXT },
		{ "build", STORE_INT }, { "value", STORE_INT },
		{ "rustc_version", STORE_TEXT }, { "run", STORE_INT },
		{ NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*rows, *o, *prev = NULL, *item;
	double		 v, pv;
	const char	*tv, *ptv;
	int		 rc;

	/*
	 * The branch's first-parent line from its head, each commit read
	 * once (its row carries what the answer shows).
	 */
	stmt = store_prepare(st, "WITH RECURSIVE line(id, depth, parent,"
	    " time, author, subject) AS ("
	    " SELECT c.id, 0, c.parent, c.time, c.author, c.subject"
	    " FROM commits c WHERE c.project_id = ?1 AND c.id ="
	    " coalesce((SELECT head FROM projects WHERE id = ?1),"
	    " (SELECT r.commit_id FROM runs r JOIN commits c ON c.project_id"
	    " = r.project_id AND c.id = r.commit_id WHERE r.project_id = ?1"
	    " ORDER BY c.time DESC LIMIT 1))"
	    " UNION ALL SELECT c.id, line.depth + 1, c.parent, c.time,"
	    " c.author, c.subject FROM line JOIN commits c"
	    " ON c.project_id = ?1 AND c.id = line.parent"
	    " WHERE line.depth < 1000000),"
	    /*
	     * The latest done build of the variant at each commit of the
	     * line, found from the commit's runs: "b2.state || ''" keeps SQLite
	     * from scanning every build of the variant per commit (seconds,
	     * not milliseconds, on 1000 commits).
	     */
	    " pick(id, depth, time, author, subject, build) AS (SELECT"
	    " line.id, line.depth, line.time, line.author, line.subject,"
	    " (SELECT max(b2.id) FROM runs r2 JOIN builds b2"
	    " ON b2.run_id = r2.id AND b2.variant_id = (SELECT id FROM"
	    " variants WHERE key = ?2) WHERE r2.project_id = ?1"
	    " AND r2.commit_id = line.id AND b2.state || '' = 'done')"
	    " FROM line"
	    " WHERE line.time >= ?5)"
	    " SELECT pick.id, " STORE_TIME("pick.time") ", pick.author,"
	    " pick.subject, b.id, " STORE_METRIC("?4") ", b.rustc_version,"
	    " b.run_id FROM pick JOIN builds b ON b.id = pick.build"
	    " JOIN artifacts a ON a.build_id = b.id AND a.name = ?3"
	    " ORDER BY pick.depth LIMIT ?6");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, key);
	store_bind_text(stmt, 3, artifact);
	store_bind_text(stmt, 4, metric);
	db_bind_int(stmt, 5, since);
	db_bind_int(stmt, 6, last > 0 ? last : INT64_MAX);
	rows = cJSON_CreateArray();
	while ((rc = db_step(stmt)) == DB_ROW) {
		o = cJSON_CreateObject();
		store_json_row(o, stmt, columns);
		/* Newest first from the query; the answer is oldest first. */
		cJSON_InsertItemInArray(rows, 0, o);
	}
	if (store_rows_done(st, stmt, rc) != 0) {
		cJSON_Delete(rows);
		return (NULL);
	}
	cJSON_ArrayForEach(o, rows) {
		item = cJSON_GetObjectItemCaseSensitive(o, "value");
		v = cJSON_GetNumberValue(item);
		tv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
		    "rustc_version"));
		if (prev == NULL || !cJSON_IsNumber(item) ||
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(prev,
		    "value"))) {
			cJSON_AddNullToObject(o, "delta");
			cJSON_AddNullToObject(o, "percent");
			cJSON_AddBoolToObject(o, "toolchain_changed", 0);
		} else {
			pv = cJSON_GetNumberValue(
			    cJSON_GetObjectItemCaseSensitive(prev, "value"));
			ptv = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(prev,
			    "rustc_version"));
			cJSON_AddNumberToObject(o, "delta", v - pv);
			json_add_printed(o, "percent", pv > 0 ?
			    (v - pv) * 100.0 / pv : 0);
			cJSON_AddBoolToObject(o, "toolchain_changed",
			    tv != NULL && ptv != NULL && strcmp(tv, ptv) != 0);
		}
		prev = o;
	}
	return (rows);
}

/*
 * Every variant built at commit b, with its latest outcome there and the
 * latest done size at commit a: (variant, artifact, size_a, size_b,
 * state_b), the artifact rows of a failed build missing; with a speed
 * measurement, its value at both (and for bench.wall_ms the base's
 * slowest and the head's fastest run), null where none was taken.
 */
cJSON *
store_compare(struct store *st, int64_t project_id, const char *a,
    const char *b, const char *speed)
{
	static const struct store_column columns[] = {
		{ "variant_key", STORE_TEXT }, { "variant", STORE_JSON },
		{ "step", STORE_TEXT }, { "state", STORE_TEXT },
		{ "error", STORE_TEXT }, { "artifact", STORE_TEXT },
		{ "kind", STORE_TEXT }, { "base_build", STORE_INT },
		{ "base_size", STORE_INT }, { "build", STORE_INT },
		{ "size", STORE_INT }, { "base_speed", STORE_INT },
		{ "speed", STORE_INT }, { "base_speed_max", STORE_INT },
		{ "speed_min", STORE_INT }, { NULL, STORE_TEXT }
	};
	/* A median wall time comes with its spread: the runs' max and min. */
	const char	*hi = speed, *lo = speed;
	struct db_stmt	*stmt;
	cJSON		*rows;

	stmt = store_prepare(st, "WITH head AS (SELECT max(b.id) AS id"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " WHERE r.project_id = ?1 AND r.commit_id = ?3"
	    " AND b.state NOT IN ('queued', 'running', 'cancelled')"
	    " AND r.kind <> 'verify' GROUP BY b.variant_id),"
	    " base AS (SELECT max(b.id) AS id, b.variant_id"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " WHERE r.project_id = ?1 AND r.commit_id = ?2"
	    " AND b.state || '' = 'done' AND r.kind <> 'verify'"
	    " GROUP BY b.variant_id)"
	    " SELECT v.key, v.settings, hb.step, hb.state, hb.error, ha.name,"
	    " ha.kind, base.id, ba.file_size, hb.id, ha.file_size,"
	    " (SELECT value FROM measurements WHERE artifact_id = ba.id"
	    "  AND name = ?4),"
	    " (SELECT value FROM measurements WHERE artifact_id = ha.id"
	    "  AND name = ?4),"
	    " (SELECT value FROM measurements WHERE artifact_id = ba.id"
	    "  AND name = ?5),"
	    " (SELECT value FROM measurements WHERE artifact_id = ha.id"
	    "  AND name = ?6)"
	    " FROM head JOIN builds hb ON hb.id = head.id"
	    " JOIN variants v ON v.id = hb.variant_id"
	    " LEFT JOIN artifacts ha ON ha.build_id = hb.id"
	    " LEFT JOIN base ON base.variant_id = hb.variant_id"
	    " LEFT JOIN artifacts ba ON ba.build_id = base.id"
	    " AND ba.name = ha.name AND ba.kind = ha.kind"
	    " ORDER BY v.key, ha.name");
	if (speed != NULL && strcmp(speed, "bench.wall_ms") == 0) {
		hi = "bench.wall_ms_max";
		lo = "bench.wall_ms_min";
	}
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, a);
	store_bind_text(stmt, 3, b);
	store_bind_text(stmt, 4, speed);
	store_bind_text(stmt, 5, hi);
	store_bind_text(stmt, 6, lo);
	rows = store_json_rows(stmt, columns);
	return (rows);
}

/*
 * Reads a recorded commit's first parent and trailers ("Key: value"
 * joined by U+001E; NULL when recorded before trailers were). STORE_OK,
 * or STORE_NOT_FOUND when the commit is not recorded.
 */
enum store_result
store_commit_trailers(struct store *st, int64_t project_id, const char *id,
    char **parent, char **trailers)
{
	struct db_stmt	*stmt;
	int		 rc;

	*parent = *trailers = NULL;
	stmt = store_prepare(st, "SELECT parent, trailers FROM commits"
	    " WHERE project_id = ?1 AND id = ?2");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, id);
	if ((rc = db_step(stmt)) == DB_ROW) {
		*parent = store_column_dup(stmt, 0);
		*trailers = store_column_dup(stmt, 1);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}
