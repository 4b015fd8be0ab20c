/*
 * The SQL layer on SQLite: one connection, in WAL mode with foreign keys
 * on, a large page cache and the file mapped, and statements that are
 * SQLite's own, with the functions of the shared dialect SQLite lacks
 * (iso_time, json_object_agg, the collation "C"). The only file that
 * includes sqlite3.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "sizematd.h"
#include "db.h"
#include "db_sqlite.h"

/* The handle: SQLite's connection. */
struct sqlite_db {
	struct db	 db;
	sqlite3		*conn;
};

/* A statement: SQLite's. */
struct sqlite_stmt {
	struct db_stmt	 base;
	sqlite3_stmt	*stmt;
};

#define CONN(d)	(((struct sqlite_db *)(d))->conn)
#define STMT(s)	(((struct sqlite_stmt *)(s))->stmt)

static void	sqlite_close(struct db *);

/*
 * json_object_agg(name, value), PostgreSQL's aggregate: the rows' pairs
 * as one JSON object, whole numbers as numbers, the rest as strings.
 */
static void
sqlite_object_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	cJSON		**o;
	const char	*name;

	(void)argc;
	if ((o = sqlite3_aggregate_context(ctx, sizeof *o)) == NULL)
		return;
	if (*o == NULL)
		*o = cJSON_CreateObject();
	if ((name = (const char *)sqlite3_value_text(argv[0])) == NULL)
		return;
	switch (sqlite3_value_type(argv[1])) {
	case SQLITE_NULL:
		cJSON_AddNullToObject(*o, name);
		break;
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		cJSON_AddNumberToObject(*o, name,
		    sqlite3_value_double(argv[1]));
		break;
	default:
		cJSON_AddStringToObject(*o, name,
		    (const char *)sqlite3_value_text(argv[1]));
		break;
	}
}

static void
sqlite_object_final(sqlite3_context *ctx)
{
	cJSON	**o;
	char	 *s;

	o = sqlite3_aggregate_context(ctx, 0);
	if (o == NULL || *o == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	s = cJSON_PrintUnformatted(*o);
	cJSON_Delete(*o);
	sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
	cJSON_free(s);
}

/* The collation "C": bytes compared as they are, as SQLite's BINARY. */
static int
sqlite_collate_c(void *arg, int na, const void *a, int nb, const void *b)
{
	int	 c;

	(void)arg;
	c = memcmp(a, b, na < nb ? na : nb);
	return (c != 0 ? c : na - nb);
}

/* iso_time(epoch): the time in UTC as 2026-12-02T21:51:03Z, or NULL. */
static void
sqlite_iso_time(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct tm	 tm;
	time_t		 t;
	char		 buf[32];

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	t = (time_t)sqlite3_value_int64(argv[0]);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

/*
 * Opens (creating if needed) a database file for reading and writing, a
 * busy writer waited for up to 5 s. NULL with the cause.
 */
static struct db *
sqlite_open(const char *path, char **cause)
{
	/*
	 * A history of a million measurements is read at random: 64 MiB of
	 * page cache and the file mapped (no read() per page) make a
	 * thousand-commit trend a third faster.
	 */
	static const char *const pragmas[] = { "PRAGMA journal_mode = WAL",
	    "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL",
	    "PRAGMA cache_size = -65536", "PRAGMA mmap_size = 268435456",
	    NULL };
	const char *const	*p;
	struct sqlite_db	*db;

	db = xcalloc(1, sizeof *db);
	db->db.driver = &db_sqlite_driver;
	if (sqlite3_open_v2(path, &db->conn, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, db->conn != NULL ?
		    sqlite3_errmsg(db->conn) : "cannot open");
		sqlite_close(&db->db);
		return (NULL);
	}
	sqlite3_busy_timeout(db->conn, 5000);
	sqlite3_create_function(db->conn, "iso_time", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, sqlite_iso_time, NULL, NULL);
	sqlite3_create_function(db->conn, "json_object_agg", 2, SQLITE_UTF8,
	    NULL, NULL, sqlite_object_step, sqlite_object_final);
	sqlite3_create_collation(db->conn, "C", SQLITE_UTF8, NULL,
	    sqlite_collate_c);
	for (p = pragmas; *p != NULL; p++) {
		if (sqlite3_exec(db->conn, *p, NULL, NULL, NULL) != SQLITE_OK) {
			xasprintf(cause, "%s: %s", path,
			    sqlite3_errmsg(db->conn));
			sqlite_close(&db->db);
			return (NULL);
		}
	}
	return (&db->db);
}

/* Closes the database. */
static void
sqlite_close(struct db *db)
{
	if (CONN(db) != NULL && sqlite3_close(CONN(db)) != SQLITE_OK)
		log_warnx("store: close: %s", sqlite3_errmsg(CONN(db)));
	free(db);
}

/* What the last call that failed said. */
static const char *
sqlite_errmsg(struct db *db)
{
	return (sqlite3_errmsg(CONN(db)));
}

/* Tells whether the last failure was a unique key taken already. */
static int
sqlite_conflict(struct db *db)
{
	return (sqlite3_extended_errcode(CONN(db)) ==
	    SQLITE_CONSTRAINT_UNIQUE);
}

/* Rows the last statement changed. */
static int64_t
sqlite_changes(struct db *db)
{
	return (sqlite3_changes(CONN(db)));
}

/* Reads the number a PRAGMA gives into *v; 0, or -1 (*v unchanged). */
static int
sqlite_pragma(struct db *db, const char *sql, int64_t *v)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	if (sqlite3_prepare_v2(CONN(db), sql, -1, &stmt, NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*v = sqlite3_column_int64(stmt, 0);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/*
 * A number that changes whenever the database does: rows this connection
 * changed, and commits of other connections (data_version).
 */
static int64_t
sqlite_generation(struct db *db)
{
	int64_t	 other = 0;

	sqlite_pragma(db, "PRAGMA data_version", &other);
	return ((int64_t)sqlite3_total_changes64(CONN(db)) + (other << 40));
}

/* The id of the last row inserted. */
static int64_t
sqlite_last_id(struct db *db)
{
	return (sqlite3_last_insert_rowid(CONN(db)));
}

/* Starts a transaction that takes the write lock at once. */
static int
sqlite_begin(struct db *db)
{
	return (sqlite3_exec(CONN(db), "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
	    SQLITE_OK ? 0 : -1);
}

/* The schema version is SQLite's user_version. */
static int
sqlite_version(struct db *db, int *v)
{
	int64_t	 n;

	if (sqlite_pragma(db, "PRAGMA user_version", &n) != 0)
		return (-1);
	*v = (int)n;
	return (0);
}

static int
sqlite_set_version(struct db *db, int v)
{
	char	 sql[64];

	/* PRAGMA takes no parameters; v is a small integer. */
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
	return (sqlite3_exec(CONN(db), sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : -1);
}

/* Wraps SQLite's statement in the layer's. */
static struct db_stmt *
sqlite_wrap(struct db *db, sqlite3_stmt *s)
{
	struct sqlite_stmt	*w;

	w = xcalloc(1, sizeof *w);
	w->base.db = db;
	w->stmt = s;
	return (&w->base);
}

/* Prepares a statement; a failure is a bug in the SQL, so it is fatal. */
static struct db_stmt *
sqlite_prepare(struct db *db, const char *sql)
{
	sqlite3_stmt	*stmt;

	if (sqlite3_prepare_v2(CONN(db), sql, -1, &stmt, NULL) != SQLITE_OK)
		fatalx("store: %s: %s", sqlite3_errmsg(CONN(db)), sql);
	return (sqlite_wrap(db, stmt));
}

/*
 * Prepares the next statement of a script (a migration) and moves *sql
 * past it; *stmt is NULL for comments and blanks. Returns 0, or -1 (see
 * db_errmsg).
 */
static int
sqlite_prepare_next(struct db *db, const char **sql, struct db_stmt **stmt)
{
	sqlite3_stmt	*s;

	if (sqlite3_prepare_v2(CONN(db), *sql, -1, &s, sql) != SQLITE_OK)
		return (-1);
	*stmt = s == NULL ? NULL : sqlite_wrap(db, s);
	return (0);
}

/* Steps a statement. */
static enum db_step
sqlite_step(struct db_stmt *stmt)
{
	switch (sqlite3_step(STMT(stmt))) {
	case SQLITE_ROW:
		return (DB_ROW);
	case SQLITE_DONE:
		return (DB_DONE);
	default:
		return (DB_ERROR);
	}
}

/* Makes a statement ready to run again; its bindings stay. */
static void
sqlite_reset(struct db_stmt *stmt)
{
	sqlite3_reset(STMT(stmt));
}

/* Frees a statement. */
static void
sqlite_finalize(struct db_stmt *stmt)
{
	sqlite3_finalize(STMT(stmt));
	free(stmt);
}

/* Binds parameter i (from 1) to a whole number. */
static void
sqlite_bind_int(struct db_stmt *stmt, int i, int64_t v)
{
	sqlite3_bind_int64(STMT(stmt), i, (sqlite3_int64)v);
}

/* Binds parameter i to a copy of a string, or to NULL. */
static void
sqlite_bind_text(struct db_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(STMT(stmt), i);
	else
		sqlite3_bind_text(STMT(stmt), i, s, -1, SQLITE_TRANSIENT);
}

/* Binds parameter i to a copy of len bytes. */
static void
sqlite_bind_blob(struct db_stmt *stmt, int i, const void *data, size_t len)
{
	sqlite3_bind_blob64(STMT(stmt), i, data, len, SQLITE_TRANSIENT);
}

/* Binds parameter i to NULL. */
static void
sqlite_bind_null(struct db_stmt *stmt, int i)
{
	sqlite3_bind_null(STMT(stmt), i);
}

/* Column i (from 0) of the row as a whole number (NULL is 0). */
static int64_t
sqlite_column_int(struct db_stmt *stmt, int i)
{
	return (sqlite3_column_int64(STMT(stmt), i));
}

/* Column i as a number. */
static double
sqlite_column_double(struct db_stmt *stmt, int i)
{
	return (sqlite3_column_double(STMT(stmt), i));
}

/* Column i as text, valid until the next step; NULL for NULL. */
static const char *
sqlite_column_text(struct db_stmt *stmt, int i)
{
	return ((const char *)sqlite3_column_text(STMT(stmt), i));
}

/* Returns column i's bytes (valid until the next step) and their count. */
static const void *
sqlite_column_blob(struct db_stmt *stmt, int i, size_t *len)
{
	const void	*p = sqlite3_column_blob(STMT(stmt), i);

	*len = (size_t)sqlite3_column_bytes(STMT(stmt), i);
	return (p);
}

/* Tells whether column i is NULL. */
static int
sqlite_column_is_null(struct db_stmt *stmt, int i)
{
	return (sqlite3_column_type(STMT(stmt), i) == SQLITE_NULL);
}

/* SQLite's own connection, for what only SQLite has (the query plans). */
sqlite3 *
db_sqlite(struct db *db)
{
	if (db->driver != &db_sqlite_driver)
		fatalx("store: not a SQLite database");
	return (CONN(db));
}

const struct db_driver db_sqlite_driver = {
	"sqlite", sqlite_open, sqlite_close, sqlite_errmsg, sqlite_conflict,
	sqlite_changes, sqlite_last_id, sqlite_generation, sqlite_begin,
	sqlite_version, sqlite_set_version, sqlite_prepare,
	sqlite_prepare_next, sqlite_step, sqlite_reset, sqlite_finalize,
	sqlite_bind_int, sqlite_bind_text, sqlite_bind_null, sqlite_bind_blob,
	sqlite_column_int, sqlite_column_double, sqlite_column_text,
	sqlite_column_blob, sqlite_column_is_null, NULL
};
