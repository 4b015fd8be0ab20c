/*
 * PostgreSQL's watch connection: a second session beside the store's,
 * that does nothing but LISTEN and hold session locks. The daemons
 * sharing a database wake each other through it (NOTIFY is delivered to
 * every listening session when the sender's transaction commits), and the
 * leader holds its advisory lock on it, so that the lock goes the moment
 * the daemon's connection does. Its socket is the caller's to poll; it
 * never runs a query while another waits on it.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "sizematd.h"
#include "db.h"

struct db_watch {
	struct db	*db;		/* the store's: whose notifications are ours */
	PGconn		*conn;
};

/*
 * Opens a watch connection to the database db is connected to (conninfo:
 * its URI) and listens on each of channels (plain identifiers). NULL with
 * *cause set on failure.
 */
struct db_watch *
db_pg_watch_open(struct db *db, const char *conninfo,
    const char *const *channels, char **cause)
{
	/*
	 * A connection that dies without a word (a network cut) is found
	 * dead in about 25 s, so that its lead is not kept by a daemon
	 * that cannot reach the server; later keys override the URI's.
	 */
	static const char *const keys[] = { "dbname",
	    "fallback_application_name", "keepalives_idle",
	    "keepalives_interval", "keepalives_count", "tcp_user_timeout",
	    NULL };
	const char	*values[] = { conninfo, "sizematd-watch", "10", "5", "3",
	    "25000", NULL };
	struct db_watch	*w;
	PGresult	*res;
	char		*sql;
	size_t		 i;

	w = xcalloc(1, sizeof *w);
	w->db = db;
	w->conn = PQconnectdbParams(keys, values, 1);
	if (w->conn == NULL || PQstatus(w->conn) != CONNECTION_OK)
		goto fail;
	for (i = 0; channels[i] != NULL; i++) {
		xasprintf(&sql, "LISTEN %s", channels[i]);
		res = PQexec(w->conn, sql);
		free(sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			PQclear(res);
			goto fail;
		}
		PQclear(res);
	}
	if (PQsetnonblocking(w->conn, 1) != 0)
		goto fail;
	return (w);
fail:
	xasprintf(cause, "%s", w->conn != NULL ? PQerrorMessage(w->conn) :
	    "out of memory");
	(*cause)[strcspn(*cause, "\n")] = '\0';
	db_watch_close(w);
	return (NULL);
}

/* The socket to poll for reading. */
int
db_watch_fd(struct db_watch *w)
{
	return (PQsocket(w->conn));
}

/*
 * Reads what arrived and calls cb with each notification's channel and
 * payload, and whether this process's own store connection sent it. 0, or
 * -1 when the connection is gone (the caller opens another).
 */
int
db_watch_read(struct db_watch *w, db_watch_cb *cb, void *arg)
{
	PGnotify	*n;
	int		 self;

	if (PQconsumeInput(w->conn) == 0 ||
	    PQstatus(w->conn) != CONNECTION_OK)
		return (-1);
	while ((n = PQnotifies(w->conn)) != NULL) {
		self = n->be_pid == db_pg_backend_pid(w->db);
		cb(n->relname, n->extra, self, arg);
		PQfreemem(n);
	}
	return (0);
}

/*
 * Runs a query of one value on the watch connection, waiting for it (the
 * connection is idle but for this), and tells whether the value is truth:
 * 1 when it differs from no, 0 when it is no, -1 when the connection is
 * gone. Notifications that arrive meanwhile wait in libpq: read them next.
 */
static int
db_watch_ask(struct db_watch *w, const char *sql, const char *no)
{
	PGresult	*res;
	int		 rc = -1;

	PQsetnonblocking(w->conn, 0);
	res = PQexec(w->conn, sql);
	PQsetnonblocking(w->conn, 1);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		rc = strcmp(PQgetvalue(res, 0, 0), no) != 0;
	PQclear(res);
	return (rc);
}

/*
 * Tries to take session advisory lock key without waiting: 1 taken (it is
 * this connection's until it closes), 0 another session holds it, -1 the
 * connection is gone. Ask once: a session that holds it would stack it.
 */
int
db_watch_lock(struct db_watch *w, int64_t key)
{
	char	 sql[64];

	snprintf(sql, sizeof sql, "SELECT pg_try_advisory_lock(%lld)",
	    (long long)key);
	return (db_watch_ask(w, sql, "f"));
}

/*
 * Whether this connection still holds advisory lock key: 1, 0, or -1 when
 * the connection is gone.
 */
int
db_watch_holds(struct db_watch *w, int64_t key)
{
	char	 sql[192];

	/* A bigint key shows as its high and low halves. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_locks WHERE"
	    " locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
	    " AND classid = %lld AND objid = %lld AND objsubid = 1",
	    (long long)((uint64_t)key >> 32),
	    (long long)((uint64_t)key & 0xffffffffULL));
	return (db_watch_ask(w, sql, "0"));
}

/* Closes the watch connection; its session locks go with it. */
void
db_watch_close(struct db_watch *w)
{
	if (w == NULL)
		return;
	if (w->conn != NULL)
		PQfinish(w->conn);
	free(w);
}
