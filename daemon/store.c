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

extern const char *const store_migrations[];

struct store {
	sqlite3	*db;
	char	*path;
};

#define STORE_TIME(col) \
	"strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

/* Prepares a statement; a failure is a bug in the SQL here, so it is fatal. */
static sqlite3_stmt *
store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fatalx("store: %s: %s", sqlite3_errmsg(st->db), sql);
	return (stmt);
}

/* Runs a statement that returns no rows; returns 0 or -1. */
static int
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
static int
store_exec(struct store *st, const char *sql)
{
	return (store_step_done(st, store_prepare(st, sql)));
}

/* Binds a string, or NULL. */
static void
store_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(stmt, i);
	else
		sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
}

/* Returns a column as a newly allocated string, or NULL. */
static char *
store_column_dup(sqlite3_stmt *stmt, int i)
{
	const unsigned char	*s;

	s = sqlite3_column_text(stmt, i);
	return (s == NULL ? NULL : xstrdup((const char *)s));
}

/* Adds a column to a JSON object as a string, or null. */
static void
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
static void
store_json_int(cJSON *o, const char *name, sqlite3_stmt *stmt, int i)
{
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name,
		    (double)sqlite3_column_int64(stmt, i));
}

/* Adds a column that holds JSON text, parsed, or null. */
static void
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

enum store_kind {
	STORE_TEXT,
	STORE_INT,
	STORE_BOOL,
	STORE_JSON
};

/* One result column: its JSON member name and how to read it. */
struct store_column {
	const char	*name;
	enum store_kind	 kind;
};

/* Adds the columns of the current row to o, in order, as the table says. */
static void
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
static int64_t
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

/* Creates a run and its queued builds in one transaction. */
int
store_run_create(struct store *st, const char *project, const char *matrix,
    const char *shape, const char *source, int64_t parent,
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
	project_id = store_upsert_id(st,
	    "INSERT OR IGNORE INTO projects (path, created_at) VALUES (?1, ?2)",
	    "SELECT id FROM projects WHERE path = ?1", project, NULL);
	if (project_id < 0)
		goto rollback;
	stmt = store_prepare(st, "INSERT INTO runs (project_id, matrix, shape,"
	    " matrix_source, state, created_at, parent_run_id) VALUES (?1, ?2,"
	    " ?3, ?4, 'queued', ?5, ?6)");
	sqlite3_bind_int64(stmt, 1, project_id);
	store_bind_text(stmt, 2, matrix);
	store_bind_text(stmt, 3, shape);
	store_bind_text(stmt, 4, source);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)now);
	if (parent > 0)
		sqlite3_bind_int64(stmt, 6, parent);
	else
		sqlite3_bind_null(stmt, 6);
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
	free(b->variant_key);
	free(b->target_dir);
	free(b->step);
	free(b->post);
	variant_clear(&b->variant);
	memset(b, 0, sizeof *b);
}

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
	    " v.settings, b.target_dir, b.step, b.bootstrap, b.post"
	    " FROM builds b"
	    " JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE b.state = 'queued' ORDER BY b.run_id, b.seq");
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
static int
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
	{ "finished_at", STORE_TEXT }, { NULL, STORE_TEXT }
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
	"SELECT r.id, p.path, r.matrix, r.shape, r.state," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id)," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id AND state = 'done')," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id" \
	"  AND state IN ('failed', 'timeout', 'unavailable'))," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id AND state = 'queued')," \
	" (SELECT count(*) FROM builds WHERE run_id = r.id AND state = 'running')," \
	" " STORE_TIME("r.created_at") ", " STORE_TIME("r.started_at") "," \
	" " STORE_TIME("r.finished_at") \
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
		{ NULL, STORE_TEXT }
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

	builds = cJSON_AddArrayToObject(doc, "builds");
	stmt = store_prepare(st, "SELECT b.id, v.settings, v.key, b.step,"
	    " b.env, b.cargo_args, b.target_dir, b.state, b.error, b.wall_ms,"
	    " b.cpu_ms, b.exit_code, b.rustc_version, b.attempts,"
	    " " STORE_TIME("b.started_at") ", " STORE_TIME("b.finished_at") ","
	    " b.toolchain, b.bootstrap, b.post, b.notes"
	    " FROM builds b JOIN variants v ON v.id = b.variant_id"
	    " WHERE b.run_id = ?1 ORDER BY b.seq");
	sqlite3_bind_int64(stmt, 1, id);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		b = cJSON_CreateObject();
		store_json_row(b, stmt, columns);
		cJSON_AddItemToObject(b, "artifacts",
		    store_build_artifacts(st, sqlite3_column_int64(stmt, 0)));
		cJSON_AddItemToArray(builds, b);
	}
	sqlite3_finalize(stmt);
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
 * and artifact (its latest result), smallest first; NULL for an unknown
 * project.
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
		{ "cargo_args", STORE_JSON }, { NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*doc, *ranking, *row;
	int64_t		 project_id;

	stmt = store_prepare(st, "SELECT id FROM projects WHERE path = ?1");
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
	stmt = store_prepare(st, "WITH latest AS ("
	    " SELECT a.id AS artifact_id, b.id AS build_id,"
	    "  row_number() OVER (PARTITION BY b.variant_id, a.kind, a.name"
	    "   ORDER BY b.id DESC) AS n"
	    " FROM artifacts a JOIN builds b ON b.id = a.build_id"
	    " JOIN runs r ON r.id = b.run_id"
	    " WHERE r.project_id = ?1 AND b.state = 'done')"
	    " SELECT v.settings, v.key, a.name, a.kind, a.file_size, b.run_id,"
	    "  b.id, b.rustc_version,"
	    "  (SELECT value FROM measurements m WHERE m.artifact_id = a.id"
	    "   AND m.name = 'loadable_size'),"
	    "  b.toolchain, b.bootstrap, b.env, b.cargo_args"
	    " FROM latest l JOIN artifacts a ON a.id = l.artifact_id"
	    " JOIN builds b ON b.id = l.build_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE l.n = 1 ORDER BY a.file_size, v.key, a.name LIMIT ?2");
	sqlite3_bind_int64(stmt, 1, project_id);
	sqlite3_bind_int(stmt, 2, top);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		row = cJSON_CreateObject();
		store_json_row(row, stmt, columns);
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
	stmt = store_prepare(st, "SELECT b.id, b.run_id, p.path, v.key,"
	    " b.step, b.state, " STORE_TIME("b.started_at") ","
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
 * Finds the newest build of a project's variant and its artifact (name and
 * kind): a done one with its size, else one still queued or running.
 * Returns 1 and fills the numbers, 0 when there is none, -1 on error.
 */
int
store_variant_result(struct store *st, const char *project, const char *key,
    const char *artifact, const char *kind, int64_t *build, int64_t *size,
    int *pending)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*build = *size = -1;
	*pending = 0;
	stmt = store_prepare(st, "SELECT b.id, a.file_size FROM builds b"
	    " JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " JOIN artifacts a ON a.build_id = b.id"
	    " WHERE p.path = ?1 AND v.key = ?2 AND b.state = 'done'"
	    " AND a.name = ?3 AND a.kind = ?4 ORDER BY b.id DESC LIMIT 1");
	store_bind_text(stmt, 1, project);
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
	stmt = store_prepare(st, "SELECT b.id FROM builds b"
	    " JOIN runs r ON r.id = b.run_id"
	    " JOIN projects p ON p.id = r.project_id"
	    " JOIN variants v ON v.id = b.variant_id"
	    " WHERE p.path = ?1 AND v.key = ?2"
	    " AND b.state IN ('queued', 'running') ORDER BY b.id DESC LIMIT 1");
	store_bind_text(stmt, 1, project);
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
		{ NULL, STORE_TEXT }
	};
	sqlite3_stmt	*stmt;
	cJSON		*b = NULL;

	stmt = store_prepare(st, "SELECT b.id, b.run_id, p.path, v.settings,"
	    " v.key, b.state, b.toolchain, b.bootstrap FROM builds b"
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
