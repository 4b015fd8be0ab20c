/*
 * /v1/searches: the smallest variant of an axes matrix without building
 * the grid (search.c, search_run.c, docs/search.md).
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/* The keys a POST /v1/searches takes. */
static const char *const api_search_keys[] = { "project", "matrix",
    "matrix_file", "artifact", "metric", "budget", "toolchain", "rev",
    "max_slowdown", "max_build_time", "speed_metric", "baseline", NULL };

/* Refuses a key the body should not have. Returns 0, or -1 with a reply. */
static int
api_search_keys_ok(const cJSON *doc, struct http_reply *reply)
{
	const char *const	*k;
	const cJSON		*item;

	cJSON_ArrayForEach(item, doc) {
		for (k = api_search_keys; *k != NULL &&
		    strcmp(*k, item->string) != 0; k++)
			;
		if (*k == NULL) {
			http_reply_error(reply, 400, "invalid_request", "%s: "
			    "unknown key; a search takes project, matrix, "
			    "matrix_file, artifact, metric, budget, toolchain, "
			    "rev, max_slowdown, max_build_time, speed_metric "
			    "and baseline", item->string);
			return (-1);
		}
	}
	return (0);
}

/*
 * Reads the limits a search's answer must stay within (search_limits.c),
 * kept as JSON in r. Returns 0, or -1 with a reply.
 */
static int
api_search_limits(const cJSON *doc, struct search_row *r,
    struct http_reply *reply)
{
	struct search_limits	 l;
	cJSON			*o;
	char			*cause = NULL, *json;

	if (search_limits_parse(doc, &l, &cause) != 0) {
		http_reply_error(reply, 400, "invalid_request", "%s", cause);
		free(cause);
		search_limits_clear(&l);
		return (-1);
	}
	if (search_limits_active(&l)) {
		o = search_limits_json(&l);
		json = cJSON_PrintUnformatted(o);
		r->limits = xstrdup(json);
		cJSON_free(json);
		cJSON_Delete(o);
	}
	search_limits_clear(&l);
	return (0);
}

/*
 * Refuses limits on a benchmark's figure when the matrix has no "bench".
 * Returns 0, or -1 with a reply.
 */
static int
api_search_needs_bench(const struct search_row *r, const struct matrix *m,
    struct http_reply *reply)
{
	struct search_limits	 l;
	int			 rc = 0;

	if (search_limits_read(r->limits, &l) != 0) {
		http_reply_error(reply, 500, "internal", "the search's limits "
		    "do not read back");
		rc = -1;
	} else if (l.slowdown >= 0 && strncmp(l.speed_metric, "bench.", 6) == 0 &&
	    matrix_bench(m) == NULL) {
		http_reply_error(reply, 400, "invalid_request", "max_slowdown: "
		    "%s is a benchmark's figure and matrix %s has no \"bench\";"
		    " add one (docs/speed.md): \"bench\": {\"command\": "
		    "[\"{artifact}\", ...]}", l.speed_metric, matrix_name(m));
		rc = -1;
	}
	search_limits_clear(&l);
	return (rc);
}

/*
 * Reads what a search measures and how far it may go: metric (default
 * file_size), artifact, budget, toolchain. Returns 0, or -1 with a reply.
 */
static int
api_search_settings(const cJSON *doc, struct search_row *r,
    struct variant *over, struct http_reply *reply)
{
	const cJSON	*budget, *tc;
	const char	*metric, *artifact;
	char		*value, *cause;

	if (api_opt_string(doc, "metric", &metric, reply) != 0 ||
	    api_opt_string(doc, "artifact", &artifact, reply) != 0)
		return (-1);
	if (metric != NULL && metric_unit(metric) == NULL) {
		cause = metric_unknown(metric);
		http_reply_error(reply, 400, "invalid_request", "metric: %s",
		    cause);
		free(cause);
		return (-1);
	}
	budget = cJSON_GetObjectItemCaseSensitive(doc, "budget");
	if (budget != NULL && !cJSON_IsNull(budget) &&
	    (!cJSON_IsNumber(budget) || budget->valuedouble < 1 ||
	    budget->valuedouble > 1000000 || budget->valuedouble !=
	    (double)(int64_t)budget->valuedouble)) {
		http_reply_error(reply, 400, "invalid_request", "budget: must "
		    "be a whole number of builds from 1 to 1000000");
		return (-1);
	}
	tc = cJSON_GetObjectItemCaseSensitive(doc, "toolchain");
	if (tc != NULL && !cJSON_IsNull(tc)) {
		if (variant_normalise("toolchain", tc, &value, &cause) != 0) {
			http_reply_error(reply, 400, "invalid_request",
			    "toolchain: %s", cause);
			free(cause);
			return (-1);
		}
		variant_set(over, "toolchain", value);
		free(value);
	}
	if (api_search_limits(doc, r, reply) != 0)
		return (-1);
	r->metric = xstrdup(metric != NULL ? metric : "file_size");
	r->artifact = artifact != NULL ? xstrdup(artifact) : NULL;
	r->budget = cJSON_IsNumber(budget) ? (int64_t)budget->valuedouble : 0;
	return (0);
}

/*
 * Reads the project a search is over: a tracked project at a revision
 * (default: its branch), resolved now in its clone so that every build
 * of the search is at the same commit; or a path. Returns 0, or -1 with
 * a reply.
 */
static int
api_search_project(struct api *api, const cJSON *doc, struct search_row *r,
    struct tracked_project *tp, struct variant *over,
    struct http_reply *reply)
{
	const cJSON	*pv = cJSON_GetObjectItemCaseSensitive(doc, "project");
	const char	*rev;
	char		*cause = NULL;

	if (api_opt_string(doc, "rev", &rev, reply) != 0)
		return (-1);
	if (!cJSON_IsString(pv) || strchr(pv->valuestring, '/') != NULL) {
		if ((r->project = api_project(api, pv, reply)) == NULL)
			return (-1);
		if (rev != NULL) {
			http_reply_error(reply, 400, "invalid_request", "rev: "
			    "%s is a path; only a tracked project is searched "
			    "at a revision", r->project);
			return (-1);
		}
		return (0);
	}
	if (api_tracked(api, pv->valuestring, tp, reply) != 0)
		return (-1);
	if (tp->head == NULL || tp->mirror == NULL) {
		http_reply_error(reply, 409, "not_ready", "project %s: %s",
		    tp->name, tp->problem ? tp->problem : "its source is "
		    "still being cloned; try again in a moment");
		return (-1);
	}
	if ((r->commit = git_resolve(tp->mirror, rev != NULL ? rev :
	    tp->branch, &cause)) == NULL) {
		http_reply_error(reply, 404, "unknown_revision", "%s", cause);
		free(cause);
		return (-1);
	}
	r->project_id = tp->id;
	r->project = xstrdup(tp->path);
	r->project_name = xstrdup(tp->name);
	r->package = tp->package != NULL ? xstrdup(tp->package) : NULL;
	if (tp->toolchain != NULL && variant_get(over, "toolchain") == NULL)
		variant_set(over, "toolchain", tp->toolchain);
	return (0);
}

/* POST /v1/searches: starts a search; answers its document. */
void
api_searches_create(struct api *api, const struct http_request *req,
    int64_t id, struct http_reply *reply)
{
	struct search_row	 r;
	struct tracked_project	 tp;
	struct variant		 over;
	struct plan_error	 err = { 0, NULL, NULL };
	struct matrix		*m = NULL;
	cJSON			*doc, *out;
	char			*root = NULL;

	(void)id;
	memset(&r, 0, sizeof r);
	memset(&tp, 0, sizeof tp);
	variant_init(&over);
	if ((doc = api_body(req, reply)) == NULL)
		return;
	if (api_search_keys_ok(doc, reply) != 0 ||
	    api_search_settings(doc, &r, &over, reply) != 0 ||
	    api_search_project(api, doc, &r, &tp, &over, reply) != 0)
		goto out;
	if ((m = api_matrix(api, cJSON_GetObjectItemCaseSensitive(doc,
	    "matrix"), cJSON_GetObjectItemCaseSensitive(doc, "matrix_file"),
	    SEARCH_MAX_GRID, reply)) == NULL)
		goto out;
	if (strcmp(matrix_shape(m), "axes") != 0) {
		http_reply_error(reply, 400, "invalid_matrix", "matrix %s is a "
		    "%s; a search walks the axes of an axes matrix",
		    matrix_name(m), matrix_shape(m));
		goto out;
	}
	if (api_search_needs_bench(&r, m, reply) != 0)
		goto out;
	if (plan_check_matrix(api->planner, m, &over, &err) != 0) {
		api_plan_fail(reply, &err);
		goto out;
	}
	if (r.project_name == NULL) {
		if (api_nothing_to_measure(api, r.project, m, &over, &root,
		    reply))
			goto out;
		r.package = root;
		root = NULL;
	}
	r.matrix = xstrdup(matrix_name(m));
	r.source = matrix_source_json(m);
	r.toolchain = variant_get(&over, "toolchain") != NULL ?
	    xstrdup(variant_get(&over, "toolchain")) : NULL;
	if (searcher_start(api->searcher, &r) != 0) {
		http_reply_error(reply, 500, "database", "cannot record the "
		    "search");
		goto out;
	}
	if (api_lookup_fail(reply, searcher_document(api->searcher, r.id,
	    &out), "search %lld", (long long)r.id) == 0)
		http_reply_json(reply, 201, out);
out:
	free(root);
	matrix_free(m);
	variant_clear(&over);
	tracked_project_clear(&tp);
	search_row_clear(&r);
	cJSON_Delete(doc);
}

/*
 * DELETE /v1/searches/{id}: stops a running search: it ends "cancelled"
 * first (so that nothing more is queued for it), then its runs are
 * cancelled. Answers its document; 409 when it was over already.
 */
void
api_search_cancel(struct api *api, const struct http_request *req,
    int64_t id, struct http_reply *reply)
{
	enum store_result	 rc;
	int64_t			*runs;
	size_t			 n;
	cJSON			*doc;

	(void)req;
	rc = store_search_finish(api->store, id, "cancelled", 0, NULL,
	    "cancelled by request");
	if (rc == STORE_CONFLICT && api_lookup_fail(reply,
	    searcher_document(api->searcher, id, &doc), "search %lld",
	    (long long)id) == 0) {
		cJSON_Delete(doc);
		http_reply_error(reply, 409, "conflict", "search %lld is over "
		    "already", (long long)id);
		return;
	}
	if (rc == STORE_CONFLICT || api_store_fail(reply, rc, "conflict",
	    "the database failed; the search goes on") != 0)
		return;
	if (store_search_active_runs(api->store, id, &runs, &n) == 0)
		api_cancel_runs(api, runs, n);
	log_info("search %lld: cancelled", (long long)id);
	if (api_lookup_fail(reply, searcher_document(api->searcher, id, &doc),
	    "search %lld", (long long)id) == 0)
		http_reply_json(reply, 200, doc);
}

/* GET /v1/searches/{id}: a search, its probes and, once over, its answer. */
void
api_search_get(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*doc;

	(void)req;
	if (api_lookup_fail(reply, searcher_document(api->searcher, id, &doc),
	    "search %lld", (long long)id) == 0)
		http_reply_json(reply, 200, doc);
}
