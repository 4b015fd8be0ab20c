/*
 * The SQL layer under the store: a database handle and its statements,
 * whatever the driver. The store's files use nothing else. Two drivers
 * sit under it, db_sqlite.c (a file path) and db_pg.c (a postgresql://
 * or postgres:// URI); db.c picks one and forwards each call. Only the
 * store includes this header.
 *
 * The SQL the store writes is one dialect both engines speak: numbered
 * parameters (?1, or ? for the next), ON CONFLICT, RETURNING, CTEs and
 * window functions, IS DISTINCT FROM, and functions each driver provides:
 * iso_time(epoch) (UTC, 2026-12-02T21:51:03Z), json_extract(text, '$.a.b') (as text) and the
 * aggregate json_object_agg(name, value); text compares byte by byte
 * (COLLATE "C" where a value has no column to take it from).
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>

/* What a step of a statement gave. */
enum db_step {
	DB_ROW,			/* a row to read */
	DB_DONE,		/* no more rows */
	DB_ERROR		/* the database failed; db_errmsg says how */
};

struct db_driver;
struct db_watch;

/* A notification: its channel, its payload, whether we sent it. */
typedef void	 db_watch_cb(const char *, const char *, int, void *);

/* The handle and a statement: each driver's own begin with these. */
struct db {
	const struct db_driver	*driver;
};
struct db_stmt {
	struct db		*db;
};

/* One driver: what db.c forwards to. */
struct db_driver {
	const char	*name;
	struct db	*(*open)(const char *, char **);
	void		 (*close)(struct db *);
	const char	*(*errmsg)(struct db *);
	int		 (*conflict)(struct db *);
	int64_t		 (*changes)(struct db *);
	int64_t		 (*last_id)(struct db *);
	int64_t		 (*generation)(struct db *);
	int		 (*begin)(struct db *);
	int		 (*version)(struct db *, int *);
	int		 (*set_version)(struct db *, int);
	struct db_stmt	*(*prepare)(struct db *, const char *);
	int		 (*prepare_next)(struct db *, const char **,
			    struct db_stmt **);
	enum db_step	 (*step)(struct db_stmt *);
	void		 (*reset)(struct db_stmt *);
	void		 (*finalize)(struct db_stmt *);
	void		 (*bind_int)(struct db_stmt *, int, int64_t);
	void		 (*bind_text)(struct db_stmt *, int, const char *);
	void		 (*bind_null)(struct db_stmt *, int);
	void		 (*bind_blob)(struct db_stmt *, int, const void *,
			    size_t);
	int64_t		 (*column_int)(struct db_stmt *, int);
	double		 (*column_double)(struct db_stmt *, int);
	const char	*(*column_text)(struct db_stmt *, int);
	const void	*(*column_blob)(struct db_stmt *, int, size_t *);
	int		 (*column_is_null)(struct db_stmt *, int);
	/* NULL: the database has no other daemons to hear from. */
	struct db_watch	*(*watch_open)(struct db *, const char *const *,
			    char **);
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_pg_driver;

int		 db_is_uri(const char *);
char		*db_pg_safe_name(const char *);
int		 db_pg_has_password(const char *);
struct db	*db_open(const char *, char **);
const char	*db_driver_name(struct db *);
void		 db_close(struct db *);
const char	*db_errmsg(struct db *);
const char	*db_stmt_errmsg(struct db_stmt *);
int		 db_conflict(struct db *);
int64_t		 db_changes(struct db *);
int64_t		 db_last_id(struct db *);
int64_t		 db_generation(struct db *);
int		 db_begin(struct db *);
int		 db_version(struct db *, int *);
int		 db_set_version(struct db *, int);
struct db_stmt	*db_prepare(struct db *, const char *);
int		 db_prepare_next(struct db *, const char **,
		    struct db_stmt **);
enum db_step	 db_step(struct db_stmt *);
void		 db_reset(struct db_stmt *);
void		 db_finalize(struct db_stmt *);
void		 db_bind_int(struct db_stmt *, int, int64_t);
void		 db_bind_text(struct db_stmt *, int, const char *);
void		 db_bind_null(struct db_stmt *, int);
void		 db_bind_blob(struct db_stmt *, int, const void *, size_t);
int64_t		 db_column_int(struct db_stmt *, int);
double		 db_column_double(struct db_stmt *, int);
const char	*db_column_text(struct db_stmt *, int);
const void	*db_column_blob(struct db_stmt *, int, size_t *);
int		 db_column_is_null(struct db_stmt *, int);

/* The watch connection (db_pg_watch.c): notifications, session locks. */
struct db_watch	*db_watch_open(struct db *, const char *const *, char **);
struct db_watch	*db_pg_watch_open(struct db *, const char *,
		    const char *const *, char **);
int		 db_pg_backend_pid(struct db *);
int		 db_watch_fd(struct db_watch *);
int		 db_watch_read(struct db_watch *, db_watch_cb *, void *);
int		 db_watch_lock(struct db_watch *, int64_t);
int		 db_watch_holds(struct db_watch *, int64_t);
void		 db_watch_close(struct db_watch *);

#endif
