/*
 * The SQL layer on PostgreSQL, through libpq: one connection, statements
 * kept as text with SQLite's ?N parameters turned into $N, run with typed
 * parameters when first stepped, their rows read from the result as text.
 * db_pg_watch.c keeps the second connection, for notifications and locks;
 * no other file includes libpq-fe.h.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "sizematd.h"
#include "db.h"

/* The type oids the layer sends and reads (pg_type.h is the server's). */
#define PG_BOOL		16
#define PG_BYTEA	17
#define PG_INT8		20
#define PG_TEXT		25
#define PG_FLOAT4	700
#define PG_FLOAT8	701
#define PG_NUMERIC	1700

/* Schema versions and migrations are one daemon's at a time: this lock. */
#define PG_MIGRATE_LOCK	"7420017"

struct pg_db {
	struct db	 db;
	PGconn		*conn;
	char		*uri;		/* for the watch connection */
	char		*err;		/* the last failure */
	char		 state[6];	/* its SQLSTATE */
	int64_t		 changes;
};

struct pg_stmt {
	struct db_stmt	 base;
	char		*sql;		/* with $N parameters */
	int		 nparams;
	char		**values;
	int		*lengths;
	int		*formats;
	Oid		*types;
	PGresult	*res;
	int		 row;		/* the current row, -1 before */
	int		 run;		/* executed since the last reset */
	unsigned char	*blob;		/* the last column_blob, unescaped */
};

#define PGDB(d)		((struct pg_db *)(d))
#define PGSTMT(s)	((struct pg_stmt *)(s))

/*
 * Keeps a failure's message and SQLSTATE: the result's message and hint
 * on one line, else the connection's.
 */
static void
pg_fail(struct pg_db *d, const PGresult *res)
{
	const char	*msg = NULL, *hint = NULL, *state = NULL;
	size_t		 n;

	if (res != NULL) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	}
	free(d->err);
	if (msg == NULL)
		d->err = xstrdup(PQerrorMessage(d->conn));
	else if (hint != NULL)
		xasprintf(&d->err, "%s (%s)", msg, hint);
	else
		d->err = xstrdup(msg);
	n = strlen(d->err);
	while (n > 0 && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
	snprintf(d->state, sizeof d->state, "%s", state != NULL ? state : "");
}

/* Notices (a table that existed already, say) are not worth a log line. */
static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgresql: %s", msg);
}

/*
 * A session's settings: UTC, notices at debug level, and a lock another
 * session holds waited for 5 s at most, as SQLite's busy timeout, before
 * the statement fails with "lock timeout".
 */
static int
pg_session(struct pg_db *d)
{
	PGresult	*res;
	int		 rc = 0;

	res = PQexec(d->conn, "SET TIME ZONE 'UTC'; SET client_min_messages ="
	    " warning; SET lock_timeout = '5s'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(d, res);
		rc = -1;
	}
	PQclear(res);
	return (rc);
}

/*
 * Sends a statement, with its parameters when n > 0, else as a script,
 * and returns its result (the caller clears it), or NULL with the failure
 * kept. A connection that broke while no transaction was open is made
 * again and the statement sent once more; inside a transaction the
 * failure is the caller's, whose transaction the server has dropped.
 */
static PGresult *
pg_send(struct pg_db *d, const char *sql, int n, const Oid *types,
    const char *const *values, const int *lengths, const int *formats)
{
	PGresult	*res;
	int		 idle, tries;

	for (tries = 0; tries < 2; tries++) {
		idle = PQtransactionStatus(d->conn) == PQTRANS_IDLE;
		if (n == 0)
			res = PQexec(d->conn, sql);
		else
			res = PQexecParams(d->conn, sql, n, types, values,
			    lengths, formats, 0);
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
			d->changes = strtoll(PQcmdTuples(res), NULL, 10);
			return (res);
		case PGRES_TUPLES_OK:
		case PGRES_EMPTY_QUERY:		/* a script of comments */
			return (res);
		default:
			break;
		}
		pg_fail(d, res);
		PQclear(res);
		log_debug("postgresql: %s: %s", d->err, sql);
		if (!idle || tries > 0 || PQstatus(d->conn) != CONNECTION_BAD)
			break;
		log_warnx("postgresql: %s; connecting again", d->err);
		PQreset(d->conn);
		if (PQstatus(d->conn) != CONNECTION_OK || pg_session(d) != 0)
			break;
	}
	return (NULL);
}

/* Runs a statement without parameters; 0, or -1 with the failure kept. */
static int
pg_exec(struct pg_db *d, const char *sql)
{
	PGresult	*res;

	if ((res = pg_send(d, sql, 0, NULL, NULL, NULL, NULL)) == NULL)
		return (-1);
	PQclear(res);
	return (0);
}

static void
pg_close(struct db *db)
{
	PQfinish(PGDB(db)->conn);
	free(PGDB(db)->uri);
	free(PGDB(db)->err);
	free(db);
}

/*
 * Connects to the URI's database. The URI may carry no password (main.c
 * refuses one on the command line); libpq then reads PGPASSFILE or
 * ~/.pgpass. A URI libpq cannot read is refused without quoting libpq,
 * whose message would repeat the part it could not read: the password,
 * perhaps.
 */
static struct db *
pg_open(const char *uri, char **cause)
{
	static const char *const keys[] = { "dbname",
	    "fallback_application_name", NULL };
	const char		*values[] = { uri, "sizematd", NULL };
	PQconninfoOption	*opts;
	struct pg_db		*d;

	if ((opts = PQconninfoParse(uri, NULL)) == NULL) {
		xasprintf(cause, "the PostgreSQL URI cannot be read: check its"
		    " %%-escapes and that it has no spaces");
		return (NULL);
	}
	PQconninfoFree(opts);
	d = xcalloc(1, sizeof *d);
	d->db.driver = &db_pg_driver;
	d->uri = xstrdup(uri);
	d->conn = PQconnectdbParams(keys, values, 1);
	if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
		xasprintf(cause, "%s", d->conn != NULL ?
		    PQerrorMessage(d->conn) : "out of memory");
		(*cause)[strcspn(*cause, "\n")] = '\0';
		pg_close(&d->db);
		return (NULL);
	}
	PQsetNoticeProcessor(d->conn, pg_notice, NULL);
	if (pg_session(d) != 0) {
		xasprintf(cause, "%s", d->err);
		pg_close(&d->db);
		return (NULL);
	}
	return (&d->db);
}

static const char *
pg_errmsg(struct db *db)
{
	return (PGDB(db)->err != NULL ? PGDB(db)->err : "no error");
}

/* unique_violation */
static int
pg_conflict(struct db *db)
{
	return (strcmp(PGDB(db)->state, "23505") == 0);
}

static int64_t
pg_changes(struct db *db)
{
	return (PGDB(db)->changes);
}

/* Reads one number a query without parameters gives; -1 on failure. */
static int64_t
pg_scalar(struct pg_db *d, const char *sql)
{
	PGresult	*res;
	int64_t		 v = -1;

	if ((res = pg_send(d, sql, 0, NULL, NULL, NULL, NULL)) == NULL)
		return (-1);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0))
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return (v);
}

/* The session's last identity value: the id the last INSERT was given. */
static int64_t
pg_last_id(struct db *db)
{
	return (pg_scalar(PGDB(db), "SELECT lastval()"));
}

/*
 * What the server shows a new statement: its snapshot (the oldest
 * transaction still running, the next to start, those in progress),
 * hashed. It changes when any session's write transaction begins or
 * commits, and only then, so an answer read under one snapshot holds
 * until it changes. -1 when the server cannot be asked.
 */
static int64_t
pg_generation(struct db *db)
{
	PGresult		*res;
	const unsigned char	*p;
	uint64_t		 h = 14695981039346656037ULL;	/* FNV-1a */

	res = pg_send(PGDB(db), "SELECT pg_current_snapshot()::text", 0,
	    NULL, NULL, NULL, NULL);
	if (res == NULL)
		return (-1);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		for (p = (const unsigned char *)PQgetvalue(res, 0, 0); *p;
		    p++)
			h = (h ^ *p) * 1099511628211ULL;
	PQclear(res);
	return ((int64_t)(h >> 1));
}

static int
pg_begin(struct db *db)
{
	return (pg_exec(PGDB(db), "BEGIN"));
}

/*
 * The schema version lives in a table of its own. Read inside a
 * transaction (a migration's), it first takes a lock held to the
 * transaction's end, so that daemons starting at once migrate one after
 * the other, and makes the table on a new database; read outside one (the
 * status), it only reads.
 */
static int
pg_version(struct db *db, int *v)
{
	struct pg_db	*d = PGDB(db);
	int64_t		 n;

	if (PQtransactionStatus(d->conn) == PQTRANS_INTRANS &&
	    pg_exec(d, "SET LOCAL lock_timeout = 0; SELECT"
	    " pg_advisory_xact_lock(" PG_MIGRATE_LOCK "); SET LOCAL"
	    " lock_timeout = '5s'; CREATE TABLE IF NOT EXISTS sizemat_schema"
	    " (version integer NOT NULL)") != 0)
		return (-1);
	if ((n = pg_scalar(d, "SELECT coalesce(max(version), 0)"
	    " FROM sizemat_schema")) < 0)
		return (-1);
	*v = (int)n;
	return (0);
}

static int
pg_set_version(struct db *db, int v)
{
	char	 sql[96];

	snprintf(sql, sizeof sql, "DELETE FROM sizemat_schema;"
	    " INSERT INTO sizemat_schema VALUES (%d)", v);
	return (pg_exec(PGDB(db), sql));
}

/*
 * Turns SQLite's parameters into PostgreSQL's: ?N is $N, a bare ? is one
 * past the highest so far. Quoted text, quoted names and comments are
 * copied as they are. Sets *n to the highest parameter.
 */
static char *
pg_translate(const char *sql, int *n)
{
	const char	*p = sql;
	char		*out, *o, quote;
	size_t		 size;
	long		 k;

	size = strlen(sql) * 4 + 1;	/* ? is at most $999 */
	out = o = xmalloc(size);
	*n = 0;
	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			quote = *p;
			*o++ = *p++;
			while (*p != '\0' && *p != quote)
				*o++ = *p++;
			if (*p != '\0')
				*o++ = *p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				*o++ = *p++;
		} else if (*p == '?') {
			p++;
			if (isdigit((unsigned char)*p))
				k = strtol(p, (char **)&p, 10);
			else
				k = *n + 1;
			if (k > *n)
				*n = (int)k;
			o += snprintf(o, size - (size_t)(o - out), "$%ld", k);
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return (out);
}

static struct db_stmt *
pg_stmt_new(struct db *db, char *sql, int nparams)
{
	struct pg_stmt	*s;

	s = xcalloc(1, sizeof *s);
	s->base.db = db;
	s->sql = sql;
	s->nparams = nparams;
	s->row = -1;
	if (nparams > 0) {
		s->values = xcalloc(nparams, sizeof *s->values);
		s->lengths = xcalloc(nparams, sizeof *s->lengths);
		s->formats = xcalloc(nparams, sizeof *s->formats);
		s->types = xcalloc(nparams, sizeof *s->types);
	}
	return (&s->base);
}

/* The statement is checked by the server when first run. */
static struct db_stmt *
pg_prepare(struct db *db, const char *sql)
{
	int	 n;
	char	*t;

	t = pg_translate(sql, &n);
	return (pg_stmt_new(db, t, n));
}

/*
 * A migration is sent whole, as a script: the server runs it statement
 * by statement in the caller's transaction.
 */
static int
pg_prepare_next(struct db *db, const char **sql, struct db_stmt **stmt)
{
	const char	*p;

	for (p = *sql; isspace((unsigned char)*p); p++)
		;
	*stmt = *p == '\0' ? NULL : pg_stmt_new(db, xstrdup(*sql), 0);
	*sql += strlen(*sql);
	return (0);
}

/* Runs the statement: with its parameters, or as a script when it has none. */
static int
pg_run(struct pg_stmt *s)
{
	s->res = pg_send(PGDB(s->base.db), s->sql, s->nparams, s->types,
	    (const char *const *)s->values, s->lengths, s->formats);
	return (s->res == NULL ? -1 : 0);
}

static enum db_step
pg_step(struct db_stmt *stmt)
{
	struct pg_stmt	*s = PGSTMT(stmt);

	if (!s->run) {
		s->run = 1;
		if (pg_run(s) != 0)
			return (DB_ERROR);
	}
	if (s->res == NULL)
		return (DB_ERROR);
	if (PQresultStatus(s->res) != PGRES_TUPLES_OK)
		return (DB_DONE);
	if (s->row < PQntuples(s->res))
		s->row++;
	return (s->row < PQntuples(s->res) ? DB_ROW : DB_DONE);
}

static void
pg_reset(struct db_stmt *stmt)
{
	struct pg_stmt	*s = PGSTMT(stmt);

	PQclear(s->res);
	s->res = NULL;
	PQfreemem(s->blob);
	s->blob = NULL;
	s->row = -1;
	s->run = 0;
}

static void
pg_finalize(struct db_stmt *stmt)
{
	struct pg_stmt	*s = PGSTMT(stmt);
	int		 i;

	pg_reset(stmt);
	for (i = 0; i < s->nparams; i++)
		free(s->values[i]);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->types);
	free(s->sql);
	free(s);
}

/* Sets parameter i (from 1) to a copy of len bytes of a type, or NULL. */
static void
pg_bind(struct db_stmt *stmt, int i, Oid type, const void *v, size_t len,
    int binary)
{
	struct pg_stmt	*s = PGSTMT(stmt);

	if (i < 1 || i > s->nparams) {
		log_warnx("store: no parameter %d in %s", i, s->sql);
		return;
	}
	i--;
	free(s->values[i]);
	s->values[i] = NULL;
	if (v != NULL) {
		s->values[i] = xmalloc(len + 1);
		memcpy(s->values[i], v, len);
		s->values[i][len] = '\0';
	}
	s->types[i] = type;
	s->lengths[i] = (int)len;
	s->formats[i] = binary;
}

static void
pg_bind_int(struct db_stmt *stmt, int i, int64_t v)
{
	char	 buf[24];

	snprintf(buf, sizeof buf, "%" PRId64, v);
	pg_bind(stmt, i, PG_INT8, buf, strlen(buf), 0);
}

static void
pg_bind_text(struct db_stmt *stmt, int i, const char *v)
{
	pg_bind(stmt, i, PG_TEXT, v, v != NULL ? strlen(v) : 0, 0);
}

/* A NULL takes its type from where it is used. */
static void
pg_bind_null(struct db_stmt *stmt, int i)
{
	pg_bind(stmt, i, 0, NULL, 0, 0);
}

static void
pg_bind_blob(struct db_stmt *stmt, int i, const void *data, size_t len)
{
	pg_bind(stmt, i, PG_BYTEA, data, len, 1);
}

/* Column i of the current row as text, or NULL. */
static const char *
pg_value(struct pg_stmt *s, int i)
{
	if (s->res == NULL || s->row < 0 || s->row >= PQntuples(s->res) ||
	    i >= PQnfields(s->res) || PQgetisnull(s->res, s->row, i))
		return (NULL);
	return (PQgetvalue(s->res, s->row, i));
}

static int64_t
pg_column_int(struct db_stmt *stmt, int i)
{
	struct pg_stmt	*s = PGSTMT(stmt);
	const char	*v;

	if ((v = pg_value(s, i)) == NULL)
		return (0);
	switch (PQftype(s->res, i)) {
	case PG_BOOL:
		return (*v == 't');
	case PG_FLOAT4:
	case PG_FLOAT8:
	case PG_NUMERIC:
		return ((int64_t)strtod(v, NULL));
	default:
		return (strtoll(v, NULL, 10));
	}
}

static double
pg_column_double(struct db_stmt *stmt, int i)
{
	const char	*v;

	if ((v = pg_value(PGSTMT(stmt), i)) == NULL)
		return (0);
	if (PQftype(PGSTMT(stmt)->res, i) == PG_BOOL)
		return (*v == 't');
	return (strtod(v, NULL));
}

/* A truth value reads as SQLite writes it: 1 or 0. */
static const char *
pg_column_text(struct db_stmt *stmt, int i)
{
	const char	*v;

	if ((v = pg_value(PGSTMT(stmt), i)) == NULL)
		return (NULL);
	if (PQftype(PGSTMT(stmt)->res, i) == PG_BOOL)
		return (*v == 't' ? "1" : "0");
	return (v);
}

static const void *
pg_column_blob(struct db_stmt *stmt, int i, size_t *len)
{
	struct pg_stmt	*s = PGSTMT(stmt);
	const char	*v;

	*len = 0;
	PQfreemem(s->blob);
	s->blob = NULL;
	if ((v = pg_value(s, i)) == NULL)
		return (NULL);
	if (PQftype(s->res, i) != PG_BYTEA) {
		*len = strlen(v);
		return (v);
	}
	s->blob = PQunescapeBytea((const unsigned char *)v, len);
	return (s->blob);
}

static int
pg_column_is_null(struct db_stmt *stmt, int i)
{
	return (pg_value(PGSTMT(stmt), i) == NULL);
}

/*
 * A URI fit for logs: user, host, port and database, never the password.
 * Returns a new string.
 */
char *
db_pg_safe_name(const char *uri)
{
	PQconninfoOption	*opts, *o;
	const char		*user = "", *host = "", *port = "", *db = "";
	char			*s;

	if ((opts = PQconninfoParse(uri, NULL)) == NULL)
		return (xstrdup("postgresql://(unreadable URI)"));
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
	}
	if (*host == '/')
		xasprintf(&s, "postgresql://%s%s/%s?host=%s%s%s", user,
		    *user ? "@" : "", db, host, *port ? "&port=" : "", port);
	else
		xasprintf(&s, "postgresql://%s%s%s%s%s/%s", user,
		    *user ? "@" : "", host, *port ? ":" : "", port, db);
	PQconninfoFree(opts);
	return (s);
}

/*
 * Tells whether a URI carries a password: 1, 0, or -1 when libpq cannot
 * read it (and so cannot say).
 */
int
db_pg_has_password(const char *uri)
{
	PQconninfoOption	*opts, *o;
	int			 found = 0;

	if ((opts = PQconninfoParse(uri, NULL)) == NULL)
		return (-1);
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    *o->val != '\0')
			found = 1;
	PQconninfoFree(opts);
	return (found);
}

/* The server process of the store's connection: notifications name it. */
int
db_pg_backend_pid(struct db *db)
{
	return (PQbackendPID(PGDB(db)->conn));
}

static struct db_watch *
pg_watch_open(struct db *db, const char *const *channels, char **cause)
{
	return (db_pg_watch_open(db, PGDB(db)->uri, channels, cause));
}

const struct db_driver db_pg_driver = {
	"postgresql", pg_open, pg_close, pg_errmsg, pg_conflict, pg_changes,
	pg_last_id, pg_generation, pg_begin, pg_version, pg_set_version,
	pg_prepare, pg_prepare_next, pg_step, pg_reset, pg_finalize,
	pg_bind_int, pg_bind_text, pg_bind_null, pg_bind_blob, pg_column_int,
	pg_column_double, pg_column_text, pg_column_blob, pg_column_is_null,
	pg_watch_open
};
