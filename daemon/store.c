/*
 * The store: the only files that talk to the database. This one opens the
 * database, migrates it and holds the statement and JSON helpers the
 * store_*.c files share, one file a resource (runs, builds, projects,
 * history, regressions, bisections, deliveries, reports).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

extern const char *const store_migrations[];
extern const char *const store_migrations_pg[];

/* Prepares a statement; a failure is a bug in the SQL here, so it is fatal. */
struct db_stmt *
store_prepare(struct store *st, const char *sql)
{
	return (db_prepare(st->db, sql));
}

/* Tells whether the store is on PostgreSQL (else SQLite). */
static int
store_is_pg(struct store *st)
{
	return (strcmp(db_driver_name(st->db), "postgresql") == 0);
}

/*
 * Prepares the statement of the database's dialect, for the few that
 * must differ (SQLite's index hints, PostgreSQL's row locks).
 */
struct db_stmt *
store_prepare_dialect(struct store *st, const char *sqlite, const char *pg)
{
	return (db_prepare(st->db, store_is_pg(st) ? pg : sqlite));
}

/* Runs a statement that returns no rows; returns 0 or -1. */
int
store_step_done(struct store *st, struct db_stmt *stmt)
{
	int	 rc;

	rc = db_step(stmt);
	if (rc != DB_DONE && rc != DB_ROW) {
		log_warnx("store: %s", db_errmsg(st->db));
		db_finalize(stmt);
		return (-1);
	}
	db_finalize(stmt);
	return (0);
}

/* Starts a transaction that will write; 0, or -1 (logged). */
int
store_begin(struct store *st)
{
	if (db_begin(st->db) == 0)
		return (0);
	log_warnx("store: begin: %s", db_errmsg(st->db));
	return (-1);
}

/* Runs one constant statement with no parameters. */
int
store_exec(struct store *st, const char *sql)
{
	return (store_step_done(st, store_prepare(st, sql)));
}

/* Binds a string, or NULL. */
void
store_bind_text(struct db_stmt *stmt, int i, const char *s)
{
	db_bind_text(stmt, i, s);
}

/* Returns a column as a newly allocated string, or NULL. */
char *
store_column_dup(struct db_stmt *stmt, int i)
{
	const char	*s;

	s = db_column_text(stmt, i);
	return (s == NULL ? NULL : xstrdup(s));
}

/* Adds a column to a JSON object as a string, or null. */
void
store_json_text(cJSON *o, const char *name, struct db_stmt *stmt, int i)
{
	const char	*s;

	s = db_column_text(stmt, i);
	if (s == NULL)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddStringToObject(o, name, s);
}

/* Adds a column to a JSON object as a number, or null. */
void
store_json_int(cJSON *o, const char *name, struct db_stmt *stmt, int i)
{
	if (db_column_is_null(stmt, i))
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name,
		    (double)db_column_int(stmt, i));
}

/* Adds a column that holds JSON text, parsed, or null. */
void
store_json_parsed(cJSON *o, const char *name, struct db_stmt *stmt, int i)
{
	const char	*s;
	cJSON		*v;

	s = db_column_text(stmt, i);
	if (s == NULL || (v = cJSON_Parse(s)) == NULL)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddItemToObject(o, name, v);
}

/*
 * Adds the columns of the current row to o, in order, as the table says.
 * The tables are static, so their names are added without a copy: a
 * trend of a thousand rows is eleven thousand fewer allocations.
 */
void
store_json_row(cJSON *o, struct db_stmt *stmt, const struct store_column *cols)
{
	const char	*s;
	cJSON		*v;
	int		 i, null;

	for (i = 0; cols[i].name != NULL; i++) {
		v = NULL;
		null = db_column_is_null(stmt, i);
		switch (cols[i].kind) {
		case STORE_TEXT:
			s = db_column_text(stmt, i);
			if (s != NULL)
				v = cJSON_CreateString(s);
			break;
		case STORE_INT:
			if (!null)
				v = cJSON_CreateNumber((double)
				    db_column_int(stmt, i));
			break;
		case STORE_BOOL:
			v = cJSON_CreateBool(db_column_int(stmt, i) != 0);
			break;
		case STORE_JSON:
			s = db_column_text(stmt, i);
			if (s != NULL)
				v = cJSON_Parse(s);
			break;
		}
		cJSON_AddItemToObjectCS(o, cols[i].name, v != NULL ? v :
		    cJSON_CreateNull());
	}
}

/*
 * Steps a statement to its end, one object per row; finalizes it. NULL
 * when the database failed on the way.
 */
cJSON *
store_json_rows(struct db_stmt *stmt, const struct store_column *cols)
{
	cJSON	*a, *o;
	int	 rc;

	a = cJSON_CreateArray();
	while ((rc = db_step(stmt)) == DB_ROW) {
		o = cJSON_CreateObject();
		store_json_row(o, stmt, cols);
		cJSON_AddItemToArray(a, o);
	}
	if (rc != DB_DONE) {
		log_warnx("store: %s", db_stmt_errmsg(stmt));
		cJSON_Delete(a);
		a = NULL;
	}
	db_finalize(stmt);
	return (a);
}

/*
 * Ends a statement stepped through its rows (rc is its last step):
 * finalizes it; 0 when it reached its end, -1 (logged) when the database
 * failed on the way and the rows read are not all there are.
 */
int
store_rows_done(struct store *st, struct db_stmt *stmt, int rc)
{
	if (rc != DB_DONE)
		log_warnx("store: %s", db_errmsg(st->db));
	db_finalize(stmt);
	return (rc == DB_DONE ? 0 : -1);
}

/*
 * Steps a prepared statement whose first column is an id, collecting the
 * ids; finalizes it. 0, or -1 when the database failed (ids are freed).
 */
int
store_ids(struct store *st, struct db_stmt *stmt, int64_t **ids, size_t *n)
{
	int	 rc;

	*ids = NULL;
	*n = 0;
	while ((rc = db_step(stmt)) == DB_ROW) {
		*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = db_column_int(stmt, 0);
	}
	if (store_rows_done(st, stmt, rc) == 0)
		return (0);
	free(*ids);
	*ids = NULL;
	*n = 0;
	return (-1);
}

/*
 * What a step that looked for one row found: STORE_OK (a row),
 * STORE_NOT_FOUND, or STORE_ERROR (logged).
 */
enum store_result
store_found(struct store *st, int rc)
{
	if (rc == DB_ROW)
		return (STORE_OK);
	if (rc == DB_DONE)
		return (STORE_NOT_FOUND);
	log_warnx("store: %s", db_errmsg(st->db));
	return (STORE_ERROR);
}

/* Adds the (name, number) rows a query gives for one id as members of o. */
void
store_json_pairs(struct store *st, cJSON *o, const char *sql, int64_t id)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, sql);
	db_bind_int(stmt, 1, id);
	while (db_step(stmt) == DB_ROW)
		store_json_int(o, db_column_text(stmt, 0),
		    stmt, 1);
	db_finalize(stmt);
}

/* Applies one migration's statements; 0, or -1 (see db_errmsg). */
static int
store_apply(struct store *st, const char *script)
{
	struct db_stmt	*stmt;
	const char	*sql, *tail;

	for (sql = script; *sql != '\0'; sql = tail) {
		tail = sql;
		if (db_prepare_next(st->db, &tail, &stmt) != 0)
			return (-1);
		if (stmt == NULL)	/* comments and blanks */
			continue;
		if (store_step_done(st, stmt) != 0)
			return (-1);
	}
	return (0);
}

/*
 * Applies every migration newer than the database's schema version, each
 * in its own transaction; the driver's migrations (PostgreSQL's where the
 * dialects differ).
 */
static int
store_migrate(struct store *st, char **cause)
{
	const char *const	*migrations;
	int			 version, n;

	migrations = store_is_pg(st) ? store_migrations_pg : store_migrations;
	for (n = 0; migrations[n] != NULL; n++)
		;
	for (;;) {
		if (db_begin(st->db) != 0 || db_version(st->db, &version) != 0)
			goto fail;
		if (version >= n)
			break;
		if (store_apply(st, migrations[version]) != 0 ||
		    db_set_version(st->db, version + 1) != 0 ||
		    store_exec(st, "COMMIT") != 0) {
			xasprintf(cause, "%s: migration %d: %s", st->path,
			    version + 1, db_errmsg(st->db));
			store_exec(st, "ROLLBACK");
			return (-1);
		}
		log_info("database %s: applied migration %d", st->path,
		    version + 1);
	}
	store_exec(st, "COMMIT");
	if (version > n) {
		xasprintf(cause, "%s: schema version %d is newer than this "
		    "sizematd knows (%d)", st->path, version, n);
		return (-1);
	}
	return (0);
fail:
	xasprintf(cause, "%s: %s", st->path, db_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	return (-1);
}

/* Opens (creating if needed) the database and brings its schema up to date. */
struct store *
store_open(const char *path, char **cause)
{
	struct store	*st;

	st = xcalloc(1, sizeof *st);
	st->path = store_safe_name(path);
	if ((st->db = db_open(path, cause)) == NULL) {
		store_close(st);
		return (NULL);
	}
	if (store_migrate(st, cause) != 0) {
		store_close(st);
		return (NULL);
	}
	return (st);
}

/*
 * A database's name fit for logs and answers: a SQLite path as it is, a
 * PostgreSQL URI without its password. Returns a new string.
 */
char *
store_safe_name(const char *name)
{
	return (db_is_uri(name) ? db_pg_safe_name(name) : xstrdup(name));
}

/*
 * Tells whether a database name is a PostgreSQL URI with a password: 1,
 * 0, or -1 for a URI libpq cannot read (which may hide one).
 */
int
store_name_has_password(const char *name)
{
	return (db_is_uri(name) ? db_pg_has_password(name) : 0);
}

/* Tells whether a database name is a PostgreSQL URI, not a file. */
int
store_name_is_uri(const char *name)
{
	return (db_is_uri(name));
}

/* Closes the database. */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	db_close(st->db);
	free(st->path);
	free(st->worker);
	free(st->caps);
	free(st);
}

/*
 * Refreshes the planner's statistics (ANALYZE), as PostgreSQL's autovacuum
 * does on its own a while after a large change; 0 or -1.
 */
int
store_analyze(struct store *st)
{
	return (store_exec(st, "ANALYZE"));
}

/* Whether other daemons may share the store (PostgreSQL's). */
int
store_shared(struct store *st)
{
	return (store_is_pg(st));
}

/* The driver's name: "sqlite" or "postgresql". */
const char *
store_driver(struct store *st)
{
	return (db_driver_name(st->db));
}

/* Names the machine the builds this daemon starts are recorded as made by. */
void
store_set_worker(struct store *st, const char *name)
{
	free(st->worker);
	st->worker = xstrdup(name);
}

/*
 * What the daemons sharing a PostgreSQL store say to each other: a trigger
 * notifies sizemat_queue when there may be a build to claim, and daemons
 * announce their queues' events on sizemat_event.
 */
static const char *const store_channels[] = {
	"sizemat_queue", "sizemat_event", NULL
};

/* The advisory lock the leading daemon holds. */
#define STORE_LEADER_LOCK	7420018

/*
 * Opens the store's watch connection (see db_pg_watch.c): NULL with
 * *cause NULL when no other daemon can share the store (SQLite).
 */
struct db_watch *
store_watch_open(struct store *st, char **cause)
{
	return (db_watch_open(st->db, store_channels, cause));
}

/* The watch connection's socket, to poll for reading. */
int
store_watch_fd(struct db_watch *w)
{
	return (db_watch_fd(w));
}

/*
 * Reads the notifications that arrived: cb(channel, payload, ours, arg)
 * for each. 0, or -1 when the connection is gone.
 */
int
store_watch_read(struct db_watch *w, store_watch_cb *cb, void *arg)
{
	return (db_watch_read(w, cb, arg));
}

/*
 * Tries to become the leader: 1 this daemon leads until its watch
 * connection closes, 0 another does, -1 the connection is gone.
 */
int
store_watch_lead(struct db_watch *w)
{
	return (db_watch_lock(w, STORE_LEADER_LOCK));
}

/*
 * Whether this daemon still leads: 1, 0 (its lock is gone), or -1 when
 * the watch connection is gone.
 */
int
store_watch_leads(struct db_watch *w)
{
	return (db_watch_holds(w, STORE_LEADER_LOCK));
}

/* Closes the watch connection, and gives up the lead with it. */
void
store_watch_close(struct db_watch *w)
{
	db_watch_close(w);
}

/*
 * Tells the other daemons on the store something (on sizemat_event), once
 * the current transaction, if any, commits. 0 or -1.
 */
int
store_announce(struct store *st, const char *what)
{
	struct db_stmt	*stmt;

	if (!store_is_pg(st))
		return (0);
	stmt = store_prepare(st, "SELECT pg_notify('sizemat_event', ?1)");
	store_bind_text(stmt, 1, what);
	return (store_step_done(st, stmt));
}

/*
 * Says what this daemon is to the others sharing the store: a worker or
 * not, its build slots, what it can build (toolchains_caps(), or NULL:
 * everything), and the lease it claims builds for.
 */
void
store_set_daemon(struct store *st, int worker, int jobs, const char *caps,
    int lease_s)
{
	st->is_worker = worker;
	st->jobs = jobs;
	free(st->caps);
	st->caps = caps != NULL ? xstrdup(caps) : NULL;
	st->lease_s = lease_s;
}

/*
 * This machine's clock, in seconds since the epoch. For the tests,
 * SIZEMAT_TEST_CLOCK_SKEW=S sets it S seconds apart, as another machine's
 * may be.
 */
static double
store_clock(void)
{
	const char	*skew = getenv("SIZEMAT_TEST_CLOCK_SKEW");
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9 + (skew != NULL ?
	    strtod(skew, NULL) : 0));
}

/*
 * Reads the database server's clock against this machine's into
 * st->skew, on a store that daemons on several machines share: leases and
 * liveness are then told by one clock, whatever each machine's says.
 */
static void
store_read_skew(struct store *st)
{
	struct db_stmt	*stmt;
	double		 d;

	if (!store_shared(st))
		return;
	/* Read in milliseconds and rounded: one machine's skew is 0. */
	stmt = store_prepare(st, "SELECT CAST(extract(epoch FROM"
	    " clock_timestamp()) * 1000 AS bigint)");
	if (db_step(stmt) == DB_ROW) {
		d = db_column_int(stmt, 0) / 1000.0 - store_clock();
		st->skew = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
	} else
		log_warnx("cannot read the database server's clock: %s",
		    db_errmsg(st->db));
	db_finalize(stmt);
}

/*
 * Now, in seconds since the epoch, on the clock every daemon sharing the
 * store agrees on (the server's; this machine's on SQLite): what leases
 * and liveness are told by.
 */
int64_t
store_now(struct store *st)
{
	return ((int64_t)store_clock() + st->skew);
}

/*
 * Tells the others sharing the store this daemon is alive, for how long
 * (its lease) and what it can build (its row in daemons, seen now); 0 or
 * -1.
 */
int
store_daemon_seen(struct store *st)
{
	struct db_stmt	*stmt;

	store_read_skew(st);
	stmt = store_prepare(st, "INSERT INTO daemons (name, worker, jobs,"
	    " caps, started_at, seen_at, lease) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?5, ?6) ON CONFLICT (name) DO UPDATE SET worker ="
	    " excluded.worker, jobs = excluded.jobs, caps = excluded.caps,"
	    " seen_at = excluded.seen_at, lease = excluded.lease");
	store_bind_text(stmt, 1, st->worker);
	db_bind_int(stmt, 2, st->is_worker);
	db_bind_int(stmt, 3, st->jobs);
	store_bind_text(stmt, 4, st->caps != NULL ? st->caps : "");
	db_bind_int(stmt, 5, store_now(st));
	db_bind_int(stmt, 6, st->lease_s > 0 ? st->lease_s : 30);
	return (store_step_done(st, stmt));
}

/*
 * What each other daemon sharing the store that builds and was seen
 * within its lease can build: in *caps their caps, one line each (""
 * when there are none, or the store is this daemon's alone). 0, or -1
 * when the database failed.
 */
int
store_fleet_caps(struct store *st, char **caps)
{
	struct db_stmt	*stmt;
	struct buf	 b;
	int		 rc = DB_DONE;

	*caps = NULL;
	buf_init(&b);
	if (store_shared(st)) {
		stmt = store_prepare(st, "SELECT w.caps FROM daemons w WHERE"
		    " w.name <> ?1 AND" STORE_BUILDER("w", "?2"));
		store_bind_text(stmt, 1, st->worker);
		db_bind_int(stmt, 2, store_now(st));
		while ((rc = db_step(stmt)) == DB_ROW)
			buf_printf(&b, "%s\n", db_column_text(stmt, 0));
		db_finalize(stmt);
	}
	if (rc != DB_DONE) {
		log_warnx("database: %s", db_errmsg(st->db));
		free(b.data);
		return (-1);
	}
	buf_add(&b, "", 1);
	*caps = b.data;
	return (0);
}

/* Tells the others sharing the store this daemon is gone; 0 or -1. */
int
store_daemon_gone(struct store *st)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "DELETE FROM daemons WHERE name = ?1");
	store_bind_text(stmt, 1, st->worker);
	return (store_step_done(st, stmt));
}

/* Returns the schema version (the number of migrations applied). */
int
store_schema_version(struct store *st)
{
	int	 version;

	return (db_version(st->db, &version) == 0 ? version : -1);
}

/*
 * Returns a number that changes whenever anything in the store does, so
 * that an answer computed from it can be kept until then.
 */
int64_t
store_generation(struct store *st)
{
	return (db_generation(st->db));
}

/* Returns the id of a row found or inserted by a unique text column. */
int64_t
store_upsert_id(struct store *st, const char *insert, const char *select,
    const char *a, const char *b)
{
	struct db_stmt	*stmt;
	int64_t		 id = -1;

	stmt = store_prepare(st, insert);
	store_bind_text(stmt, 1, a);
	if (b != NULL)
		store_bind_text(stmt, 2, b);
	else
		db_bind_int(stmt, 2, (int64_t)time(NULL));
	if (store_step_done(st, stmt) != 0)
		return (-1);
	stmt = store_prepare(st, select);
	store_bind_text(stmt, 1, a);
	if (db_step(stmt) == DB_ROW)
		id = db_column_int(stmt, 0);
	db_finalize(stmt);
	return (id);
}
