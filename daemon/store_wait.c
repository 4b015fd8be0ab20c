/*
 * What a waiting user is told about the builds of a run that have not
 * ended: where a queued build stands in the daemon's queue, how long a
 * running one has been building, and how long such a build took before.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"
#include "store_private.h"

/* How many earlier builds of a variant an estimate averages. */
#define STORE_WAIT_SAMPLES	5

/*
 * Returns the milliseconds cargo took for the newest builds of a variant
 * of a project that it really ran (not reused, not the same build as
 * another), averaged; else the same for every variant of the project;
 * -1 when the project has no such build.
 */
static int64_t
store_wait_estimate(struct store *st, int64_t project_id, int64_t variant_id)
{
	struct db_stmt	*stmt;
	int64_t		 ms = -1;

	stmt = store_prepare(st, "SELECT avg(wall_ms) FROM (SELECT b.wall_ms"
	    " FROM builds b JOIN runs r ON r.id = b.run_id"
	    " WHERE r.project_id = ?1 AND (?2 = 0 OR b.variant_id = ?2)"
	    " AND b.state = 'done' AND b.wall_ms IS NOT NULL"
	    " AND b.reused_from IS NULL AND b.same_as IS NULL"
	    " ORDER BY b.id DESC LIMIT ?3) AS recent");
	db_bind_int(stmt, 1, project_id);
	db_bind_int(stmt, 2, variant_id);
	db_bind_int(stmt, 3, STORE_WAIT_SAMPLES);
	if (db_step(stmt) == DB_ROW &&
	    !db_column_is_null(stmt, 0))
		ms = (int64_t)db_column_double(stmt, 0);
	db_finalize(stmt);
	if (ms < 0 && variant_id != 0)
		return (store_wait_estimate(st, project_id, 0));
	return (ms);
}

/*
 * Returns the build object whose "id" is id, or NULL, looking from *from
 * on (then left after it): the builds and the rows asked about are both
 * in the run's order, so a run is walked once, not once per row.
 */
static cJSON *
store_wait_find(cJSON **from, int64_t id)
{
	cJSON	*b;

	for (b = *from; b != NULL; b = b->next) {
		if ((int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(b, "id")) == id) {
			*from = b->next;
			return (b);
		}
	}
	return (NULL);
}

/*
 * Adds to each queued or running build of a run (INTERFACE.md):
 * queue_position (a queued build's place among every queued build of the
 * daemon, 1 being the next to start), elapsed_ms (a running build's time
 * so far) and estimate_ms (how long the variant took before, else the
 * project's builds; null when nothing was built yet).
 */
void
store_run_waiting(struct store *st, int64_t run_id, cJSON *builds)
{
	struct db_stmt	*stmt;
	cJSON		*b, *from;
	int64_t		 est;
	time_t		 now = time(NULL);

	from = builds->child;
	stmt = store_prepare(st, "SELECT id, pos FROM (SELECT b.id, b.run_id,"
	    " b.seq, row_number() OVER (ORDER BY b.run_id, b.seq) AS pos"
	    " FROM builds b WHERE b.state = 'queued') AS q WHERE run_id = ?1"
	    " ORDER BY seq");
	db_bind_int(stmt, 1, run_id);
	while (db_step(stmt) == DB_ROW) {
		if ((b = store_wait_find(&from, db_column_int(stmt,
		    0))) != NULL)
			cJSON_AddNumberToObject(b, "queue_position",
			    (double)db_column_int(stmt, 1));
	}
	db_finalize(stmt);

	stmt = store_prepare(st, "SELECT b.id, b.state, b.started_at,"
	    " r.project_id, b.variant_id FROM builds b"
	    " JOIN runs r ON r.id = b.run_id"
	    " WHERE b.run_id = ?1 AND b.state IN ('queued', 'running')"
	    " ORDER BY b.seq");
	db_bind_int(stmt, 1, run_id);
	from = builds->child;
	while (db_step(stmt) == DB_ROW) {
		if ((b = store_wait_find(&from, db_column_int(stmt,
		    0))) == NULL)
			continue;
		if (strcmp(db_column_text(stmt, 1),
		    "running") == 0 &&
		    !db_column_is_null(stmt, 2))
			cJSON_AddNumberToObject(b, "elapsed_ms", (double)
			    (now - db_column_int(stmt, 2)) * 1000);
		est = store_wait_estimate(st, db_column_int(stmt, 3),
		    db_column_int(stmt, 4));
		if (est >= 0)
			cJSON_AddNumberToObject(b, "estimate_ms", (double)est);
		else
			cJSON_AddNullToObject(b, "estimate_ms");
	}
	db_finalize(stmt);
}
