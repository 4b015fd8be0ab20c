/*
 * Tracked projects in the store: a name, a git source and what to build
 * there, and the state of their clone and schedule.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

#define STORE_PROJECT_COLUMNS "SELECT id, name, path, source, branch," \
	" matrix, toolchain, schedule, threshold, webhooks, mirror, head," \
	" next_tick, problem, package, trailer, max_slowdown, speed_metric" \
	" FROM projects"

/* Frees what a tracked project holds. */
void
tracked_project_clear(struct tracked_project *p)
{
	free(p->name);
	free(p->path);
	free(p->source);
	free(p->branch);
	free(p->matrix);
	free(p->toolchain);
	free(p->schedule);
	free(p->threshold);
	cJSON_Delete(p->webhooks);
	free(p->mirror);
	free(p->head);
	free(p->problem);
	free(p->package);
	free(p->trailer);
	free(p->max_slowdown);
	free(p->speed_metric);
	memset(p, 0, sizeof *p);
}

/* Reads a row of STORE_PROJECT_COLUMNS. */
static void
store_project_read(struct db_stmt *stmt, struct tracked_project *p)
{
	const char	*hooks;

	memset(p, 0, sizeof *p);
	p->id = db_column_int(stmt, 0);
	p->name = store_column_dup(stmt, 1);
	p->path = store_column_dup(stmt, 2);
	p->source = store_column_dup(stmt, 3);
	p->branch = store_column_dup(stmt, 4);
	p->matrix = store_column_dup(stmt, 5);
	p->toolchain = store_column_dup(stmt, 6);
	p->schedule = store_column_dup(stmt, 7);
	p->threshold = store_column_dup(stmt, 8);
	hooks = db_column_text(stmt, 9);
	p->webhooks = hooks != NULL ? cJSON_Parse(hooks) : NULL;
	if (p->webhooks == NULL)
		p->webhooks = cJSON_CreateArray();
	p->mirror = store_column_dup(stmt, 10);
	p->head = store_column_dup(stmt, 11);
	p->next_tick = db_column_int(stmt, 12);
	p->problem = store_column_dup(stmt, 13);
	p->package = store_column_dup(stmt, 14);
	p->trailer = store_column_dup(stmt, 15);
	p->max_slowdown = store_column_dup(stmt, 16);
	p->speed_metric = store_column_dup(stmt, 17);
}

/* Runs a project query with one parameter: found, not found or error. */
static enum store_result
store_project_query(struct store *st, const char *where, const char *text,
    int64_t id, struct tracked_project *p)
{
	struct db_stmt	*stmt;
	char		*sql;
	int		 rc;

	xasprintf(&sql, "%s %s", STORE_PROJECT_COLUMNS, where);
	stmt = store_prepare(st, sql);
	free(sql);
	if (text != NULL)
		store_bind_text(stmt, 1, text);
	else
		db_bind_int(stmt, 1, id);
	memset(p, 0, sizeof *p);
	rc = db_step(stmt);
	if (rc == DB_ROW)
		store_project_read(stmt, p);
	db_finalize(stmt);
	return (rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOT_FOUND :
	    STORE_ERROR);
}

/* Finds a tracked project by name: STORE_OK with it, or not found. */
enum store_result
store_project_find(struct store *st, const char *name,
    struct tracked_project *p)
{
	return (store_project_query(st, "WHERE name = ?1", name, 0, p));
}

/* Finds a project by id (tracked or removed since), as by name. */
enum store_result
store_project_by_id(struct store *st, int64_t id, struct tracked_project *p)
{
	return (store_project_query(st, "WHERE id = ?1", NULL, id, p));
}

/*
 * Changes what p gives of a tracked project (the fields that are not
 * NULL). A new schedule forgets the next tick; a new branch forgets the
 * head and any problem, so that it is looked up again.
 */
int
store_project_update(struct store *st, int64_t id,
    const struct tracked_project *p)
{
	struct db_stmt	*stmt;
	char		*hooks;
	int		 rc;

	hooks = p->webhooks != NULL ? cJSON_PrintUnformatted(p->webhooks) :
	    NULL;
	stmt = store_prepare(st, "UPDATE projects SET"
	    " branch = coalesce(?2, branch), matrix = coalesce(?3, matrix),"
	    " toolchain = coalesce(?4, toolchain),"
	    " schedule = coalesce(?5, schedule),"
	    " threshold = coalesce(?6, threshold),"
	    " webhooks = coalesce(?7, webhooks),"
	    " trailer = CASE WHEN ?8 IS NULL THEN trailer"
	    " WHEN ?8 = '" TRACK_DEFAULT_TRAILER "' THEN NULL ELSE ?8 END,"
	    " max_slowdown = CASE WHEN ?9 IS NULL THEN max_slowdown"
	    " WHEN ?9 = 'none' THEN NULL ELSE ?9 END,"
	    " speed_metric = coalesce(?10, speed_metric),"
	    " next_tick = CASE WHEN ?5 IS NULL THEN next_tick END,"
	    " head = CASE WHEN ?2 IS NULL THEN head END,"
	    " problem = CASE WHEN ?2 IS NULL THEN problem END"
	    " WHERE id = ?1 AND name IS NOT NULL");
	db_bind_int(stmt, 1, id);
	store_bind_text(stmt, 2, p->branch);
	store_bind_text(stmt, 3, p->matrix);
	store_bind_text(stmt, 4, p->toolchain);
	store_bind_text(stmt, 5, p->schedule);
	store_bind_text(stmt, 6, p->threshold);
	store_bind_text(stmt, 7, hooks);
	store_bind_text(stmt, 8, p->trailer);
	store_bind_text(stmt, 9, p->max_slowdown);
	store_bind_text(stmt, 10, p->speed_metric);
	rc = store_step_done(st, stmt);
	cJSON_free(hooks);
	return (rc);
}

/*
 * Adds a tracked project; its path is "tracked:NAME" and the id is set.
 * STORE_CONFLICT when the name is taken, STORE_ERROR when the database
 * fails, each with the cause.
 */
enum store_result
store_project_add(struct store *st, struct tracked_project *p, char **cause)
{
	enum store_result	 rc;
	struct db_stmt		*stmt;
	char			*hooks;

	free(p->path);
	xasprintf(&p->path, "tracked:%s", p->name);
	hooks = cJSON_PrintUnformatted(p->webhooks);
	stmt = store_prepare(st, "INSERT INTO projects (path, created_at,"
	    " name, source, branch, matrix, toolchain, schedule, threshold,"
	    " webhooks, mirror, next_tick, trailer, max_slowdown,"
	    " speed_metric) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	    " ?11, ?12, nullif(?13, '" TRACK_DEFAULT_TRAILER "'),"
	    " nullif(?14, 'none'), ?15)");
	store_bind_text(stmt, 1, p->path);
	db_bind_int(stmt, 2, (int64_t)time(NULL));
	store_bind_text(stmt, 3, p->name);
	store_bind_text(stmt, 4, p->source);
	store_bind_text(stmt, 5, p->branch);
	store_bind_text(stmt, 6, p->matrix);
	store_bind_text(stmt, 7, p->toolchain);
	store_bind_text(stmt, 8, p->schedule);
	store_bind_text(stmt, 9, p->threshold);
	store_bind_text(stmt, 10, hooks);
	store_bind_text(stmt, 11, p->mirror);
	if (p->next_tick > 0)
		db_bind_int(stmt, 12, p->next_tick);
	else
		db_bind_null(stmt, 12);
	store_bind_text(stmt, 13, p->trailer);
	store_bind_text(stmt, 14, p->max_slowdown);
	store_bind_text(stmt, 15, p->speed_metric);
	cJSON_free(hooks);
	if (db_step(stmt) != DB_DONE) {
		rc = STORE_ERROR;
		if (db_conflict(st->db)) {
			rc = STORE_CONFLICT;
			xasprintf(cause, "a project named \"%s\" exists "
			    "already ('sizemat project remove %s' first)",
			    p->name, p->name);
		} else
			xasprintf(cause, "database: %s",
			    db_errmsg(st->db));
		db_finalize(stmt);
		return (rc);
	}
	db_finalize(stmt);
	p->id = db_last_id(st->db);
	return (STORE_OK);
}

/*
 * Finds a project whose source is still to be cloned: STORE_OK with its
 * id, STORE_NOT_FOUND when none is.
 */
enum store_result
store_setup_next(struct store *st, int64_t *id)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT id FROM projects WHERE name IS NOT"
	    " NULL AND head IS NULL AND problem IS NULL ORDER BY id LIMIT 1");
	if ((rc = db_step(stmt)) == DB_ROW)
		*id = db_column_int(stmt, 0);
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Records the outcome of cloning a project's source: its branch and that
 * branch's head, or the problem.
 */
int
store_project_ready(struct store *st, int64_t id, const char *branch,
    const char *head, const char *problem)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE projects SET branch = coalesce(?2,"
	    " branch), head = ?3, problem = ?4 WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	store_bind_text(stmt, 2, branch);
	store_bind_text(stmt, 3, head);
	store_bind_text(stmt, 4, problem);
	return (store_step_done(st, stmt));
}

/* Records the package a tracked project builds by default, or NULL. */
int
store_project_package(struct store *st, int64_t id, const char *package)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE projects SET package = ?2"
	    " WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	store_bind_text(stmt, 2, package);
	return (store_step_done(st, stmt));
}

/* Lists the tracked projects with what is known of them. */
cJSON *
store_projects_list(struct store *st, const char *name)
{
	static const struct store_column columns[] = {
		{ "name", STORE_TEXT }, { "source", STORE_TEXT },
		{ "branch", STORE_TEXT }, { "matrix", STORE_TEXT },
		{ "toolchain", STORE_TEXT }, { "schedule", STORE_TEXT },
		{ "threshold", STORE_TEXT }, { "webhooks", STORE_JSON },
		{ "head", STORE_TEXT }, { "next_tick", STORE_TEXT },
		{ "runs", STORE_INT }, { "commits_measured", STORE_INT },
		{ "regressions", STORE_INT }, { "last_run", STORE_TEXT },
		{ "problem", STORE_TEXT }, { "state", STORE_TEXT },
		{ "justification_trailer", STORE_TEXT },
		{ "max_slowdown", STORE_TEXT }, { "speed_metric", STORE_TEXT },
		{ "slowdowns", STORE_INT }, { NULL, STORE_TEXT }
	};
	struct db_stmt	*stmt;
	cJSON		*a;

	stmt = store_prepare(st, "SELECT p.name, p.source, p.branch,"
	    " CASE WHEN p.matrix LIKE '{%' THEN coalesce(json_extract(p.matrix,"
	    " '$.name'), 'inline') || ' (from a file)' ELSE p.matrix END,"
	    " p.toolchain, p.schedule, p.threshold, p.webhooks, p.head,"
	    " " STORE_TIME("p.next_tick") ","
	    " (SELECT count(*) FROM runs WHERE project_id = p.id),"
	    " (SELECT count(DISTINCT r.commit_id) FROM runs r JOIN builds b"
	    "  ON b.run_id = r.id WHERE r.project_id = p.id"
	    "  AND b.state = 'done'),"
	    " (SELECT count(*) FROM regressions WHERE project_id = p.id"
	    " AND state IS DISTINCT FROM 'withdrawn'),"
	    " (SELECT " STORE_TIME("max(created_at)") " FROM runs"
	    "  WHERE project_id = p.id), p.problem,"
	    " CASE WHEN p.problem IS NOT NULL THEN 'error' WHEN p.head IS NULL"
	    " THEN 'cloning' ELSE 'ready' END,"
	    " nullif(coalesce(p.trailer, '" TRACK_DEFAULT_TRAILER "'), ''),"
	    " p.max_slowdown, CASE WHEN p.max_slowdown IS NOT NULL THEN"
	    " coalesce(p.speed_metric, 'bench.instructions') END,"
	    " (SELECT count(*) FROM slowdowns WHERE project_id = p.id)"
	    " FROM projects p WHERE p.name IS NOT NULL AND (?1 IS NULL"
	    " OR p.name = ?1) ORDER BY p.name");
	store_bind_text(stmt, 1, name);
	a = store_json_rows(stmt, columns);
	return (a);
}

/*
 * Stops tracking a project: its name is freed for another, its schedule
 * and bisections stop; its runs and history stay. STORE_OK, or
 * STORE_NOT_FOUND for no tracked project of that name.
 */
enum store_result
store_project_remove(struct store *st, const char *name)
{
	struct db_stmt	*stmt;

	int		 changed;

	if (store_begin(st) != 0)
		return (STORE_ERROR);
	stmt = store_prepare(st, "UPDATE bisections SET state = 'failed',"
	    " message = 'the project was removed', finished_at = ?2"
	    " WHERE state IN ('preparing', 'running') AND project_id ="
	    " (SELECT id FROM projects WHERE name = ?1)");
	store_bind_text(stmt, 1, name);
	db_bind_int(stmt, 2, (int64_t)time(NULL));
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	stmt = store_prepare(st, "UPDATE projects SET name = NULL, schedule ="
	    " NULL, next_tick = NULL, path = 'removed:' || id || ':' || path"
	    " WHERE name = ?1");
	store_bind_text(stmt, 1, name);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	changed = db_changes(st->db);
	if (store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (changed > 0 ? STORE_OK : STORE_NOT_FOUND);
rollback:
	store_exec(st, "ROLLBACK");
	return (STORE_ERROR);
}

/* Lists the ids of a project's runs that are not over yet. */
int
store_project_active_runs(struct store *st, int64_t project_id, int64_t **ids,
    size_t *n)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id FROM runs WHERE project_id = ?1"
	    " AND state IN ('queued', 'running') ORDER BY id");
	db_bind_int(stmt, 1, project_id);
	return (store_ids(st, stmt, ids, n));
}

/* Records a project's next scheduled tick. */
int
store_project_set_tick(struct store *st, int64_t id, int64_t when)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE projects SET next_tick = ?2"
	    " WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	db_bind_int(stmt, 2, when);
	return (store_step_done(st, stmt));
}

/* Lists the ids of tracked projects, or only those with a schedule. */
int
store_project_ids(struct store *st, int scheduled, int64_t **ids, size_t *n)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "SELECT id FROM projects WHERE name IS NOT"
	    " NULL AND (?1 = 0 OR schedule IS NOT NULL) ORDER BY id");
	db_bind_int(stmt, 1, scheduled);
	return (store_ids(st, stmt, ids, n));
}
