/*
 * The SQL layer's front: picks the driver a database name asks for (a
 * postgresql:// or postgres:// URI is PostgreSQL, anything else a SQLite
 * file) and forwards every call to it.
 */
#include <string.h>

#include "sizematd.h"
#include "db.h"

#define DRIVER(db)	((db)->driver)
#define SDRIVER(s)	((s)->db->driver)

/* Tells whether a database name is a PostgreSQL URI. */
int
db_is_uri(const char *name)
{
	return (strncmp(name, "postgresql://", 13) == 0 ||
	    strncmp(name, "postgres://", 11) == 0);
}

/* Opens a database with the driver its name asks for; NULL with the cause. */
struct db *
db_open(const char *name, char **cause)
{
	if (db_is_uri(name))
		return (db_pg_driver.open(name, cause));
	return (db_sqlite_driver.open(name, cause));
}

/* The driver's name: "sqlite" or "postgresql". */
const char *
db_driver_name(struct db *db)
{
	return (DRIVER(db)->name);
}

void
db_close(struct db *db)
{
	if (db != NULL)
		DRIVER(db)->close(db);
}

/* What the last call that failed said. */
const char *
db_errmsg(struct db *db)
{
	return (DRIVER(db)->errmsg(db));
}

/* Says why the last call on a statement's database failed. */
const char *
db_stmt_errmsg(struct db_stmt *stmt)
{
	return (SDRIVER(stmt)->errmsg(stmt->db));
}

/* Tells whether the last failure was a unique key taken already. */
int
db_conflict(struct db *db)
{
	return (DRIVER(db)->conflict(db));
}

/* Rows the last statement changed. */
int64_t
db_changes(struct db *db)
{
	return (DRIVER(db)->changes(db));
}

/* The id of the last row inserted. */
int64_t
db_last_id(struct db *db)
{
	return (DRIVER(db)->last_id(db));
}

/* A number that changes whenever the database does, whoever changed it. */
int64_t
db_generation(struct db *db)
{
	return (DRIVER(db)->generation(db));
}

/*
 * Opens the watch connection, listening on channels: NULL with *cause
 * NULL when the driver has none (SQLite: no other daemon shares the file).
 */
struct db_watch *
db_watch_open(struct db *db, const char *const *channels, char **cause)
{
	*cause = NULL;
	if (DRIVER(db)->watch_open == NULL)
		return (NULL);
	return (DRIVER(db)->watch_open(db, channels, cause));
}

/* Starts a transaction that will write; 0 or -1. */
int
db_begin(struct db *db)
{
	return (DRIVER(db)->begin(db));
}

/*
 * Reads the schema version (migrations applied) into *v; inside a
 * migration's transaction, it also keeps any other daemon from migrating
 * the same database at once. 0 or -1.
 */
int
db_version(struct db *db, int *v)
{
	return (DRIVER(db)->version(db, v));
}

/* Records the schema version, in the migration's transaction. 0 or -1. */
int
db_set_version(struct db *db, int v)
{
	return (DRIVER(db)->set_version(db, v));
}

/* Prepares a statement; a failure is a bug in the SQL, so it is fatal. */
struct db_stmt *
db_prepare(struct db *db, const char *sql)
{
	return (DRIVER(db)->prepare(db, sql));
}

/*
 * Prepares the next statement of a script (a migration) and moves *sql
 * past it; *stmt is NULL for comments and blanks. Returns 0, or -1 (see
 * db_errmsg).
 */
int
db_prepare_next(struct db *db, const char **sql, struct db_stmt **stmt)
{
	return (DRIVER(db)->prepare_next(db, sql, stmt));
}

enum db_step
db_step(struct db_stmt *stmt)
{
	return (SDRIVER(stmt)->step(stmt));
}

/* Makes a statement ready to run again; its bindings stay. */
void
db_reset(struct db_stmt *stmt)
{
	SDRIVER(stmt)->reset(stmt);
}

void
db_finalize(struct db_stmt *stmt)
{
	if (stmt != NULL)
		SDRIVER(stmt)->finalize(stmt);
}

/* Binds parameter i (from 1) to a whole number. */
void
db_bind_int(struct db_stmt *stmt, int i, int64_t v)
{
	SDRIVER(stmt)->bind_int(stmt, i, v);
}

/* Binds parameter i to a copy of a string, or to NULL. */
void
db_bind_text(struct db_stmt *stmt, int i, const char *s)
{
	SDRIVER(stmt)->bind_text(stmt, i, s);
}

void
db_bind_null(struct db_stmt *stmt, int i)
{
	SDRIVER(stmt)->bind_null(stmt, i);
}

/* Binds parameter i to a copy of len bytes. */
void
db_bind_blob(struct db_stmt *stmt, int i, const void *data, size_t len)
{
	SDRIVER(stmt)->bind_blob(stmt, i, data, len);
}

/* Column i (from 0) of the row as a whole number (NULL is 0). */
int64_t
db_column_int(struct db_stmt *stmt, int i)
{
	return (SDRIVER(stmt)->column_int(stmt, i));
}

double
db_column_double(struct db_stmt *stmt, int i)
{
	return (SDRIVER(stmt)->column_double(stmt, i));
}

/* Column i as text, valid until the next step; NULL for NULL. */
const char *
db_column_text(struct db_stmt *stmt, int i)
{
	return (SDRIVER(stmt)->column_text(stmt, i));
}

/* Returns column i's bytes (valid until the next step) and their count. */
const void *
db_column_blob(struct db_stmt *stmt, int i, size_t *len)
{
	return (SDRIVER(stmt)->column_blob(stmt, i, len));
}

int
db_column_is_null(struct db_stmt *stmt, int i)
{
	return (SDRIVER(stmt)->column_is_null(stmt, i));
}
