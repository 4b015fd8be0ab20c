/*
 * Webhook deliveries in the store: queued, due, and how each attempt
 * ended.
 */
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

/* Queues one webhook delivery for a commit (once per commit and URL). */
int
store_delivery_add(struct store *st, int64_t project_id, const char *commit,
    const char *url, const char *body)
{
	struct db_stmt	*stmt;
	time_t		 now = time(NULL);

	stmt = store_prepare(st, "INSERT INTO deliveries (project_id,"
	    " commit_id, url, body, state, next_at, created_at) VALUES (?1,"
	    " ?2, ?3, ?4, 'pending', ?5, ?5) ON CONFLICT DO NOTHING");
	db_bind_int(stmt, 1, project_id);
	store_bind_text(stmt, 2, commit);
	store_bind_text(stmt, 3, url);
	store_bind_text(stmt, 4, body);
	db_bind_int(stmt, 5, (int64_t)now);
	return (store_step_done(st, stmt));
}

/*
 * Finds a pending delivery due at or before now, after *id: STORE_OK with
 * its id, URL, body and attempts so far, STORE_NOT_FOUND when none is due.
 */
enum store_result
store_delivery_due(struct store *st, int64_t now, int64_t *id, char **url,
    char **body, int *attempts)
{
	struct db_stmt	*stmt;
	int		 rc;

	stmt = store_prepare(st, "SELECT id, url, body, attempts FROM"
	    " deliveries WHERE state = 'pending' AND next_at <= ?1 AND"
	    " id > ?2 ORDER BY id LIMIT 1");
	db_bind_int(stmt, 1, now);
	db_bind_int(stmt, 2, *id);
	if ((rc = db_step(stmt)) == DB_ROW) {
		*id = db_column_int(stmt, 0);
		*url = store_column_dup(stmt, 1);
		*body = store_column_dup(stmt, 2);
		*attempts = db_column_int(stmt, 3);
	}
	db_finalize(stmt);
	return (store_found(st, rc));
}

/*
 * Records an attempt: delivered (next_at 0), or pending again at next_at,
 * or failed for good (next_at -1).
 */
int
store_delivery_result(struct store *st, int64_t id, int status,
    const char *error, int64_t next_at)
{
	struct db_stmt	*stmt;

	stmt = store_prepare(st, "UPDATE deliveries SET attempts = attempts +"
	    " 1, status = ?2, error = ?3, state = CASE WHEN ?4 = 0 THEN"
	    " 'delivered' WHEN ?4 < 0 THEN 'failed' ELSE 'pending' END,"
	    " next_at = CASE WHEN ?4 > 0 THEN ?4 ELSE next_at END,"
	    " delivered_at = CASE WHEN ?4 = 0 THEN ?5 END WHERE id = ?1");
	db_bind_int(stmt, 1, id);
	if (status > 0)
		db_bind_int(stmt, 2, status);
	else
		db_bind_null(stmt, 2);
	store_bind_text(stmt, 3, error);
	db_bind_int(stmt, 4, next_at);
	db_bind_int(stmt, 5, (int64_t)time(NULL));
	return (store_step_done(st, stmt));
}

/* Returns when the next pending delivery is due, or 0 when none is. */
int64_t
store_delivery_next_at(struct store *st)
{
	struct db_stmt	*stmt;
	int64_t		 when = 0;

	stmt = store_prepare(st, "SELECT min(next_at) FROM deliveries"
	    " WHERE state = 'pending'");
	if (db_step(stmt) == DB_ROW &&
	    !db_column_is_null(stmt, 0))
		when = db_column_int(stmt, 0);
	db_finalize(stmt);
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
	struct db_stmt	*stmt;
	cJSON		*a;

	stmt = store_prepare(st, "SELECT id, commit_id, url, state, attempts,"
	    " status, error, " STORE_TIME("created_at") ","
	    " " STORE_TIME("delivered_at") ", body FROM deliveries"
	    " WHERE project_id = ?1 ORDER BY id DESC");
	db_bind_int(stmt, 1, project_id);
	a = store_json_rows(stmt, columns);
	return (a);
}
