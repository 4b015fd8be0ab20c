/*
 * GET /v1/runs/{id}/pareto?x=M&y=M&artifact=A, and GET /v1/pareto?project=P
 * (a project's current results): the trade-off between two measurements
 * over the variants. A variant is dominated when another is at least as
 * good on both (smaller) and better on one; the front is every variant
 * that is not, ties on both staying on it.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

struct pareto_point {
	const cJSON	*build;
	double		 x;
	double		 y;
	int		 dominated;
};

/*
 * Reads a measurement of a build: wall_ms and cpu_ms are the build's, any
 * other name its artifact's. Returns 0 with *v, or -1 when it has none.
 */
static int
pareto_value(const cJSON *b, const char *artifact, const char *name,
    double *v)
{
	const cJSON	*a, *item = NULL;

	if (strcmp(name, "wall_ms") == 0 || strcmp(name, "cpu_ms") == 0)
		item = cJSON_GetObjectItemCaseSensitive(b, name);
	else {
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(b,
		    "artifacts")) {
			if (strcmp(json_str(a, "name", ""), artifact) == 0)
				break;
		}
		item = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(a, "measurements"), name);
	}
	if (!cJSON_IsNumber(item) || item->valuedouble < 0)
		return (-1);
	*v = item->valuedouble;
	return (0);
}

/* Tells whether p dominates q: as good on both, better on one. */
static int
pareto_dominates(const struct pareto_point *p, const struct pareto_point *q)
{
	return (p->x <= q->x && p->y <= q->y && (p->x < q->x || p->y < q->y));
}

/* Orders points by x, then y. */
static int
pareto_cmp(const void *a, const void *b)
{
	const struct pareto_point	*p = a, *q = b;

	if (p->x != q->x)
		return (p->x < q->x ? -1 : 1);
	return (p->y < q->y ? -1 : p->y > q->y ? 1 : 0);
}

/* Adds a point as {variant_key, x, y, build}. */
static cJSON *
pareto_row(const struct pareto_point *p)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "variant_key", json_str(p->build,
	    "variant_key", ""));
	cJSON_AddNumberToObject(o, "x", p->x);
	cJSON_AddNumberToObject(o, "y", p->y);
	cJSON_AddNumberToObject(o, "build", json_num(p->build, "id", 0));
	return (o);
}

/*
 * Answers the front and the dominated of points sorted by x: each
 * dominated one with the front point of smallest x that dominates it.
 */
static cJSON *
pareto_document(struct pareto_point *pts, size_t n, const char *x,
    const char *y, const char *artifact)
{
	cJSON	*doc, *front, *dom, *row;
	size_t	 i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n && !pts[i].dominated; j++)
			pts[i].dominated = pareto_dominates(&pts[j], &pts[i]);
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "x", x);
	cJSON_AddStringToObject(doc, "y", y);
	cJSON_AddStringToObject(doc, "artifact", artifact);
	front = cJSON_AddArrayToObject(doc, "front");
	dom = cJSON_AddArrayToObject(doc, "dominated");
	for (i = 0; i < n; i++) {
		row = pareto_row(&pts[i]);
		if (!pts[i].dominated) {
			cJSON_AddItemToArray(front, row);
			continue;
		}
		for (j = 0; j < n; j++) {
			if (!pts[j].dominated &&
			    pareto_dominates(&pts[j], &pts[i]))
				break;
		}
		cJSON_AddStringToObject(row, "by", json_str(pts[j].build,
		    "variant_key", ""));
		cJSON_DeleteItemFromObjectCaseSensitive(row, "build");
		cJSON_AddItemToArray(dom, row);
	}
	return (doc);
}

/* Checks a measurement name given as a parameter; -1 with a reply. */
static int
pareto_metric(const char *field, const char *name, struct http_reply *reply)
{
	char	*cause;

	if (metric_unit(name) != NULL)
		return (0);
	cause = metric_unknown(name);
	http_reply_error(reply, 400, "invalid_request", "%s: %s", field, cause);
	free(cause);
	return (-1);
}

/*
 * Returns the default y: bench.instructions when a build of the run has
 * it (a deterministic run time), else the build's wall_ms.
 */
static const char *
pareto_default_y(const cJSON *builds)
{
	const cJSON	*b, *a;

	cJSON_ArrayForEach(b, builds)
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(b,
		    "artifacts"))
			if (cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(a, "measurements"),
			    "bench.instructions") != NULL)
				return ("bench.instructions");
	return ("wall_ms");
}

/*
 * Answers the trade-off over a list of build documents (a run's, or a
 * project's current results); the x, y and artifact parameters as the
 * request gives them.
 */
static void
pareto_reply(const struct http_request *req, const cJSON *builds,
    const char *what, struct http_reply *reply)
{
	struct pareto_point	*pts = NULL;
	const cJSON		*b;
	char			*qx, *qy, *artifact;
	const char		*art, *x, *y;
	size_t			 n = 0;

	qx = http_request_query(req, "x");
	qy = http_request_query(req, "y");
	artifact = http_request_query(req, "artifact");
	if ((qx != NULL && pareto_metric("x", qx, reply) != 0) ||
	    (qy != NULL && pareto_metric("y", qy, reply) != 0))
		goto out;
	x = qx != NULL ? qx : "file_size";
	y = qy != NULL ? qy : pareto_default_y(builds);
	cJSON_ArrayForEach(b, builds) {
		if (strcmp(json_str(b, "state", ""), "done") != 0)
			continue;
		/* The artifact asked for, else each build's default one. */
		art = artifact != NULL ? artifact : json_str(b,
		    "default_artifact", json_str(cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(b, "artifacts"), 0),
		    "name", ""));
		pts = xreallocarray(pts, n + 1, sizeof *pts);
		memset(&pts[n], 0, sizeof pts[n]);
		pts[n].build = b;
		if (pareto_value(b, art, x, &pts[n].x) == 0 &&
		    pareto_value(b, art, y, &pts[n].y) == 0)
			n++;
	}
	if (n == 0) {
		http_reply_error(reply, 404, "not_found", "no done build of %s "
		    "has both %s and %s", what, x, y);
		goto out;
	}
	qsort(pts, n, sizeof *pts, pareto_cmp);
	http_reply_json(reply, 200, pareto_document(pts, n, x, y,
	    artifact != NULL ? artifact : json_str(pts[0].build,
	    "default_artifact", "")));
out:
	free(pts);
	free(qx);
	free(qy);
	free(artifact);
}

/* GET /v1/runs/{id}/pareto: over a run's done builds. */
void
api_run_pareto(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*doc = NULL;
	char	*what;

	if (api_lookup_fail(reply, store_run_document(api->store, id, &doc),
	    "run %lld", (long long)id) != 0)
		return;
	xasprintf(&what, "run %lld", (long long)id);
	pareto_reply(req, cJSON_GetObjectItemCaseSensitive(doc, "builds"),
	    what, reply);
	free(what);
	cJSON_Delete(doc);
}

/*
 * GET /v1/pareto?project=P: over a project's current results (a tracked
 * project's name, or a path), as best takes them.
 */
void
api_pareto(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*builds = NULL;
	char	*project;

	(void)id;
	if ((project = http_request_query(req, "project")) == NULL) {
		http_reply_error(reply, 400, "invalid_request", "project: a "
		    "tracked project's name or a path is needed "
		    "(/v1/pareto?project=P)");
		return;
	}
	if (api_lookup_fail(reply, store_current_builds(api->store, project,
	    &builds), "project %s", project) == 0)
		pareto_reply(req, builds, project, reply);
	cJSON_Delete(builds);
	free(project);
}
