/*
 * Webhook deliveries in the store: queued, due, and how each attempt
 * ended.
 */
#include <time.h>

#include <sqlite3.h>

#include "sizematd.h"
#include "store_private.h"

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
