/*
 * The store's speed regressions: the benchmarks of a tracked project's
 * branch paired with the nearest earlier benchmarked commit of its
 * first-parent line, for track_speed.c to judge, and the slowdowns it
 * records, with their alerts.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

/* Runs whose benchmarks speak for their commit. */
#define STORE_SPEED_RUN(r) \
	" " r ".kind NOT IN ('bisect', 'explain', 'verify', 'search')"

/* A measurement of a build's artifact by name, or -1. */
static int64_t
store_artifact_value(struct store *st, int64_t build_id, const char *artifact,
    const char *name)
{
	struct db_stmt	*stmt;
	int64_t		 v = -1;

	stmt = store_prepare(st, "SELECT m.value FROM artifacts a"
	    " JOIN measurements m ON m.artifact_id = a.id"
	    " WHERE a.build_id = ?1 AND a.name = ?2 AND m.name = ?3");
	db_bind_int(stmt, 1, build_id);
	store_bind_text(stmt, 2, artifact);
	store_bind_text(stmt, 3, name);
	if (db_step(stmt) == DB_ROW)
		v = db_column_int(stmt, 0);
	db_finalize(stmt);
	return (v);
}

/*
 * Fills a pair's base: the nearest earlier commit of the line with a
 * benchmark of the variant that ran or will run. "wait" when that one
 * has not run yet; no base when none.
 */
static void
store_speed_base(struct store *st, int64_t project_id, cJSON *pair,
    int64_t variant_id, const char *commit, const char *metric,
    const char *spread)
{
	struct db_stmt	*stmt;
	int64_t		 build;
	const char	*artifact = json_str(pair, "artifact", "");

	stmt = store_prepare(st, STORE_LINE_BEFORE "SELECT line.id, b.id,"
	    " x.state FROM line JOIN runs r ON r.project_id = ?1"
	    " AND r.commit_id = line.id AND" STORE_SPEED_RUN("r") " JOIN builds b"
	    " ON b.run_id = r.id AND b.variant_id = ?3 JOIN benches x"
	    " ON x.build_id = b.id AND x.state IN ('done', 'pending',"
	    " 'running') ORDER BY line.depth, x.state = 'done' DESC, b.id DESC"
	    " LIMIT 1");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	db_bind_int(stmt, 3, variant_id);
	if (db_step(stmt) != DB_ROW) {
		db_finalize(stmt);
		return;
	}
	cJSON_AddStringToObject(pair, "base_commit", db_column_text(stmt, 0));
	build = db_column_int(stmt, 1);
	cJSON_AddBoolToObject(pair, "wait", strcmp(db_column_text(stmt, 2),
	    "done") != 0);
	db_finalize(stmt);
	cJSON_AddNumberToObject(pair, "base_build", (double)build);
	cJSON_AddNumberToObject(pair, "base_value", (double)
	    store_artifact_value(st, build, artifact, metric));
	cJSON_AddNumberToObject(pair, "base_max", (double)
	    store_artifact_value(st, build, artifact, spread != NULL ?
	    spread : metric));
}

/*
 * Lists a tracked project's benchmarks not compared yet, on its branch:
 * {build, variant_id, commit, artifact, value, head_min, base_commit,
 * base_build, base_value, base_max, wait}, the base fields missing when
 * no earlier commit was benchmarked. For bench.wall_ms, head_min and
 * base_max are the runs' fastest and slowest; else the value itself.
 */
cJSON *
store_speed_pairs(struct store *st, int64_t project_id, const char *metric)
{
	struct db_stmt	*stmt;
	cJSON		*a, *pair;
	int		 wall = strcmp(metric, "bench.wall_ms") == 0;
	int64_t		 build;

	a = cJSON_CreateArray();
	stmt = store_prepare(st, "SELECT b.id, b.variant_id, r.commit_id,"
	    " x.artifact, x.state FROM benches x JOIN builds b"
	    " ON b.id = x.build_id JOIN runs r ON r.id = b.run_id"
	    " WHERE r.project_id = ?1 AND r.commit_id IS NOT NULL"
	    " AND r.on_branch = 1 AND x.checked = 0 AND x.state NOT IN"
	    " ('pending', 'running') AND" STORE_SPEED_RUN("r")
	    " ORDER BY b.id");
	db_bind_int(stmt, 1, project_id);
	while (db_step(stmt) == DB_ROW) {
		pair = cJSON_CreateObject();
		build = db_column_int(stmt, 0);
		cJSON_AddNumberToObject(pair, "build", (double)build);
		cJSON_AddNumberToObject(pair, "variant_id",
		    (double)db_column_int(stmt, 1));
		store_json_text(pair, "commit", stmt, 2);
		store_json_text(pair, "artifact", stmt, 3);
		store_json_text(pair, "state", stmt, 4);
		cJSON_AddItemToArray(a, pair);
	}
	db_finalize(stmt);
	cJSON_ArrayForEach(pair, a) {
		build = json_int(pair, "build", 0);
		cJSON_AddNumberToObject(pair, "value", (double)
		    store_artifact_value(st, build, json_str(pair, "artifact",
		    ""), metric));
		cJSON_AddNumberToObject(pair, "head_min", (double)
		    store_artifact_value(st, build, json_str(pair, "artifact",
		    ""), wall ? "bench.wall_ms_min" : metric));
		store_speed_base(st, project_id, pair, json_int(pair,
		    "variant_id", 0), json_str(pair, "commit", ""), metric,
		    wall ? "bench.wall_ms_max" : NULL);
	}
	return (a);
}

/* Marks a build's benchmark compared. */
int
store_bench_checked(struct store *st, int64_t build_id)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE benches SET checked = 1"
	    " WHERE build_id = ?1");
	db_bind_int(stmt, 1, build_id);
	return (store_step_done(st, stmt));
}

/*
 * Records a slowdown once per commit, variant, artifact and metric:
 * STORE_OK, or STORE_CONFLICT when it was recorded before.
 */
enum store_result
store_slowdown_add(struct store *st, int64_t project_id, const cJSON *pair,
    const char *metric, const char *limit)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "INSERT INTO slowdowns"
	    " (project_id, commit_id, base_commit, variant_id, artifact,"
	    " metric, base_value, value, max_slowdown, build_id, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	    " ON CONFLICT DO NOTHING");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, json_str(pair, "commit", ""));
	store_bind_text(stmt, 3, json_str(pair, "base_commit", ""));
	db_bind_int(stmt, 4, json_int(pair, "variant_id", 0));
	store_bind_text(stmt, 5, json_str(pair, "artifact", ""));
	store_bind_text(stmt, 6, metric);
	db_bind_int(stmt, 7, json_int(pair, "base_value", 0));
	db_bind_int(stmt, 8, json_int(pair, "value", 0));
	store_bind_text(stmt, 9, limit);
	db_bind_int(stmt, 10, json_int(pair, "build", 0));
	db_bind_int(stmt, 11, (int64_t)time(NULL));
	if (store_step_done(st, stmt) != 0)
		return (STORE_ERROR);
	return (db_changes(st->db) > 0 ? STORE_OK : STORE_CONFLICT);
}

/*
 * A project's slowdowns, oldest first; only those not alerted yet with
 * unalerted. NULL when the database failed.
 */
cJSON *
store_slowdowns(struct store *st, int64_t project_id, int unalerted)
{
	static const struct store_column columns[] = {
		{ "id", STORE_INT }, { "commit", STORE_TEXT },
		{ "base_commit", STORE_TEXT }, { "variant_key", STORE_TEXT },
		{ "artifact", STORE_TEXT }, { "metric", STORE_TEXT },
		{ "base_value", STORE_INT }, { "value", STORE_INT },
		{ "percent", STORE_JSON }, { "max_slowdown", STORE_TEXT },
		{ "build", STORE_INT }, { "subject", STORE_TEXT },
		{ "alerted", STORE_BOOL }, { "created_at", STORE_TEXT },
		{ NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "SELECT s.id, s.commit_id, s.base_commit,"
	    " v.key, s.artifact, s.metric, s.base_value, s.value,"
	    " CASE WHEN s.base_value > 0 THEN round((s.value - s.base_value)"
	    " * 100.0 / s.base_value, 2) END, s.max_slowdown, s.build_id,"
	    " c.subject, s.alerted, " STORE_TIME("s.created_at")
	    " FROM slowdowns s JOIN variants v ON v.id = s.variant_id"
	    " LEFT JOIN commits c ON c.project_id = s.project_id"
	    " AND c.id = s.commit_id WHERE s.project_id = ?1"
	    " AND (?2 = 0 OR s.alerted = 0) ORDER BY s.id");
	db_bind_int(stmt, 1, project_id);
	db_bind_int(stmt, 2, unalerted);
	return (store_json_rows(stmt, columns));
}

/* Marks a project's slowdowns at a commit alerted. */
int
store_slowdowns_alerted(struct store *st, int64_t project_id,
    const char *commit)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE slowdowns SET alerted = 1"
	    " WHERE project_id = ?1 AND commit_id = ?2");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	return (store_step_done(st, stmt));
}
