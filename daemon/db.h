/*
 * The SQL layer under the store: a database handle and its statements,
 * whatever the driver. The store's files use nothing else, so that a
 * second driver is one file beside db_sqlite.c. Only the store includes
 * it.
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

/* What a step of a statement gave. */
enum db_step {
	DB_ROW,			/* a row to read */
	DB_DONE,		/* no more rows */
	DB_ERROR		/* the database failed; db_errmsg says how */
};

struct db	*db_open(const char *, char **);
void		 db_close(struct db *);
const char	*db_errmsg(struct db *);
const char	*db_stmt_errmsg(struct db_stmt *);
int		 db_conflict(struct db *);
int64_t		 db_changes(struct db *);
int64_t		 db_last_id(struct db *);
int64_t		 db_generation(struct db *);
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

#endif
