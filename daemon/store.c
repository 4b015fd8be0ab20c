/*
 * The store: the only file that talks to SQLite. Migrations, the run and
 * build state machine's writes, and the queries behind the API.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "sizematd.h"
#include "store_private.h"

extern const char *const store_migrations[];

/* Prepares a statement; a failure is a bug in the SQL here, so it is fatal. */
sqlite3_stmt *
store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fatalx("store: %s: %s", sqlite3_errmsg(st->db), sql);
	return (stmt);
}

/* Runs a statement that returns no rows; returns 0 or -1. */
int
store_step_done(struct store *st, sqlite3_stmt *stmt)
{
	int	 rc;

	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_warnx("store: %s", sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
		return (-1);
	}
	sqlite3_finalize(stmt);
	return (0);
}

/* Runs one constant statement with no parameters. */
int
store_exec(struct store *st, const char *sql)
{
	return (store_step_done(st, store_prepare(st, sql)));
}

/* Binds a string, or NULL. */
void
store_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
}

/* Returns a column as a newly allocated string, or NULL. */
char *
store_column_dup(sqlite3_stmt *stmt, int i)
{
	const unsigned char	*s;

	s = sqlite3_column_text(stmt, i);
	return (s == NULL ? NULL : xstrdup((const char *)s));
}

/* Adds a column to a JSON object as a string, or null. */
void
store_json_text(cJSON *o, const char *name, sqlite3_stmt *stmt, int i)
{
	const unsigned char	*s;

	s = sqlite3_column_text(stmt, i);
	if (s == NULL)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddStringToObject(o, name, (const char *)s);
}

/* Adds a column to a JSON object as a number, or null. */
void
store_json_int(cJSON *o, const char *name, sqlite3_stmt *stmt, int i)
{
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name,
		    (double)sqlite3_column_int64(stmt, i));
}

/* Adds a column that holds JSON text, parsed, or null. */
void
store_json_parsed(cJSON *o, const char *name, sqlite3_stmt *stmt, int i)
{
	const char	*s;
	cJSON		*v;

	s = (const char *)sqlite3_column_text(stmt, i);
	if (s == NULL || (v = cJSON_Parse(s)) == NULL)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddItemToObject(o, name, v);
}

/* Adds the columns of the current row to o, in order, as the table says. */
void
store_json_row(cJSON *o, sqlite3_stmt *stmt, const struct store_column *cols)
{
	int	 i;

	for (i = 0; cols[i].name != NULL; i++) {
		switch (cols[i].kind) {
		case STORE_TEXT:
			store_json_text(o, cols[i].name, stmt, i);
			break;
		case STORE_INT:
			store_json_int(o, cols[i].name, stmt, i);
			break;
		case STORE_BOOL:
			cJSON_AddBoolToObject(o, cols[i].name,
			    sqlite3_column_int(stmt, i) != 0);
			break;
		case STORE_JSON:
			store_json_parsed(o, cols[i].name, stmt, i);
			break;
		}
	}
}

/* Steps a statement to its end, one object per row; finalizes it. */
cJSON *
store_json_rows(sqlite3_stmt *stmt, const struct store_column *cols)
{
	cJSON	*a, *o;

	a = cJSON_CreateArray();
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		store_json_row(o, stmt, cols);
		cJSON_AddItemToArray(a, o);
	}
	sqlite3_finalize(stmt);
	return (a);
}

/* Adds the (name, number) rows a query gives for one id as members of o. */
static void
store_json_pairs(struct store *st, cJSON *o, const char *sql, int64_t id)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, sql);
	sqlite3_bind_int64(stmt, 1, id);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		store_json_int(o, (const char *)sqlite3_column_text(stmt, 0),
		    stmt, 1);
	sqlite3_finalize(stmt);
}

/* Applies every migration newer than the database's user_version. */
static int
store_migrate(struct store *st, char **cause)
{
	sqlite3_stmt	*stmt;
	const char	*sql, *tail;
	char		*pragma;
	int		 version, i, rc;

	stmt = store_prepare(st, "PRAGMA user_version");
	version = sqlite3_step(stmt) == SQLITE_ROW ?
	    sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	for (i = 0; store_migrations[i] != NULL; i++) {
		if (i < version)
			continue;
		if (store_exec(st, "BEGIN IMMEDIATE") != 0)
			goto fail;
		for (sql = store_migrations[i]; *sql != '\0'; sql = tail) {
			rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, &tail);
			if (rc != SQLITE_OK)
				goto rollback;
			if (stmt == NULL)	/* comments and blanks */
				continue;
			if (store_step_done(st, stmt) != 0)
				goto rollback;
		}
		/* PRAGMA takes no parameters; i is a small integer. */
		xasprintf(&pragma, "PRAGMA user_version = %d", i + 1);
		rc = store_exec(st, pragma);
		free(pragma);
		if (rc != 0 || store_exec(st, "COMMIT") != 0)
			goto rollback;
		log_info("database %s: applied migration %d", st->path, i + 1);
	}
	if (version > i) {
		xasprintf(cause, "%s: schema version %d is newer than this "
		    "sizematd knows (%d)", st->path, version, i);
		return (-1);
	}
	return (0);
rollback:
	xasprintf(cause, "%s: migration %d: %s", st->path, i + 1,
	    sqlite3_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	return (-1);
fail:
	xasprintf(cause, "%s: %s", st->path, sqlite3_errmsg(st->db));
	return (-1);
}

/* Opens (creating if needed) the database and brings its schema up to date. */
struct store *
store_open(const char *path, char **cause)
{
	struct store	*st;

	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, st->db != NULL ?
		    sqlite3_errmsg(st->db) : "cannot open");
		store_close(st);
		return (NULL);
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (store_exec(st, "PRAGMA journal_mode = WAL") != 0 ||
	    store_exec(st, "PRAGMA foreign_keys = ON") != 0 ||
	    store_exec(st, "PRAGMA synchronous = NORMAL") != 0) {
		xasprintf(cause, "%s: %s", path, sqlite3_errmsg(st->db));
		store_close(st);
		return (NULL);
	}
	if (store_migrate(st, cause) != 0) {
		store_close(st);
		return (NULL);
	}
	return (st);
}

/* Closes the database. */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_warnx("store: close: %s", sqlite3_errmsg(st->db));
	free(st->path);
	free(st);
}

/* Returns the schema version (the number of migrations applied). */
int
store_schema_version(struct store *st)
{
	sqlite3_stmt	*stmt;
	int		 version = -1;

	stmt = store_prepare(st, "PRAGMA user_version");
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return (version);
}

/* Returns the id of a row found or inserted by a unique text column. */
int64_t
store_upsert_id(struct store *st, const char *insert, const char *select,
    const char *a, const char *b)
{
	sqlite3_stmt	*stmt;
	int64_t		 id = -1;

	stmt = store_prepare(st, insert);
	store_bind_text(stmt, 1, a);
	if (b != NULL)
		store_bind_text(stmt, 2, b);
	else
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)time(NULL));
	if (store_step_done(st, stmt) != 0)
		return (-1);
	stmt = store_prepare(st, select);
	store_bind_text(stmt, 1, a);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		id = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return (id);
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
	sqlite3_stmt	*stmt;
	int64_t		 project_id, variant_id;
	char		*key, *settings;
	cJSON		*o;
	size_t		 i;
	time_t		 now = time(NULL);

	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		goto fail;
	if (run->project_id > 0)
		project_id = run->project_id;
	else
		project_id = store_upsert_id(st, "INSERT OR IGNORE INTO"
		    " projects (path, created_at) VALUES (?1, ?2)",
		    "SELECT id FROM projects WHERE path = ?1", run->project,
		    NULL);
	if (project_id < 0)
		goto rollback;
	stmt = store_prepare(st, "INSERT INTO runs (project_id, matrix, shape,"
	    " matrix_source, state, created_at, parent_run_id, rev, prepared,"
	    " force, kind, bisection_id, timeout_s) VALUES (?1, ?2, ?3, ?4,"
	    " 'queued', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
	sqlite3_bind_int64(stmt, 1, project_id);
	store_bind_text(stmt, 2, run->matrix);
	store_bind_text(stmt, 3, run->shape);
	store_bind_text(stmt, 4, run->source);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)now);
	if (run->parent > 0)
		sqlite3_bind_int64(stmt, 6, run->parent);
	else
		sqlite3_bind_null(stmt, 6);
	store_bind_text(stmt, 7, run->rev);
	sqlite3_bind_int(stmt, 8, run->rev == NULL);
	sqlite3_bind_int(stmt, 9, run->force);
	store_bind_text(stmt, 10, run->kind != NULL ? run->kind : "run");
	if (run->bisection_id > 0)
		sqlite3_bind_int64(stmt, 11, run->bisection_id);
	else
		sqlite3_bind_null(stmt, 11);
	if (run->timeout_s > 0)
		sqlite3_bind_int(stmt, 12, run->timeout_s);
	else
		sqlite3_bind_null(stmt, 12);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	*run_id = sqlite3_last_insert_rowid(st->db);
	for (i = 0; i < nplans; i++) {
		key = variant_key(plans[i].variant);
		o = variant_to_json(plans[i].variant);
		settings = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		variant_id = store_upsert_id(st,
		    "INSERT OR IGNORE INTO variants (key, settings)"
		    " VALUES (?1, ?2)",
		    "SELECT id FROM variants WHERE key = ?1", key, settings);
		free(key);
		cJSON_free(settings);
		if (variant_id < 0)
			goto rollback;
		stmt = store_prepare(st, "INSERT INTO builds (run_id, seq,"
		    " variant_id, step, target_dir, state, queued_at,"
		    " bootstrap, post)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?8)");
		sqlite3_bind_int64(stmt, 1, *run_id);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)i);
		sqlite3_bind_int64(stmt, 3, variant_id);
		store_bind_text(stmt, 4, plans[i].step);
		store_bind_text(stmt, 5, plans[i].target_dir);
		sqlite3_bind_int64(stmt, 6, (sqlite3_int64)now);
		sqlite3_bind_int(stmt, 7, plans[i].bootstrap);
		store_bind_text(stmt, 8, plans[i].post);
		if (store_step_done(st, stmt) != 0)
			goto rollback;
	}
	if (store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	xasprintf(cause, "database: %s", sqlite3_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	return (-1);
fail:
	xasprintf(cause, "database: %s", sqlite3_errmsg(st->db));
	return (-1);
}

/*
 * Forgets the logs of builds older than the newest keep (a reused result
 * shares its build's log), and adds their paths to paths for deleting.
 */
int
store_prune_logs(struct store *st, int keep, struct strlist *paths)
{
	sqlite3_stmt	*stmt;

	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	stmt = store_prepare(st, "SELECT DISTINCT log_path FROM builds"
	    " WHERE log_path IS NOT NULL AND reused_from IS NULL AND id <="
	    " (SELECT max(id) FROM builds) - ?1 AND state NOT IN ('queued',"
	    " 'running')");
	sqlite3_bind_int(stmt, 1, keep);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		strlist_add(paths, (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	stmt = store_prepare(st, "UPDATE builds SET log_path = NULL WHERE"
	    " log_path IN (SELECT log_path FROM builds WHERE log_path IS NOT"
	    " NULL AND reused_from IS NULL AND id <= (SELECT max(id) FROM"
	    " builds) - ?1 AND state NOT IN ('queued', 'running'))");
	sqlite3_bind_int(stmt, 1, keep);
	if (store_step_done(st, stmt) != 0 || store_exec(st, "COMMIT") != 0) {
		store_exec(st, "ROLLBACK");
		strlist_free(paths);
		return (-1);
	}
	return (0);
}

/*
 * Reads where a run builds: its project's id and path, and its commit
 * (NULL for a project given by path). Returns 0, or -1 for no such run.
 */
int
store_run_origin(struct store *st, int64_t id, int64_t *project_id,
    char **path, char **commit)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	stmt = store_prepare(st, "SELECT p.id, p.path, r.commit_id FROM runs r"
	    " JOIN projects p ON p.id = r.project_id WHERE r.id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*project_id = sqlite3_column_int64(stmt, 0);
		*path = store_column_dup(stmt, 1);
		*commit = store_column_dup(stmt, 2);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/*
 * Queues again the builds that were running when the daemon stopped; what
 * they may have half recorded is removed in the same transaction.
 */
int
store_requeue_running(struct store *st, int *count)
{
	sqlite3_stmt	*stmt;

	*count = 0;
	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	if (store_exec(st, "DELETE FROM measurements WHERE artifact_id IN"
	    " (SELECT a.id FROM artifacts a JOIN builds b ON a.build_id = b.id"
	    " WHERE b.state = 'running')") != 0 ||
	    store_exec(st, "DELETE FROM sections WHERE artifact_id IN"
	    " (SELECT a.id FROM artifacts a JOIN builds b ON a.build_id = b.id"
	    " WHERE b.state = 'running')") != 0 ||
	    store_exec(st, "DELETE FROM artifacts WHERE build_id IN"
	    " (SELECT id FROM builds WHERE state = 'running')") != 0)
		goto rollback;
	stmt = store_prepare(st, "UPDATE builds SET state = 'queued',"
	    " started_at = NULL WHERE state = 'running'");
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	*count = sqlite3_changes(st->db);
	if (store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	store_exec(st, "ROLLBACK");
	return (-1);
}

/* Frees what a build spec holds. */
void
build_spec_clear(struct build_spec *b)
{
	free(b->project);
	free(b->commit);
	free(b->mirror);
	free(b->variant_key);
	free(b->target_dir);
	free(b->step);
	free(b->post);
	variant_clear(&b->variant);
	memset(b, 0, sizeof *b);
}

/*
 * Whether build o stands for build b: the same fingerprint (every unit's
 * profile, the toolchain, the post steps), in b's run, or in another
 * unforced run of the project that builds the same commit, or, for a
 * path project, that started after b's run was asked for (in a later
 * second: so it built sources at least as new).
 */
#define STORE_TWIN(o, b) \
	" " o ".fingerprint = " b ".fingerprint AND " o ".id <> " b ".id" \
	" AND (" o ".run_id = " b ".run_id OR EXISTS (SELECT 1 FROM runs ro," \
	" runs rb WHERE ro.id = " o ".run_id AND rb.id = " b ".run_id" \
	" AND ro.project_id = rb.project_id AND rb.force = 0 AND" \
	" (ro.commit_id = rb.commit_id OR (ro.commit_id IS NULL AND" \
	" rb.commit_id IS NULL AND " o ".started_at > rb.created_at))))"

/*
 * Finds the oldest queued build whose target dir is not busy. Returns 1 and
 * fills out, 0 when there is none, -1 on error.
 */
int
store_build_next(struct store *st, int (*busy)(const char *, void *),
    void *arg, struct build_spec *out)
{
	sqlite3_stmt	*stmt;
	const char	*dir, *settings;
	cJSON		*o;
	char		*cause;
	int		 rc, found = 0;

	memset(out, 0, sizeof *out);
	stmt = store_prepare(st, "SELECT b.id, b.run_id, p.path, v.key,"
	    " v.settings, b.target_dir, b.step, b.bootstrap, b.post,"
	    " r.commit_id, p.mirror, c.time, r.lock_hash, r.timeout_s"
	    " FROM builds b"
	    " JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " LEFT JOIN commits c ON c.project_id = r.project_id"
	    " AND c.id = r.commit_id"
	    " WHERE b.state = 'queued' AND r.prepared = 1"
	    " AND NOT (b.fingerprint IS NOT NULL AND EXISTS (SELECT 1"
	    "  FROM builds s WHERE s.state = 'running' AND"
	    STORE_TWIN("s", "b") "))"
	    " ORDER BY b.run_id, b.seq");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		dir = (const char *)sqlite3_column_text(stmt, 5);
		if (busy != NULL && busy(dir, arg))
			continue;
		settings = (const char *)sqlite3_column_text(stmt, 4);
		o = cJSON_Parse(settings);
		if (variant_from_json(&out->variant, o, &cause) != 0) {
			log_warnx("build %lld: %s", (long long)
			    sqlite3_column_int64(stmt, 0), cause);
			free(cause);
			cJSON_Delete(o);
			continue;
		}
		cJSON_Delete(o);
		out->id = sqlite3_column_int64(stmt, 0);
		out->run_id = sqlite3_column_int64(stmt, 1);
		out->project = store_column_dup(stmt, 2);
		out->variant_key = store_column_dup(stmt, 3);
		out->target_dir = store_column_dup(stmt, 5);
		out->step = store_column_dup(stmt, 6);
		out->bootstrap = sqlite3_column_int(stmt, 7);
		out->post = store_column_dup(stmt, 8);
		out->timeout_s = sqlite3_column_int(stmt, 13);
		out->commit = store_column_dup(stmt, 9);
		if (out->commit != NULL) {
			/* At a commit: cargo runs in the target dir's worktree. */
			free(out->project);
			xasprintf(&out->project, "%s/worktree",
			    out->target_dir);
			out->mirror = store_column_dup(stmt, 10);
			out->commit_time = sqlite3_column_int64(stmt, 11);
			out->locked = sqlite3_column_type(stmt, 12) !=
			    SQLITE_NULL;
		}
		found = 1;
		break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("store: %s", sqlite3_errmsg(st->db));
		found = -1;
	}
	sqlite3_finalize(stmt);
	return (found);
}

/* Marks a queued build running, and its run too. */
int
store_build_start(struct store *st, int64_t id)
{
	sqlite3_stmt	*stmt;
	time_t		 now = time(NULL);

	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	stmt = store_prepare(st, "UPDATE builds SET state = 'running',"
	    " started_at = ?2, attempts = attempts + 1, error = NULL,"
	    " exit_code = NULL WHERE id = ?1 AND state = 'queued'");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	if (store_step_done(st, stmt) != 0 || sqlite3_changes(st->db) != 1)
		goto rollback;
	stmt = store_prepare(st, "UPDATE runs SET state = 'running',"
	    " started_at = coalesce(started_at, ?2) WHERE id ="
	    " (SELECT run_id FROM builds WHERE id = ?1) AND state = 'queued'");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	if (store_step_done(st, stmt) != 0 || store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	store_exec(st, "ROLLBACK");
	return (-1);
}

/*
 * Records what a build is about to run: env, cargo args, the toolchain's
 * identity, the log.
 */
int
store_build_prepared(struct store *st, int64_t id, const cJSON *env,
    const cJSON *args, const cJSON *toolchain, const char *log_path)
{
	sqlite3_stmt	*stmt;
	const cJSON	*version;
	char		*e, *a, *t;
	int		 rc;

	e = cJSON_PrintUnformatted(env);
	a = cJSON_PrintUnformatted(args);
	t = cJSON_PrintUnformatted(toolchain);
	version = cJSON_GetObjectItemCaseSensitive(toolchain, "version");
	stmt = store_prepare(st, "UPDATE builds SET env = ?2, cargo_args = ?3,"
	    " rustc_version = ?4, log_path = ?5, toolchain = ?6 WHERE id = ?1"
	    " AND state = 'running'");
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, e);
	store_bind_text(stmt, 3, a);
	store_bind_text(stmt, 4, cJSON_IsString(version) ?
	    version->valuestring : NULL);
	store_bind_text(stmt, 5, log_path);
	store_bind_text(stmt, 6, t);
	rc = store_step_done(st, stmt);
	if (rc == 0 && sqlite3_changes(st->db) != 1)
		rc = -1;
	cJSON_free(e);
	cJSON_free(a);
	cJSON_free(t);
	return (rc);
}

/* Marks a run done once none of its builds is queued or running. */
int
store_run_settle(struct store *st, int64_t build_id)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE runs SET state = 'done',"
	    " finished_at = ?2 WHERE id = (SELECT run_id FROM builds"
	    " WHERE id = ?1) AND state IN ('queued', 'running')"
	    " AND NOT EXISTS (SELECT 1 FROM builds WHERE run_id = runs.id"
	    " AND state IN ('queued', 'running'))");
	sqlite3_bind_int64(stmt, 1, build_id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)time(NULL));
	return (store_step_done(st, stmt));
}

/* Inserts one artifact with its sections and measurements. */
static int
store_artifact_insert(struct store *st, int64_t build_id,
    const struct artifact *a)
{
	sqlite3_stmt	*stmt;
	int64_t		 id;
	size_t		 i;

	stmt = store_prepare(st, "INSERT INTO artifacts (build_id, name, kind,"
	    " path, file_size, kept_path) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	sqlite3_bind_int64(stmt, 1, build_id);
	store_bind_text(stmt, 2, a->name);
	store_bind_text(stmt, 3, a->kind);
	store_bind_text(stmt, 4, a->path);
	sqlite3_bind_int64(stmt, 5, a->file_size);
	store_bind_text(stmt, 6, a->kept_path);
	if (store_step_done(st, stmt) != 0)
		return (-1);
	id = sqlite3_last_insert_rowid(st->db);
	for (i = 0; i < a->nsections; i++) {
		stmt = store_prepare(st, "INSERT INTO sections (artifact_id,"
		    " name, size) VALUES (?1, ?2, ?3)");
		sqlite3_bind_int64(stmt, 1, id);
		store_bind_text(stmt, 2, a->sections[i].name);
		sqlite3_bind_int64(stmt, 3, a->sections[i].value);
		if (store_step_done(st, stmt) != 0)
			return (-1);
	}
	for (i = 0; i < a->nmeasurements; i++) {
		stmt = store_prepare(st, "INSERT INTO measurements (artifact_id,"
		    " name, value) VALUES (?1, ?2, ?3)");
		sqlite3_bind_int64(stmt, 1, id);
		store_bind_text(stmt, 2, a->measurements[i].name);
		sqlite3_bind_int64(stmt, 3, a->measurements[i].value);
		if (store_step_done(st, stmt) != 0)
			return (-1);
	}
	return (0);
}

/*
 * Records the end of a running build and its artifacts in one transaction.
 * A build no longer running (cancelled meanwhile) keeps its state.
 */
int
store_build_finish(struct store *st, int64_t id, const struct build_outcome *o)
{
	sqlite3_stmt	*stmt;
	size_t		 i;

	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	stmt = store_prepare(st, "UPDATE builds SET state = ?2, error = ?3,"
	    " exit_code = ?4, wall_ms = ?5, cpu_ms = ?6, finished_at = ?7,"
	    " notes = ?8 WHERE id = ?1 AND state = 'running'");
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, o->state);
	store_bind_text(stmt, 3, o->error);
	if (o->exit_code >= 0)
		sqlite3_bind_int(stmt, 4, o->exit_code);
	else
		sqlite3_bind_null(stmt, 4);
	if (o->wall_ms >= 0)
		sqlite3_bind_int64(stmt, 5, o->wall_ms);
	else
		sqlite3_bind_null(stmt, 5);
	if (o->cpu_ms >= 0)
		sqlite3_bind_int64(stmt, 6, o->cpu_ms);
	else
		sqlite3_bind_null(stmt, 6);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)time(NULL));
	store_bind_text(stmt, 8, o->notes);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	if (sqlite3_changes(st->db) == 1) {
		for (i = 0; i < o->nartifacts; i++) {
			if (store_artifact_insert(st, id, &o->artifacts[i]) != 0)
				goto rollback;
		}
	}
	if (store_run_settle(st, id) != 0 || store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	log_warnx("store: build %lld: %s", (long long)id,
	    sqlite3_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	return (-1);
}

/* Tells whether a run exists. */
int
store_run_exists(struct store *st, int64_t id)
{
	sqlite3_stmt	*stmt;
	int		 found;

	stmt = store_prepare(st, "SELECT 1 FROM runs WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return (found);
}

/*
 * Cancels a run: its queued and running builds become cancelled. The ids of
 * those that were running are returned so their processes can be killed.
 */
int
store_run_cancel(struct store *st, int64_t id, int64_t **running,
    size_t *nrunning, char **cause)
{
	sqlite3_stmt	*stmt;
	const char	*state;
	time_t		 now = time(NULL);

	*running = NULL;
	*nrunning = 0;
	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		goto fail;
	stmt = store_prepare(st, "SELECT state FROM runs WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		store_exec(st, "ROLLBACK");
		xasprintf(cause, "no run %lld", (long long)id);
		return (-1);
	}
	state = (const char *)sqlite3_column_text(stmt, 0);
	if (strcmp(state, "done") == 0 || strcmp(state, "cancelled") == 0) {
		xasprintf(cause, "run %lld is already %s", (long long)id,
		    state);
		sqlite3_finalize(stmt);
		store_exec(st, "ROLLBACK");
		return (1);
	}
	sqlite3_finalize(stmt);
	stmt = store_prepare(st, "SELECT id FROM builds WHERE run_id = ?1"
	    " AND state = 'running'");
	sqlite3_bind_int64(stmt, 1, id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		*running = xreallocarray(*running, *nrunning + 1,
		    sizeof **running);
		(*running)[(*nrunning)++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	stmt = store_prepare(st, "UPDATE builds SET state = 'cancelled',"
	    " finished_at = ?2, error = 'cancelled by request'"
	    " WHERE run_id = ?1 AND state IN ('queued', 'running')");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	stmt = store_prepare(st, "UPDATE runs SET state = 'cancelled',"
	    " finished_at = ?2 WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	if (store_step_done(st, stmt) != 0 || store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	store_exec(st, "ROLLBACK");
fail:
	free(*running);
	*running = NULL;
	*nrunning = 0;
	xasprintf(cause, "database: %s", sqlite3_errmsg(st->db));
	return (-1);
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
	{ NULL, STORE_TEXT }
};

/* Returns a run's summary object: id, project, matrix, state, counts. */
static cJSON *
store_run_summary(sqlite3_stmt *stmt)
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
	" " STORE_TIME("r.finished_at") ", r.rev, r.commit_id, r.kind" \
	" FROM runs r JOIN projects p ON p.id = r.project_id"

/* Returns the artifacts of a build with sections and measurements. */
static cJSON *
store_build_artifacts(struct store *st, int64_t build_id)
{
	/* The artifact's id comes last, after the columns shown. */
	static const struct store_column columns[] = {
		{ "name", STORE_TEXT }, { "kind", STORE_TEXT },
		{ "path", STORE_TEXT }, { "file_size", STORE_INT },
		{ "kept_path", STORE_TEXT }, { NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*arr, *a;
	int64_t		 aid;

	arr = cJSON_CreateArray();
	stmt = store_prepare(st, "SELECT name, kind, path, file_size,"
	    " kept_path, id FROM artifacts WHERE build_id = ?1"
	    " ORDER BY kind, name");
	sqlite3_bind_int64(stmt, 1, build_id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		aid = sqlite3_column_int64(stmt, 5);
		a = cJSON_CreateObject();
		store_json_row(a, stmt, columns);
		store_json_pairs(st, cJSON_AddObjectToObject(a, "sections"),
		    "SELECT name, size FROM sections WHERE artifact_id = ?1"
		    " ORDER BY size DESC, name", aid);
		store_json_pairs(st, cJSON_AddObjectToObject(a,
		    "measurements"), "SELECT name, value FROM measurements"
		    " WHERE artifact_id = ?1 ORDER BY name", aid);
		cJSON_AddItemToArray(arr, a);
	}
	sqlite3_finalize(stmt);
	return (arr);
}

/* Adds "baseline_key" to a row that has "variant": its release baseline. */
static void
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

/* Returns the results document of a run (INTERFACE.md), or NULL. */
cJSON *
store_run_document(struct store *st, int64_t id)
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
		{ "default_artifact", STORE_TEXT }, { NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*doc, *builds, *b;

	stmt = store_prepare(st, STORE_RUN_COLUMNS " WHERE r.id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return (NULL);
	}
	doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "run", store_run_summary(stmt));
	sqlite3_finalize(stmt);
	stmt = store_prepare(st, "SELECT project_id, commit_id, lock_hash"
	    " FROM runs WHERE id = ?1 AND commit_id IS NOT NULL");
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		cJSON	*c;

		c = store_commit_json(st, sqlite3_column_int64(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1));
		store_json_text(c, "cargo_lock", stmt, 2);
		cJSON_AddItemToObject(doc, "commit", c);
	}
	sqlite3_finalize(stmt);

	builds = cJSON_AddArrayToObject(doc, "builds");
	stmt = store_prepare(st, "SELECT b.id, v.settings, v.key, b.step,"
	    " b.env, b.cargo_args, b.target_dir, b.state, b.error, b.wall_ms,"
	    " b.cpu_ms, b.exit_code, b.rustc_version, b.attempts,"
	    " " STORE_TIME("b.started_at") ", " STORE_TIME("b.finished_at") ","
	    " b.toolchain, b.bootstrap, b.post, b.notes, b.reused_from,"
	    " b.effective, b.project_profile, b.same_as, b.default_artifact"
	    " FROM builds b JOIN variants v ON v.id = b.variant_id"
	    " WHERE b.run_id = ?1 ORDER BY b.seq");
	sqlite3_bind_int64(stmt, 1, id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		b = cJSON_CreateObject();
		store_json_row(b, stmt, columns);
		store_add_baseline(b);
		cJSON_AddItemToObject(b, "artifacts",
		    store_build_artifacts(st, sqlite3_column_int64(stmt, 0)));
		cJSON_AddItemToArray(builds, b);
	}
	sqlite3_finalize(stmt);
	store_run_waiting(st, id, builds);
	return (doc);
}

/* Returns the newest runs, newest first. */
cJSON *
store_runs_list(struct store *st, int limit)
{
	sqlite3_stmt	*stmt;
	cJSON		*a;

	a = cJSON_CreateArray();
	stmt = store_prepare(st, STORE_RUN_COLUMNS " ORDER BY r.id DESC"
	    " LIMIT ?1");
	sqlite3_bind_int(stmt, 1, limit);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		cJSON_AddItemToArray(a, store_run_summary(stmt));
	sqlite3_finalize(stmt);
	return (a);
}

/*
 * Returns the smallest variants recorded for a project, one row per variant
 * and artifact (its current result: for a tracked project, at the newest
 * measured commit on its branch's first-parent line, named in "commit"),
 * smallest first; NULL for an unknown project.
 */
cJSON *
store_best(struct store *st, const char *project, int top)
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
		{ NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*doc, *ranking, *row;
	int64_t		 project_id;

	stmt = store_prepare(st, "SELECT id FROM projects WHERE path = ?1"
	    " OR name = ?1");
	store_bind_text(stmt, 1, project);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return (NULL);
	}
	project_id = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);

	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "project", project);
	ranking = cJSON_AddArrayToObject(doc, "ranking");
	stmt = store_prepare(st, STORE_CURRENT("p.id = ?1")
	    " SELECT v.settings, v.key, a.name, a.kind, a.file_size, b.run_id,"
	    "  b.id, b.rustc_version,"
	    "  (SELECT value FROM measurements m WHERE m.artifact_id = a.id"
	    "   AND m.name = 'loadable_size'),"
	    "  b.toolchain, b.bootstrap, b.env, b.cargo_args, l.commit_id,"
	    "  b.effective, b.project_profile"
	    " FROM current l JOIN builds b ON b.id = l.build_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE l.n = 1 ORDER BY a.file_size, v.key, a.name LIMIT ?2");
	sqlite3_bind_int64(stmt, 1, project_id);
	sqlite3_bind_int(stmt, 2, top);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		row = cJSON_CreateObject();
		store_json_row(row, stmt, columns);
		store_add_baseline(row);
		cJSON_AddItemToArray(ranking, row);
	}
	sqlite3_finalize(stmt);
	return (doc);
}

/* Returns the running and queued builds. */
cJSON *
store_status(struct store *st)
{
	static const struct store_column columns[] = {
		{ "build", STORE_INT }, { "run", STORE_INT },
		{ "project", STORE_TEXT }, { "variant_key", STORE_TEXT },
		{ "step", STORE_TEXT }, { "state", STORE_TEXT },
		{ "started_at", STORE_TEXT }, { "elapsed_s", STORE_INT },
		{ NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*doc, *running, *queued, *b;

	doc = cJSON_CreateObject();
	running = cJSON_AddArrayToObject(doc, "running");
	queued = cJSON_AddArrayToObject(doc, "queued");
	stmt = store_prepare(st, "SELECT b.id, b.run_id,"
	    " coalesce(p.name, p.path), v.key, b.step, b.state, " STORE_TIME("b.started_at") ","
	    " strftime('%s', 'now') - b.started_at"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE b.state IN ('running', 'queued') ORDER BY b.run_id, b.seq");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		b = cJSON_CreateObject();
		store_json_row(b, stmt, columns);
		cJSON_AddItemToArray(strcmp((const char *)
		    sqlite3_column_text(stmt, 5), "running") == 0 ?
		    running : queued, b);
	}
	sqlite3_finalize(stmt);
	return (doc);
}

/*
 * Finds the log file of a build: -1 when there is no such build, 0 with
 * *path NULL when it has not started.
 */
int
store_build_log_path(struct store *st, int64_t id, char **path)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	*path = NULL;
	stmt = store_prepare(st, "SELECT log_path FROM builds WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*path = store_column_dup(stmt, 0);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/*
 * Finds the latest build of a variant in the project of a run, at the same
 * commit when the run was at one: a done one with the artifact's size, or
 * else one queued or running (*pending). Returns 1 and fills the numbers,
 * 0 when there is none, -1 on error.
 */
int
store_variant_result(struct store *st, int64_t run_id, const char *key,
    const char *artifact, const char *kind, int64_t *build, int64_t *size,
    int *pending)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*build = *size = -1;
	*pending = 0;
	stmt = store_prepare(st, "SELECT b.id, a.file_size FROM runs o"
	    " JOIN runs r ON r.project_id = o.project_id"
	    " AND r.commit_id IS o.commit_id"
	    " JOIN builds b ON b.run_id = r.id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " WHERE o.id = ?1 AND v.key = ?2 AND b.state = 'done'"
	    " AND a.name = ?3 AND a.kind = ?4 ORDER BY b.id DESC LIMIT 1");
	sqlite3_bind_int64(stmt, 1, run_id);
	store_bind_text(stmt, 2, key);
	store_bind_text(stmt, 3, artifact);
	store_bind_text(stmt, 4, kind);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*build = sqlite3_column_int64(stmt, 0);
		*size = sqlite3_column_int64(stmt, 1);
		sqlite3_finalize(stmt);
		return (1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return (-1);
	stmt = store_prepare(st, "SELECT b.id FROM runs o"
	    " JOIN runs r ON r.project_id = o.project_id"
	    " AND (r.commit_id IS o.commit_id OR (r.prepared = 0"
	    " AND r.rev = o.commit_id))"
	    " JOIN builds b ON b.run_id = r.id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE o.id = ?1 AND v.key = ?2"
	    " AND b.state IN ('queued', 'running') ORDER BY b.id DESC LIMIT 1");
	sqlite3_bind_int64(stmt, 1, run_id);
	store_bind_text(stmt, 2, key);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*build = sqlite3_column_int64(stmt, 0);
		*pending = 1;
	}
	sqlite3_finalize(stmt);
	return (rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1);
}

/*
 * Returns one build: id, run, project, variant, state and its artifacts
 * with sections; NULL for an unknown id.
 */
cJSON *
store_build_document(struct store *st, int64_t id)
{
	static const struct store_column columns[] = {
		{ "id", STORE_INT }, { "run", STORE_INT },
		{ "project", STORE_TEXT }, { "variant", STORE_JSON },
		{ "variant_key", STORE_TEXT }, { "state", STORE_TEXT },
		{ "toolchain", STORE_JSON }, { "bootstrap", STORE_BOOL },
		{ "commit", STORE_TEXT }, { NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*b = NULL;

	stmt = store_prepare(st, "SELECT b.id, b.run_id,"
	    " coalesce(p.name, p.path), v.settings, v.key, b.state,"
	    " b.toolchain, b.bootstrap, r.commit_id FROM builds b"
	    " JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id WHERE b.id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		b = cJSON_CreateObject();
		store_json_row(b, stmt, columns);
		cJSON_AddItemToObject(b, "artifacts",
		    store_build_artifacts(st, id));
	}
	sqlite3_finalize(stmt);
	return (b);
}

/*
 * Forgets the kept copies of a build's artifacts beyond the newest keep of
 * its project, variant, artifact name and kind, and adds their paths to
 * paths for the caller to delete. One transaction.
 */
int
store_prune_kept(struct store *st, int64_t build_id, int keep,
    struct strlist *paths)
{
	sqlite3_stmt	*stmt;
	int64_t		*ids;
	size_t		 n, i;
	int		 rc;

	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	stmt = store_prepare(st, "WITH mine AS ("
	    " SELECT r.project_id, b.variant_id, a.name, a.kind"
	    " FROM artifacts a JOIN builds b ON b.id = a.build_id"
	    " JOIN runs r ON r.id = b.run_id WHERE b.id = ?1),"
	    " ranked AS ("
	    " SELECT a.id, a.kept_path, row_number() OVER (PARTITION BY"
	    "  a.name, a.kind ORDER BY b.id DESC) AS n"
	    " FROM artifacts a JOIN builds b ON b.id = a.build_id"
	    " JOIN runs r ON r.id = b.run_id JOIN mine m"
	    " ON m.project_id = r.project_id AND m.variant_id = b.variant_id"
	    " AND m.name = a.name AND m.kind = a.kind"
	    " WHERE a.kept_path IS NOT NULL)"
	    " SELECT id, kept_path FROM ranked WHERE n > ?2");
	sqlite3_bind_int64(stmt, 1, build_id);
	sqlite3_bind_int(stmt, 2, keep);
	ids = NULL;
	n = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		strlist_add(paths, (const char *)sqlite3_column_text(stmt, 1));
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	/* Updated once the query is done with the rows it reads. */
	for (i = 0; i < n && rc == SQLITE_DONE; i++) {
		stmt = store_prepare(st, "UPDATE artifacts SET kept_path = NULL"
		    " WHERE id = ?1");
		sqlite3_bind_int64(stmt, 1, ids[i]);
		if (store_step_done(st, stmt) != 0)
			rc = SQLITE_ERROR;
	}
	free(ids);
	if (rc != SQLITE_DONE || store_exec(st, "COMMIT") != 0) {
		store_exec(st, "ROLLBACK");
		strlist_free(paths);
		return (-1);
	}
	return (0);
}

/*
 * Finds when a target dir was last used by a build: its latest finish,
 * start or queueing. Returns 1 with the time, 0 when no build used it.
 */
int
store_target_dir_used(struct store *st, const char *dir, int64_t *when)
{
	sqlite3_stmt	*stmt;
	int		 found = 0;

	stmt = store_prepare(st, "SELECT max(coalesce(finished_at, started_at,"
	    " queued_at)) FROM builds WHERE target_dir = ?1");
	store_bind_text(stmt, 1, dir);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		*when = sqlite3_column_int64(stmt, 0);
		found = 1;
	}
	sqlite3_finalize(stmt);
	return (found);
}

/* Tells whether a queued or running build will use a target dir. */
int
store_target_dir_queued(struct store *st, const char *dir)
{
	sqlite3_stmt	*stmt;
	int		 found;

	stmt = store_prepare(st, "SELECT 1 FROM builds WHERE target_dir = ?1"
	    " AND state IN ('queued', 'running') LIMIT 1");
	store_bind_text(stmt, 1, dir);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return (found);
}

/*
 * Tracked projects: a name, a git source and what to build there.
 */

#define STORE_PROJECT_COLUMNS "SELECT id, name, path, source, branch," \
	" matrix, toolchain, schedule, threshold, webhooks, mirror, head," \
	" next_tick, problem, package FROM projects"

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
	memset(p, 0, sizeof *p);
}

/* Reads a row of STORE_PROJECT_COLUMNS. */
static void
store_project_read(sqlite3_stmt *stmt, struct tracked_project *p)
{
	const char	*hooks;

	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(stmt, 0);
	p->name = store_column_dup(stmt, 1);
	p->path = store_column_dup(stmt, 2);
	p->source = store_column_dup(stmt, 3);
	p->branch = store_column_dup(stmt, 4);
	p->matrix = store_column_dup(stmt, 5);
	p->toolchain = store_column_dup(stmt, 6);
	p->schedule = store_column_dup(stmt, 7);
	p->threshold = store_column_dup(stmt, 8);
	hooks = (const char *)sqlite3_column_text(stmt, 9);
	p->webhooks = hooks != NULL ? cJSON_Parse(hooks) : NULL;
	if (p->webhooks == NULL)
		p->webhooks = cJSON_CreateArray();
	p->mirror = store_column_dup(stmt, 10);
	p->head = store_column_dup(stmt, 11);
	p->next_tick = sqlite3_column_int64(stmt, 12);
	p->problem = store_column_dup(stmt, 13);
	p->package = store_column_dup(stmt, 14);
}

/* Runs a project query with one parameter; 1 found, 0 not, -1 error. */
static int
store_project_query(struct store *st, const char *where, const char *text,
    int64_t id, struct tracked_project *p)
{
	sqlite3_stmt	*stmt;
	char		*sql;
	int		 rc;

	xasprintf(&sql, "%s %s", STORE_PROJECT_COLUMNS, where);
	stmt = store_prepare(st, sql);
	free(sql);
	if (text != NULL)
		store_bind_text(stmt, 1, text);
	else
		sqlite3_bind_int64(stmt, 1, id);
	memset(p, 0, sizeof *p);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		store_project_read(stmt, p);
	sqlite3_finalize(stmt);
	return (rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1);
}

/* Finds a tracked project by name. */
int
store_project_find(struct store *st, const char *name,
    struct tracked_project *p)
{
	return (store_project_query(st, "WHERE name = ?1", name, 0, p));
}

/* Finds a project by id (tracked or removed since). */
int
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
	sqlite3_stmt	*stmt;
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
	    " next_tick = CASE WHEN ?5 IS NULL THEN next_tick END,"
	    " head = CASE WHEN ?2 IS NULL THEN head END,"
	    " problem = CASE WHEN ?2 IS NULL THEN problem END"
	    " WHERE id = ?1 AND name IS NOT NULL");
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, p->branch);
	store_bind_text(stmt, 3, p->matrix);
	store_bind_text(stmt, 4, p->toolchain);
	store_bind_text(stmt, 5, p->schedule);
	store_bind_text(stmt, 6, p->threshold);
	store_bind_text(stmt, 7, hooks);
	rc = store_step_done(st, stmt);
	cJSON_free(hooks);
	return (rc);
}

/*
 * Adds a tracked project; its path is "tracked:NAME" and the id is set.
 * Fails when the name is taken.
 */
int
store_project_add(struct store *st, struct tracked_project *p, char **cause)
{
	sqlite3_stmt	*stmt;
	char		*hooks;

	free(p->path);
	xasprintf(&p->path, "tracked:%s", p->name);
	hooks = cJSON_PrintUnformatted(p->webhooks);
	stmt = store_prepare(st, "INSERT INTO projects (path, created_at,"
	    " name, source, branch, matrix, toolchain, schedule, threshold,"
	    " webhooks, mirror, next_tick) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	    " ?7, ?8, ?9, ?10, ?11, ?12)");
	store_bind_text(stmt, 1, p->path);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)time(NULL));
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
		sqlite3_bind_int64(stmt, 12, p->next_tick);
	else
		sqlite3_bind_null(stmt, 12);
	cJSON_free(hooks);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			xasprintf(cause, "a project named \"%s\" exists "
			    "already ('sizemat project remove %s' first)",
			    p->name, p->name);
		else
			xasprintf(cause, "database: %s",
			    sqlite3_errmsg(st->db));
		sqlite3_finalize(stmt);
		return (-1);
	}
	sqlite3_finalize(stmt);
	p->id = sqlite3_last_insert_rowid(st->db);
	return (0);
}

/* Finds a project whose source is still to be cloned: 1 with its id. */
int
store_setup_next(struct store *st, int64_t *id)
{
	sqlite3_stmt	*stmt;
	int		 found = 0;

	stmt = store_prepare(st, "SELECT id FROM projects WHERE name IS NOT"
	    " NULL AND head IS NULL AND problem IS NULL ORDER BY id LIMIT 1");
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		found = 1;
	}
	sqlite3_finalize(stmt);
	return (found);
}

/*
 * Records the outcome of cloning a project's source: its branch and that
 * branch's head, or the problem.
 */
int
store_project_ready(struct store *st, int64_t id, const char *branch,
    const char *head, const char *problem)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE projects SET branch = coalesce(?2,"
	    " branch), head = ?3, problem = ?4 WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, branch);
	store_bind_text(stmt, 3, head);
	store_bind_text(stmt, 4, problem);
	return (store_step_done(st, stmt));
}

/* Records the package a tracked project builds by default, or NULL. */
int
store_project_package(struct store *st, int64_t id, const char *package)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE projects SET package = ?2"
	    " WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
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
		{ NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
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
	    " AND state IS NOT 'withdrawn'),"
	    " (SELECT " STORE_TIME("max(created_at)") " FROM runs"
	    "  WHERE project_id = p.id), p.problem,"
	    " CASE WHEN p.problem IS NOT NULL THEN 'error' WHEN p.head IS NULL"
	    " THEN 'cloning' ELSE 'ready' END"
	    " FROM projects p WHERE p.name IS NOT NULL AND (?1 IS NULL"
	    " OR p.name = ?1) ORDER BY p.name");
	store_bind_text(stmt, 1, name);
	a = store_json_rows(stmt, columns);
	return (a);
}

/*
 * Stops tracking a project: its name is freed for another, its schedule
 * and bisections stop; its runs and history stay. Returns 1, or 0 for
 * none.
 */
int
store_project_remove(struct store *st, const char *name)
{
	sqlite3_stmt	*stmt;

	int		 changed;

	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	stmt = store_prepare(st, "UPDATE bisections SET state = 'failed',"
	    " message = 'the project was removed', finished_at = ?2"
	    " WHERE state IN ('preparing', 'running') AND project_id ="
	    " (SELECT id FROM projects WHERE name = ?1)");
	store_bind_text(stmt, 1, name);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)time(NULL));
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	stmt = store_prepare(st, "UPDATE projects SET name = NULL, schedule ="
	    " NULL, next_tick = NULL, path = 'removed:' || id || ':' || path"
	    " WHERE name = ?1");
	store_bind_text(stmt, 1, name);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	changed = sqlite3_changes(st->db);
	if (store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (changed > 0);
rollback:
	store_exec(st, "ROLLBACK");
	return (-1);
}

/* Lists the ids of a project's runs that are not over yet. */
int
store_project_active_runs(struct store *st, int64_t project_id, int64_t **ids,
    size_t *n)
{
	sqlite3_stmt	*stmt;

	*ids = NULL;
	*n = 0;
	stmt = store_prepare(st, "SELECT id FROM runs WHERE project_id = ?1"
	    " AND state IN ('queued', 'running') ORDER BY id");
	sqlite3_bind_int64(stmt, 1, project_id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return (0);
}

/* Records a project's next scheduled tick. */
int
store_project_set_tick(struct store *st, int64_t id, int64_t when)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE projects SET next_tick = ?2"
	    " WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, when);
	return (store_step_done(st, stmt));
}

/* Lists the ids of tracked projects, or only those with a schedule. */
int
store_project_ids(struct store *st, int scheduled, int64_t **ids, size_t *n)
{
	sqlite3_stmt	*stmt;

	*ids = NULL;
	*n = 0;
	stmt = store_prepare(st, "SELECT id FROM projects WHERE name IS NOT"
	    " NULL AND (?1 = 0 OR schedule IS NOT NULL) ORDER BY id");
	sqlite3_bind_int(stmt, 1, scheduled);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return (0);
}

/*
 * Finds the oldest run waiting for its revision to be resolved. Returns 1
 * with its id, project and revision, 0 when there is none.
 */
int
store_prep_next(struct store *st, int64_t *run_id, int64_t *project_id,
    char **rev)
{
	sqlite3_stmt	*stmt;
	int		 found = 0;

	stmt = store_prepare(st, "SELECT id, project_id, rev FROM runs"
	    " WHERE prepared = 0 AND state IN ('queued', 'running')"
	    " ORDER BY id LIMIT 1");
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*run_id = sqlite3_column_int64(stmt, 0);
		*project_id = sqlite3_column_int64(stmt, 1);
		*rev = store_column_dup(stmt, 2);
		found = 1;
	}
	sqlite3_finalize(stmt);
	return (found);
}

/* Remembers commits (id, first parent, time, author, subject). */
int
store_commits_add(struct store *st, int64_t project_id,
    const struct git_commit *c, size_t n)
{
	sqlite3_stmt	*stmt;
	size_t		 i;

	stmt = store_prepare(st, "INSERT OR IGNORE INTO commits (project_id,"
	    " id, parent, time, author, subject) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?6)");
	for (i = 0; i < n; i++) {
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, project_id);
		store_bind_text(stmt, 2, c[i].id);
		store_bind_text(stmt, 3, c[i].parent);
		sqlite3_bind_int64(stmt, 4, c[i].time);
		store_bind_text(stmt, 5, c[i].author);
		store_bind_text(stmt, 6, c[i].subject);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			log_warnx("store: %s", sqlite3_errmsg(st->db));
			sqlite3_finalize(stmt);
			return (-1);
		}
	}
	sqlite3_finalize(stmt);
	return (0);
}

/* Copies the artifacts of build from, with their sections and measurements, to build id. */
static int
store_artifacts_copy(struct store *st, int64_t id, int64_t from)
{
	sqlite3_stmt	*stmt, *arts;
	int64_t		 aid, nid;

	arts = store_prepare(st, "SELECT id FROM artifacts WHERE build_id = ?1");
	sqlite3_bind_int64(arts, 1, from);
	while (sqlite3_step(arts) == SQLITE_ROW) {
		aid = sqlite3_column_int64(arts, 0);
		stmt = store_prepare(st, "INSERT INTO artifacts (build_id, name,"
		    " kind, path, file_size, kept_path) SELECT ?1, name, kind,"
		    " path, file_size, kept_path FROM artifacts WHERE id = ?2");
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, aid);
		if (store_step_done(st, stmt) != 0)
			goto fail;
		nid = sqlite3_last_insert_rowid(st->db);
		stmt = store_prepare(st, "INSERT INTO sections (artifact_id,"
		    " name, size) SELECT ?1, name, size FROM sections"
		    " WHERE artifact_id = ?2");
		sqlite3_bind_int64(stmt, 1, nid);
		sqlite3_bind_int64(stmt, 2, aid);
		if (store_step_done(st, stmt) != 0)
			goto fail;
		stmt = store_prepare(st, "INSERT INTO measurements (artifact_id,"
		    " name, value) SELECT ?1, name, value FROM measurements"
		    " WHERE artifact_id = ?2");
		sqlite3_bind_int64(stmt, 1, nid);
		sqlite3_bind_int64(stmt, 2, aid);
		if (store_step_done(st, stmt) != 0)
			goto fail;
	}
	sqlite3_finalize(arts);
	return (0);
fail:
	sqlite3_finalize(arts);
	return (-1);
}

/* Copies a done build's result into a queued one, which becomes done. */
static int
store_build_reuse(struct store *st, int64_t id, int64_t from)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE builds SET (state, env, cargo_args,"
	    " rustc_version, log_path, exit_code, wall_ms, cpu_ms, toolchain,"
	    " notes, effective, project_profile, fingerprint,"
	    " default_artifact, started_at, finished_at, reused_from) ="
	    " (SELECT 'done', env, cargo_args, rustc_version, log_path,"
	    " exit_code, wall_ms, cpu_ms, toolchain, notes, effective,"
	    " project_profile, fingerprint, default_artifact, ?3, ?3,"
	    " coalesce(reused_from, id) FROM builds WHERE id = ?2)"
	    " WHERE id = ?1 AND state = 'queued'");
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, from);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)time(NULL));
	if (store_step_done(st, stmt) != 0 ||
	    store_artifacts_copy(st, id, from) != 0)
		return (-1);
	return (store_run_settle(st, id));
}

/*
 * Records what a running build's unit graph said. When a done build of the
 * same run has the same fingerprint, the build becomes a copy of its
 * result (same_as) without being built; when a running one has, the build
 * is queued again behind it. Returns 0 (build it), BUILDER_SAME,
 * BUILDER_WAIT, or -1.
 */
int
store_build_units(struct store *st, int64_t id, const struct build_units *u)
{
	sqlite3_stmt	*stmt;
	char		*effective, *project;
	int64_t		 from = 0;
	int		 rc = 0, done = 0;

	effective = u->effective ? cJSON_PrintUnformatted(u->effective) : NULL;
	project = u->project ? cJSON_PrintUnformatted(u->project) : NULL;
	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		goto out;
	stmt = store_prepare(st, "UPDATE builds SET effective = ?2,"
	    " project_profile = ?3, fingerprint = ?4, default_artifact = ?5"
	    " WHERE id = ?1 AND state = 'running'");
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, effective);
	store_bind_text(stmt, 3, project);
	store_bind_text(stmt, 4, u->fingerprint);
	store_bind_text(stmt, 5, u->default_artifact);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	if (sqlite3_changes(st->db) == 1 && u->fingerprint != NULL) {
		stmt = store_prepare(st, "SELECT o.id, o.state = 'done'"
		    " FROM builds o JOIN builds b ON b.id = ?1"
		    " WHERE o.state IN ('done', 'running') AND "
		    STORE_TWIN("o", "b") " ORDER BY o.run_id = b.run_id DESC,"
		    " o.state = 'done' DESC, o.id LIMIT 1");
		sqlite3_bind_int64(stmt, 1, id);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			from = sqlite3_column_int64(stmt, 0);
			done = sqlite3_column_int(stmt, 1);
		}
		sqlite3_finalize(stmt);
	}
	if (from != 0 && done) {
		stmt = store_prepare(st, "UPDATE builds SET (state, exit_code,"
		    " notes, finished_at, same_as) = (SELECT 'done', exit_code,"
		    " notes, ?3, coalesce(same_as, id) FROM builds"
		    " WHERE id = ?2) WHERE id = ?1");
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, from);
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)time(NULL));
		if (store_step_done(st, stmt) != 0 ||
		    store_artifacts_copy(st, id, from) != 0 ||
		    store_run_settle(st, id) != 0)
			goto rollback;
		rc = BUILDER_SAME;
	} else if (from != 0) {
		stmt = store_prepare(st, "UPDATE builds SET state = 'queued',"
		    " started_at = NULL, attempts = attempts - 1 WHERE id = ?1");
		sqlite3_bind_int64(stmt, 1, id);
		if (store_step_done(st, stmt) != 0)
			goto rollback;
		rc = BUILDER_WAIT;
	}
	if (store_exec(st, "COMMIT") == 0)
		goto out;
rollback:
	log_warnx("store: build %lld: %s", (long long)id,
	    sqlite3_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	rc = -1;
out:
	cJSON_free(effective);
	cJSON_free(project);
	return (rc);
}

/*
 * Records what git found for a run: its commit (and the commits around
 * it), then lets its builds go. Unless the run is forced, a build whose
 * variant already has a done result at that commit with the same rustc
 * (version names the toolchain's current one) reuses it.
 */
int
store_run_prepared(struct store *st, int64_t run_id,
    const struct run_prep *prep, const char *(*version)(const char *, void *),
    void *arg)
{
	sqlite3_stmt	*stmt, *q;
	struct strlist	 versions = { NULL, 0 };
	const char	*tc, *have;
	cJSON		*settings;
	int64_t		 project_id = 0, from, *ids = NULL;
	size_t		 i, n = 0;
	int		 force = 0;

	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	stmt = store_prepare(st, "SELECT project_id, force FROM runs"
	    " WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, run_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		project_id = sqlite3_column_int64(stmt, 0);
		force = sqlite3_column_int(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (project_id == 0 ||
	    store_commits_add(st, project_id, prep->commits,
	    prep->ncommits) != 0)
		goto rollback;
	if (prep->head != NULL) {
		stmt = store_prepare(st, "UPDATE projects SET head = ?2"
		    " WHERE id = ?1");
		sqlite3_bind_int64(stmt, 1, project_id);
		store_bind_text(stmt, 2, prep->head);
		if (store_step_done(st, stmt) != 0)
			goto rollback;
	}
	stmt = store_prepare(st, "UPDATE runs SET commit_id = ?2, lock_hash ="
	    " ?3, on_branch = ?4, prepared = 1 WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, run_id);
	store_bind_text(stmt, 2, prep->commit);
	store_bind_text(stmt, 3, prep->lock_hash);
	sqlite3_bind_int(stmt, 4, prep->on_branch);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	/* The queued builds and their toolchains, before any changes. */
	q = store_prepare(st, "SELECT b.id, v.settings FROM builds b"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE b.run_id = ?1 AND b.state = 'queued' ORDER BY b.seq");
	sqlite3_bind_int64(q, 1, run_id);
	while (!force && sqlite3_step(q) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n] = sqlite3_column_int64(q, 0);
		settings = cJSON_Parse((const char *)sqlite3_column_text(q, 1));
		tc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    settings, "toolchain"));
		have = version(tc != NULL ? tc : "default", arg);
		strlist_add(&versions, have != NULL ? have : "");
		cJSON_Delete(settings);
		n++;
	}
	sqlite3_finalize(q);
	for (i = 0; i < n; i++) {
		if (*versions.v[i] == '\0')
			continue;
		stmt = store_prepare(st, "SELECT o.id FROM builds o"
		    " JOIN runs r ON r.id = o.run_id JOIN builds b ON b.id = ?1"
		    " WHERE r.project_id = ?2 AND r.commit_id = ?3"
		    " AND o.variant_id = b.variant_id AND o.state = 'done'"
		    " AND o.rustc_version = ?4 ORDER BY o.id DESC LIMIT 1");
		sqlite3_bind_int64(stmt, 1, ids[i]);
		sqlite3_bind_int64(stmt, 2, project_id);
		store_bind_text(stmt, 3, prep->commit);
		store_bind_text(stmt, 4, versions.v[i]);
		from = sqlite3_step(stmt) == SQLITE_ROW ?
		    sqlite3_column_int64(stmt, 0) : 0;
		sqlite3_finalize(stmt);
		if (from != 0 && store_build_reuse(st, ids[i], from) != 0)
			goto rollback;
	}
	if (store_exec(st, "COMMIT") != 0)
		goto rollback;
	free(ids);
	strlist_free(&versions);
	return (0);
rollback:
	log_warnx("store: run %lld: %s", (long long)run_id,
	    sqlite3_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	free(ids);
	strlist_free(&versions);
	return (-1);
}

/*
 * Ends a run whose revision could not be resolved: its builds become
 * unavailable with the reason.
 */
int
store_run_prep_failed(struct store *st, int64_t run_id, const char *why)
{
	sqlite3_stmt	*stmt;
	time_t		 now = time(NULL);

	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	stmt = store_prepare(st, "UPDATE builds SET state = 'unavailable',"
	    " error = ?2, finished_at = ?3 WHERE run_id = ?1"
	    " AND state = 'queued'");
	sqlite3_bind_int64(stmt, 1, run_id);
	store_bind_text(stmt, 2, why);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)now);
	if (store_step_done(st, stmt) != 0)
		goto rollback;
	stmt = store_prepare(st, "UPDATE runs SET prepared = 1, state ="
	    " 'done', finished_at = ?2 WHERE id = ?1 AND state IN"
	    " ('queued', 'running')");
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)now);
	if (store_step_done(st, stmt) != 0 || store_exec(st, "COMMIT") != 0)
		goto rollback;
	return (0);
rollback:
	store_exec(st, "ROLLBACK");
	return (-1);
}

/* Runs a query on (project, commit); tells whether it has a row. */
int
store_commit_exists(struct store *st, const char *sql, int64_t project_id,
    const char *commit)
{
	sqlite3_stmt	*stmt;
	int		 found;

	stmt = store_prepare(st, sql);
	sqlite3_bind_int64(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return (found);
}

/* Tells whether a project has a run (not a bisection's) at a commit. */
int
store_commit_has_run(struct store *st, int64_t project_id, const char *commit)
{
	return (store_commit_exists(st, "SELECT 1 FROM runs WHERE project_id"
	    " = ?1 AND (commit_id = ?2 OR (prepared = 0 AND rev = ?2))"
	    " AND kind IN ('run', 'schedule', 'check')", project_id, commit));
}

/*
 * Finds the tracked project a build belongs to: 1 with its id, 0 when the
 * build's project is given by path.
 */
int
store_build_project(struct store *st, int64_t build_id, int64_t *project_id)
{
	sqlite3_stmt	*stmt;
	int		 found = 0;

	stmt = store_prepare(st, "SELECT r.project_id, r.bisection_id"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " WHERE b.id = ?1 AND r.commit_id IS NOT NULL");
	sqlite3_bind_int64(stmt, 1, build_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*project_id = sqlite3_column_int64(stmt, 0);
		found = 1;
	}
	sqlite3_finalize(stmt);
	return (found);
}

/*
 * The first-parent line before a commit, nearest first: (id, depth). Bind
 * ?1 the project, ?2 the commit.
 */
/* Tells whether builds at a commit are still queued or running. */
int
store_commit_pending(struct store *st, int64_t project_id, const char *commit)
{
	return (store_commit_exists(st, "SELECT 1 FROM builds b JOIN runs r"
	    " ON r.id = b.run_id WHERE r.project_id = ?1 AND (r.commit_id = ?2"
	    " OR (r.prepared = 0 AND r.rev = ?2)) AND b.state IN ('queued',"
	    " 'running') LIMIT 1", project_id, commit));
}

/* Queues one webhook delivery for a commit (once per commit and URL). */
int
store_delivery_add(struct store *st, int64_t project_id, const char *commit,
    const char *url, const char *body)
{
	sqlite3_stmt	*stmt;
	time_t		 now = time(NULL);

	stmt = store_prepare(st, "INSERT OR IGNORE INTO deliveries (project_id,"
	    " commit_id, url, body, state, next_at, created_at) VALUES (?1,"
	    " ?2, ?3, ?4, 'pending', ?5, ?5)");
	sqlite3_bind_int64(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	store_bind_text(stmt, 3, url);
	store_bind_text(stmt, 4, body);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)now);
	return (store_step_done(st, stmt));
}

/*
 * Finds a pending delivery due at or before now, after *id. Returns 1
 * with its id, URL, body and attempts so far, 0 when none is due.
 */
int
store_delivery_due(struct store *st, int64_t now, int64_t *id, char **url,
    char **body, int *attempts)
{
	sqlite3_stmt	*stmt;
	int		 found = 0;

	stmt = store_prepare(st, "SELECT id, url, body, attempts FROM"
	    " deliveries WHERE state = 'pending' AND next_at <= ?1 AND"
	    " id > ?2 ORDER BY id LIMIT 1");
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, *id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		*url = store_column_dup(stmt, 1);
		*body = store_column_dup(stmt, 2);
		*attempts = sqlite3_column_int(stmt, 3);
		found = 1;
	}
	sqlite3_finalize(stmt);
	return (found);
}

/*
 * Records an attempt: delivered (next_at 0), or pending again at next_at,
 * or failed for good (next_at -1).
 */
int
store_delivery_result(struct store *st, int64_t id, int status,
    const char *error, int64_t next_at)
{
	sqlite3_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE deliveries SET attempts = attempts +"
	    " 1, status = ?2, error = ?3, state = CASE WHEN ?4 = 0 THEN"
	    " 'delivered' WHEN ?4 < 0 THEN 'failed' ELSE 'pending' END,"
	    " next_at = CASE WHEN ?4 > 0 THEN ?4 ELSE next_at END,"
	    " delivered_at = CASE WHEN ?4 = 0 THEN ?5 END WHERE id = ?1");
	sqlite3_bind_int64(stmt, 1, id);
	if (status > 0)
		sqlite3_bind_int(stmt, 2, status);
	else
		sqlite3_bind_null(stmt, 2);
	store_bind_text(stmt, 3, error);
	sqlite3_bind_int64(stmt, 4, next_at);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)time(NULL));
	return (store_step_done(st, stmt));
}

/* Returns when the next pending delivery is due, or 0 when none is. */
int64_t
store_delivery_next_at(struct store *st)
{
	sqlite3_stmt	*stmt;
	int64_t		 when = 0;

	stmt = store_prepare(st, "SELECT min(next_at) FROM deliveries"
	    " WHERE state = 'pending'");
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		when = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return (when);
}

/* Lists a project's webhook deliveries, newest first. */
cJSON *
store_deliveries(struct store *st, int64_t project_id)
{
	static const struct store_column columns[] = {
		{ "id", STORE_INT }, { "commit", STORE_TEXT },
		{ "url", STORE_TEXT }, { "state", STORE_TEXT },
		{ "attempts", STORE_INT }, { "status", STORE_INT },
		{ "error", STORE_TEXT }, { "created_at", STORE_TEXT },
		{ "delivered_at", STORE_TEXT }, { "body", STORE_JSON },
		{ NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*a;

	stmt = store_prepare(st, "SELECT id, commit_id, url, state, attempts,"
	    " status, error, " STORE_TIME("created_at") ","
	    " " STORE_TIME("delivered_at") ", body FROM deliveries"
	    " WHERE project_id = ?1 ORDER BY id DESC");
	sqlite3_bind_int64(stmt, 1, project_id);
	a = store_json_rows(stmt, columns);
	return (a);
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
	sqlite3_stmt	*stmt;
	cJSON		*a;

	/* Ladder step names in one pass, not one per variant. */
	stmt = store_prepare(st, "WITH steps(variant_id, step) AS (SELECT"
	    " b.variant_id, max(b.step) FROM runs r JOIN builds b"
	    " ON b.run_id = r.id WHERE r.project_id = ?1 AND b.step IS NOT"
	    " NULL GROUP BY b.variant_id)"
	    " SELECT v.key, v.settings, steps.step, a.name, a.kind,"
	    " a.file_size, r.commit_id, b.id, b.default_artifact FROM builds b"
	    " JOIN runs r ON r.id = b.run_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " LEFT JOIN steps ON steps.variant_id = v.id"
	    " WHERE b.id IN (SELECT max(b2.id) FROM builds b2 JOIN runs r2"
	    " ON r2.id = b2.run_id WHERE r2.project_id = ?1"
	    " AND b2.state = 'done' GROUP BY b2.variant_id)"
	    " ORDER BY a.file_size, v.key, a.name");
	sqlite3_bind_int64(stmt, 1, project_id);
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
	sqlite3_stmt	*stmt;
	cJSON		*o;

	o = cJSON_CreateObject();
	stmt = store_prepare(st, "SELECT id, parent, " STORE_TIME("time") ","
	    " author, subject FROM commits WHERE project_id = ?1 AND id = ?2");
	sqlite3_bind_int64(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		store_json_row(o, stmt, columns);
	else
		cJSON_AddStringToObject(o, "id", commit);
	sqlite3_finalize(stmt);
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
	sqlite3_stmt	*stmt;
	char		*found = NULL;
	int		 n = 0;

	stmt = store_prepare(st, "SELECT commit_id FROM runs WHERE project_id"
	    " = ?1 AND rev = ?2 AND commit_id IS NOT NULL ORDER BY id DESC"
	    " LIMIT 1");
	sqlite3_bind_int64(stmt, 1, project_id);
	store_bind_text(stmt, 2, rev);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		found = store_column_dup(stmt, 0);
	sqlite3_finalize(stmt);
	if (found != NULL)
		return (found);
	if (strlen(rev) >= 4 && strspn(rev, "0123456789abcdef") ==
	    strlen(rev)) {
		stmt = store_prepare(st, "SELECT id FROM commits WHERE"
		    " project_id = ?1 AND substr(id, 1, length(?2)) = ?2"
		    " LIMIT 2");
		sqlite3_bind_int64(stmt, 1, project_id);
		store_bind_text(stmt, 2, rev);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			if (n++ == 0)
				found = store_column_dup(stmt, 0);
		}
		sqlite3_finalize(stmt);
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
 * (Unix seconds, 0 for all) and last (0 for all) bound it.
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
	sqlite3_stmt	*stmt;
	cJSON		*rows, *o, *prev = NULL, *item;
	int		 n, i;
	double		 v, pv;
	const char	*tv, *ptv;

	stmt = store_prepare(st, "WITH RECURSIVE line(id, depth) AS ("
	    " SELECT coalesce((SELECT head FROM projects WHERE id = ?1),"
	    " (SELECT r.commit_id FROM runs r JOIN commits c ON c.project_id"
	    " = r.project_id AND c.id = r.commit_id WHERE r.project_id = ?1"
	    " ORDER BY c.time DESC LIMIT 1)), 0"
	    " UNION ALL SELECT c.parent, line.depth + 1 FROM commits c"
	    " JOIN line ON c.project_id = ?1 AND c.id = line.id"
	    " WHERE c.parent IS NOT NULL AND line.depth < 1000000),"
	    /*
	     * The latest done build of the variant at each commit of the
	     * line, found from the commit's runs: "+b2.state" keeps SQLite
	     * from scanning every build of the variant per commit (seconds,
	     * not milliseconds, on 1000 commits).
	     */
	    " pick(id, depth, build) AS (SELECT line.id, line.depth,"
	    " (SELECT max(b2.id) FROM runs r2 JOIN builds b2"
	    " ON b2.run_id = r2.id AND b2.variant_id = (SELECT id FROM"
	    " variants WHERE key = ?2) WHERE r2.project_id = ?1"
	    " AND r2.commit_id = line.id AND +b2.state = 'done') FROM line)"
	    " SELECT pick.id, " STORE_TIME("c.time") ", c.author, c.subject,"
	    " b.id, " STORE_METRIC("?4") ", b.rustc_version, b.run_id"
	    " FROM pick JOIN commits c ON c.project_id = ?1 AND c.id = pick.id"
	    " JOIN builds b ON b.id = pick.build"
	    " JOIN artifacts a ON a.build_id = b.id AND a.name = ?3"
	    " WHERE c.time >= ?5 ORDER BY pick.depth LIMIT ?6");
	sqlite3_bind_int64(stmt, 1, project_id);
	store_bind_text(stmt, 2, key);
	store_bind_text(stmt, 3, artifact);
	store_bind_text(stmt, 4, metric);
	sqlite3_bind_int64(stmt, 5, since);
	sqlite3_bind_int(stmt, 6, last > 0 ? last : -1);
	rows = cJSON_CreateArray();
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		store_json_row(o, stmt, columns);
		/* Newest first from the query; the answer is oldest first. */
		cJSON_InsertItemInArray(rows, 0, o);
	}
	sqlite3_finalize(stmt);
	n = cJSON_GetArraySize(rows);
	for (i = 0; i < n; i++) {
		o = cJSON_GetArrayItem(rows, i);
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
			cJSON_AddNumberToObject(o, "percent", pv > 0 ?
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
 * state_b), the artifact rows of a failed build missing.
 */
cJSON *
store_compare(struct store *st, int64_t project_id, const char *a,
    const char *b)
{
	static const struct store_column columns[] = {
		{ "variant_key", STORE_TEXT }, { "variant", STORE_JSON },
		{ "step", STORE_TEXT }, { "state", STORE_TEXT },
		{ "error", STORE_TEXT }, { "artifact", STORE_TEXT },
		{ "kind", STORE_TEXT }, { "base_build", STORE_INT },
		{ "base_size", STORE_INT }, { "build", STORE_INT },
		{ "size", STORE_INT }, { NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*rows;

	stmt = store_prepare(st, "WITH head AS (SELECT max(b.id) AS id"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " WHERE r.project_id = ?1 AND r.commit_id = ?3"
	    " AND b.state NOT IN ('queued', 'running', 'cancelled')"
	    " GROUP BY b.variant_id),"
	    " base AS (SELECT max(b.id) AS id, b.variant_id"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " WHERE r.project_id = ?1 AND r.commit_id = ?2"
	    " AND b.state = 'done' GROUP BY b.variant_id)"
	    " SELECT v.key, v.settings, hb.step, hb.state, hb.error, ha.name,"
	    " ha.kind, base.id, ba.file_size, hb.id, ha.file_size"
	    " FROM head JOIN builds hb ON hb.id = head.id"
	    " JOIN variants v ON v.id = hb.variant_id"
	    " LEFT JOIN artifacts ha ON ha.build_id = hb.id"
	    " LEFT JOIN base ON base.variant_id = hb.variant_id"
	    " LEFT JOIN artifacts ba ON ba.build_id = base.id"
	    " AND ba.name = ha.name AND ba.kind = ha.kind"
	    " ORDER BY v.key, ha.name");
	sqlite3_bind_int64(stmt, 1, project_id);
	store_bind_text(stmt, 2, a);
	store_bind_text(stmt, 3, b);
	rows = store_json_rows(stmt, columns);
	return (rows);
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
	sqlite3_stmt	*stmt;
	cJSON		*doc, *states, *buckets, *o;
	size_t		 i;

	doc = cJSON_CreateObject();
	states = cJSON_AddObjectToObject(doc, "builds");
	stmt = store_prepare(st, "SELECT state, count(*) FROM builds"
	    " GROUP BY state ORDER BY state");
	while (sqlite3_step(stmt) == SQLITE_ROW)
		store_json_int(states, (const char *)sqlite3_column_text(stmt,
		    0), stmt, 1);
	sqlite3_finalize(stmt);

	buckets = cJSON_AddArrayToObject(doc, "duration_buckets");
	for (i = 0; i < nbounds; i++) {
		stmt = store_prepare(st, "SELECT count(*) FROM builds"
		    " WHERE wall_ms IS NOT NULL AND reused_from IS NULL"
		    " AND state = 'done' AND wall_ms <= ?1 * 1000.0");
		sqlite3_bind_double(stmt, 1, bounds[i]);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			cJSON_AddItemToArray(buckets, cJSON_CreateNumber(
			    (double)sqlite3_column_int64(stmt, 0)));
		sqlite3_finalize(stmt);
	}
	stmt = store_prepare(st, "SELECT count(*), coalesce(sum(wall_ms), 0)"
	    " FROM builds WHERE wall_ms IS NOT NULL AND reused_from IS NULL"
	    " AND state = 'done'");
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		store_json_int(doc, "duration_count", stmt, 0);
		store_json_int(doc, "duration_sum_ms", stmt, 1);
	}
	sqlite3_finalize(stmt);


	/* The current size: at a tracked project's branch head line. */
	stmt = store_prepare(st, STORE_CURRENT("1")
	    "SELECT coalesce(p.name, p.path), v.key,"
	    " a.name, a.kind, coalesce(json_extract(b.toolchain, '$.name'),"
	    " 'default'), a.file_size, (SELECT value FROM measurements"
	    " WHERE artifact_id = a.id AND name = 'loadable_size')"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " WHERE p.path NOT LIKE 'removed:%' AND b.id IN (SELECT build_id"
	    " FROM current WHERE n = 1) ORDER BY 1, 2, 3");
	cJSON_AddItemToObject(doc, "sizes", store_json_rows(stmt,
	    size_columns));
	stmt = store_prepare(st, "SELECT count(*) FROM builds b JOIN runs r"
	    " ON r.id = b.run_id WHERE b.state = 'queued' AND r.prepared = 0");
	if (sqlite3_step(stmt) == SQLITE_ROW)
		store_json_int(doc, "waiting_for_git", stmt, 0);
	sqlite3_finalize(stmt);
	o = cJSON_AddObjectToObject(doc, "deliveries");
	stmt = store_prepare(st, "SELECT state, count(*) FROM deliveries"
	    " GROUP BY state");
	while (sqlite3_step(stmt) == SQLITE_ROW)
		store_json_int(o, (const char *)sqlite3_column_text(stmt, 0),
		    stmt, 1);
	sqlite3_finalize(stmt);
	o = cJSON_AddObjectToObject(doc, "regressions");
	stmt = store_prepare(st, "SELECT p.name, count(g.id) FROM projects p"
	    " LEFT JOIN regressions g ON g.project_id = p.id"
	    " AND g.state IS NOT 'withdrawn'"
	    " WHERE p.name IS NOT NULL GROUP BY p.id ORDER BY p.name");
	while (sqlite3_step(stmt) == SQLITE_ROW)
		store_json_int(o, (const char *)sqlite3_column_text(stmt, 0),
		    stmt, 1);
	sqlite3_finalize(stmt);
	return (doc);
}

/*
 * A project's whole history, for export: one row per build and artifact
 * (a build with none has one row without), oldest first. NULL for an
 * unknown project (a tracked project's name, or a path).
 */
cJSON *
store_export(struct store *st, const char *project)
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
		{ "measurements", STORE_JSON }, { NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*rows;
	int64_t		 project_id;

	stmt = store_prepare(st, "SELECT id FROM projects WHERE path = ?1"
	    " OR name = ?1");
	store_bind_text(stmt, 1, project);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return (NULL);
	}
	project_id = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	stmt = store_prepare(st, "SELECT r.id, b.id, r.kind, r.commit_id,"
	    " " STORE_TIME("c.time") ", c.subject, v.key, b.step,"
	    " coalesce(json_extract(b.toolchain, '$.name'), 'default'),"
	    " b.rustc_version, b.state, " STORE_TIME("b.finished_at") ","
	    " b.wall_ms, b.cpu_ms, b.reused_from, a.name, a.kind, a.file_size,"
	    " (SELECT json_group_object(name, value) FROM measurements"
	    "  WHERE artifact_id = a.id)"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " LEFT JOIN commits c ON c.project_id = r.project_id"
	    " AND c.id = r.commit_id"
	    " LEFT JOIN artifacts a ON a.build_id = b.id"
	    " WHERE r.project_id = ?1 AND b.state NOT IN ('queued', 'running')"
	    " ORDER BY b.id, a.name");
	sqlite3_bind_int64(stmt, 1, project_id);
	rows = store_json_rows(stmt, columns);
	return (rows);
}
