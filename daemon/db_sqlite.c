/*
 * The SQL layer on SQLite: one connection, in WAL mode with foreign keys
 * on, a large page cache and the file mapped, and statements that are
 * SQLite's own. The only file that includes sqlite3.h.
 */
#include <stdlib.h>

#include <sqlite3.h>

#include "sizematd.h"
#include "db.h"
#include "db_sqlite.h"

/* The handle: SQLite's connection. */
struct db {
	sqlite3		*conn;
};

/* A statement is SQLite's, under the layer's name. */
#define STMT(s)	((sqlite3_stmt *)(s))

/*
 * Opens (creating if needed) a database file for reading and writing, a
 * busy writer waited for up to 5 s. NULL with the cause.
 */
struct db *
db_open(const char *path, char **cause)
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
	struct db		*db;

	db = xcalloc(1, sizeof *db);
	if (sqlite3_open_v2(path, &db->conn, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, db->conn != NULL ?
		    sqlite3_errmsg(db->conn) : "cannot open");
		db_close(db);
		return (NULL);
	}
	sqlite3_busy_timeout(db->conn, 5000);
	for (p = pragmas; *p != NULL; p++) {
		if (sqlite3_exec(db->conn, *p, NULL, NULL, NULL) != SQLITE_OK) {
			xasprintf(cause, "%s: %s", path,
			    sqlite3_errmsg(db->conn));
			db_close(db);
			return (NULL);
		}
	}
	return (db);
}

/* Closes the database. */
void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL && sqlite3_close(db->conn) != SQLITE_OK)
		log_warnx("store: close: %s", sqlite3_errmsg(db->conn));
	free(db);
}

/* What the last call that failed said. */
const char *
db_errmsg(struct db *db)
{
	return (sqlite3_errmsg(db->conn));
}

/* Says why the last call on a statement's database failed. */
const char *
db_stmt_errmsg(struct db_stmt *stmt)
{
	return (sqlite3_errmsg(sqlite3_db_handle(STMT(stmt))));
}

/* Tells whether the last failure was a unique key taken already. */
int
db_conflict(struct db *db)
{
	return (sqlite3_extended_errcode(db->conn) ==
	    SQLITE_CONSTRAINT_UNIQUE);
}

/* Rows the last statement changed. */
int64_t
db_changes(struct db *db)
{
	return (sqlite3_changes(db->conn));
}

/*
 * A number that changes whenever the database does: rows this connection
 * changed, and commits of other connections (data_version).
 */
int64_t
db_generation(struct db *db)
{
	sqlite3_stmt	*stmt;
	int64_t		 other = 0;

	if (sqlite3_prepare_v2(db->conn, "PRAGMA data_version", -1, &stmt,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(stmt) == SQLITE_ROW)
			other = sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
	}
	return ((int64_t)sqlite3_total_changes64(db->conn) + (other << 40));
}

/* The id of the last row inserted. */
int64_t
db_last_id(struct db *db)
{
	return (sqlite3_last_insert_rowid(db->conn));
}

/* Prepares a statement; a failure is a bug in the SQL, so it is fatal. */
struct db_stmt *
db_prepare(struct db *db, const char *sql)
{
	sqlite3_stmt	*stmt;

	if (sqlite3_prepare_v2(db->conn, sql, -1, &stmt, NULL) != SQLITE_OK)
		fatalx("store: %s: %s", sqlite3_errmsg(db->conn), sql);
	return ((struct db_stmt *)stmt);
}

/*
 * Prepares the next statement of a script (a migration) and moves *sql
 * past it; *stmt is NULL for comments and blanks. Returns 0, or -1 (see
 * db_errmsg).
 */
int
db_prepare_next(struct db *db, const char **sql, struct db_stmt **stmt)
{
	sqlite3_stmt	*s;

	if (sqlite3_prepare_v2(db->conn, *sql, -1, &s, sql) != SQLITE_OK)
		return (-1);
	*stmt = (struct db_stmt *)s;
	return (0);
}

/* Steps a statement. */
enum db_step
db_step(struct db_stmt *stmt)
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
void
db_reset(struct db_stmt *stmt)
{
	sqlite3_reset(STMT(stmt));
}

/* Frees a statement. */
void
db_finalize(struct db_stmt *stmt)
{
	sqlite3_finalize(STMT(stmt));
}

/* Binds parameter i (from 1) to a whole number. */
void
db_bind_int(struct db_stmt *stmt, int i, int64_t v)
{
	sqlite3_bind_int64(STMT(stmt), i, (sqlite3_int64)v);
}

/* Binds parameter i to a copy of a string, or to NULL. */
void
db_bind_text(struct db_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(STMT(stmt), i);
	else
		sqlite3_bind_text(STMT(stmt), i, s, -1, SQLITE_TRANSIENT);
}

/* Binds parameter i to a copy of len bytes. */
void
db_bind_blob(struct db_stmt *stmt, int i, const void *data, size_t len)
{
	sqlite3_bind_blob64(STMT(stmt), i, data, len, SQLITE_TRANSIENT);
}

/* Binds parameter i to NULL. */
void
db_bind_null(struct db_stmt *stmt, int i)
{
	sqlite3_bind_null(STMT(stmt), i);
}

/* Column i (from 0) of the row as a whole number (NULL is 0). */
int64_t
db_column_int(struct db_stmt *stmt, int i)
{
	return (sqlite3_column_int64(STMT(stmt), i));
}

/* Column i as a number. */
double
db_column_double(struct db_stmt *stmt, int i)
{
	return (sqlite3_column_double(STMT(stmt), i));
}

/* Column i as text, valid until the next step; NULL for NULL. */
const char *
db_column_text(struct db_stmt *stmt, int i)
{
	return ((const char *)sqlite3_column_text(STMT(stmt), i));
}

/* Returns column i's bytes (valid until the next step) and their count. */
const void *
db_column_blob(struct db_stmt *stmt, int i, size_t *len)
{
	const void	*p = sqlite3_column_blob(STMT(stmt), i);

	*len = (size_t)sqlite3_column_bytes(STMT(stmt), i);
	return (p);
}

/* Tells whether column i is NULL. */
int
db_column_is_null(struct db_stmt *stmt, int i)
{
	return (sqlite3_column_type(STMT(stmt), i) == SQLITE_NULL);
}

/* SQLite's own connection, for what only SQLite has (the query plans). */
sqlite3 *
db_sqlite(struct db *db)
{
	return (db->conn);
}
