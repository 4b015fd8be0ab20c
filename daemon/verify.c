/*
 * Verification: a run's done builds built again, each in a target dir no
 * build used before (another path, of another length; the daemon's path
 * remapping on), as a run of kind verify whose parent the run is;
 * api_verify.c compares the bytes. Asked for through the API, or by a
 * matrix with "verify": true once its run settles.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/*
 * Queues run id's done builds again as a verify run. Returns 0 with
 * *child, or -1 with err (409 when the run has no done build).
 */
int
verify_queue(const struct planner *pl, int64_t id, int64_t *child,
    struct plan_error *err)
{
	const cJSON	*b;
	struct run_plan	 run;
	struct variant	*vars = NULL;
	cJSON		*doc;
	char		*cause, *path = NULL, *commit = NULL, *source = NULL;
	size_t		 n = 0, i;
	int		 bootstrap = 0, rc = -1;

	memset(&run, 0, sizeof run);
	if (store_run_document(pl->store, id, &doc) != STORE_OK ||
	    store_run_origin(pl->store, id, &run.project_id, &path,
	    &commit) != STORE_OK) {
		plan_error(err, 404, "not_found", "no run %lld, or the "
		    "database failed", (long long)id);
		goto out;
	}
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds")) {
		if (strcmp(json_str(b, "state", ""), "done") != 0)
			continue;
		vars = xreallocarray(vars, n + 1, sizeof *vars);
		if (variant_from_json(&vars[n], cJSON_GetObjectItemCaseSensitive(
		    b, "variant"), &cause) != 0) {
			plan_error(err, 500, "database", "build %lld: %s",
			    (long long)json_int(b, "id", 0), cause);
			free(cause);
			goto out;
		}
		bootstrap |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b,
		    "bootstrap"));
		n++;
	}
	if (n == 0) {
		plan_error(err, 409, "not_ready", "run %lld has no done build "
		    "to verify", (long long)id);
		goto out;
	}
	xasprintf(&source, "{\"verify\":%lld}", (long long)id);
	run.project = path;
	run.matrix = "verify";
	run.shape = "axes";
	run.source = source;
	run.parent = id;
	run.rev = commit;
	run.kind = "verify";	/* detection does not look at it */
	run.force = run.fresh = 1;
	if ((rc = plan_queue(pl, &run, vars, NULL, NULL, n, bootstrap, child,
	    err)) == 0)
		log_info("run %lld: run %lld builds its %zu done build%s again "
		    "to verify them", (long long)id, (long long)*child, n,
		    n == 1 ? "" : "s");
out:
	for (i = 0; i < n; i++)
		variant_clear(&vars[i]);
	free(vars);
	free(source);
	free(path);
	free(commit);
	cJSON_Delete(doc);
	return (rc);
}

/*
 * Listens to the queue: a run of a matrix with "verify": true that has
 * settled is verified (once: its verify run is of another kind).
 */
void
verify_on_queue(enum queue_event ev, int64_t id, void *arg)
{
	const struct planner	*pl = arg;
	struct plan_error	 err = { 0, NULL, NULL };
	int64_t			 child;

	if (ev != QUEUE_RUN_SETTLED ||
	    store_run_wants_verify(pl->store, id) != STORE_OK)
		return;
	if (verify_queue(pl, id, &child, &err) != 0) {
		log_warnx("run %lld: cannot verify it: %s", (long long)id,
		    err.message);
		plan_error_clear(&err);
	}
}
