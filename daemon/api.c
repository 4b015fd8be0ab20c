/*
 * The API: a route table under /v1, one handler per resource. Every
 * rejection goes through http_reply_error.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sizematd.h"

/*
 * Who may read a route when the daemon has a token: API_PUBLIC, anyone
 * (the dashboard's files, which hold no data); API_SECRET, only holders
 * of the token, even with --open-reads (build logs may print secrets from
 * build scripts); otherwise what --open-reads says.
 */
#define API_PUBLIC	0x1
#define API_SECRET	0x2
#define API_CACHE	0x4	/* its answer depends on the store alone */

struct api_route {
	const char	*method;
	const char	*pattern;	/* '*' matches one id segment */
	void		(*handler)(struct api *, const struct http_request *,
			    int64_t, struct http_reply *);
	int		 access;
};

/* Reads a positive id from a path segment. */
static int
api_parse_id(const char *s, size_t len, int64_t *id)
{
	char		 tmp[24], *end;
	long long	 n;

	if (len == 0 || len >= sizeof tmp)
		return (-1);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	n = strtoll(tmp, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0 || tmp[0] == '+')
		return (-1);
	*id = n;
	return (0);
}

/*
 * Matches a path against a pattern, reading the id where '*' stands; '@'
 * stands for a name segment (a tracked project's), read by api_name.
 */
static int
api_match(const char *pattern, const char *path, int64_t *id)
{
	size_t	 len;

	while (*pattern != '\0') {
		if (*pattern == '*' || *pattern == '@') {
			len = strcspn(path, "/");
			if (len == 0 || (*pattern == '*' &&
			    api_parse_id(path, len, id) != 0))
				return (0);
			pattern++;
			path += len;
			continue;
		}
		if (*pattern++ != *path++)
			return (0);
	}
	return (*path == '\0');
}

/* Returns the name segment of /v1/projects/NAME/..., newly allocated. */
char *
api_name(const struct http_request *req)
{
	const char	*path = http_request_path(req);
	const char	*p = path + strlen("/v1/projects/");

	if (strncmp(path, "/v1/projects/", strlen("/v1/projects/")) != 0)
		return (xstrdup(""));
	return (xstrndup(p, strcspn(p, "/")));
}

/* Parses a request body as a JSON object. */
cJSON *
api_body(const struct http_request *req, struct http_reply *reply)
{
	const char	*body;
	size_t		 len;
	cJSON		*doc;
	char		*dup;

	body = http_request_body(req, &len);
	if (len == 0) {
		http_reply_error(reply, 400, "invalid_request",
		    "the request needs a JSON body");
		return (NULL);
	}
	doc = cJSON_ParseWithLength(body, len);
	if (doc == NULL || !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		http_reply_error(reply, 400, "invalid_json",
		    "the body is not a JSON object");
		return (NULL);
	}
	if ((dup = json_duplicate(doc, "")) != NULL) {
		http_reply_error(reply, 400, "invalid_json", "the body gives %s "
		    "twice; keep one", dup);
		free(dup);
		cJSON_Delete(doc);
		return (NULL);
	}
	return (doc);
}

/*
 * Answers a store call that did not succeed: 404 for a row that is not
 * there, 409 (code conflict_code) for one whose state or name says no,
 * 500 when the database failed. Returns 0 for STORE_OK, else -1.
 */
int
api_store_fail(struct http_reply *reply, enum store_result rc,
    const char *conflict_code, const char *cause)
{
	switch (rc) {
	case STORE_OK:
		return (0);
	case STORE_NOT_FOUND:
		http_reply_error(reply, 404, "not_found", "%s", cause);
		break;
	case STORE_CONFLICT:
		http_reply_error(reply, 409, conflict_code, "%s", cause);
		break;
	case STORE_ERROR:
		http_reply_error(reply, 500, "database", "%s", cause);
		break;
	}
	return (-1);
}

/*
 * Answers a lookup of one thing (what, formatted: "run 4") that did not
 * find it: 404 "no run 4", or 500 when the database failed. Returns 0 for
 * STORE_OK, else -1.
 */
int
api_lookup_fail(struct http_reply *reply, enum store_result rc,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*what;

	if (rc == STORE_OK)
		return (0);
	va_start(ap, fmt);
	xvasprintf(&what, fmt, ap);
	va_end(ap);
	if (rc == STORE_ERROR)
		http_reply_error(reply, 500, "database", "cannot read %s: the "
		    "database failed (the daemon's log says how)", what);
	else
		http_reply_error(reply, 404, "not_found", "no %s", what);
	free(what);
	return (-1);
}

/*
 * Cancels runs that are over for whoever owned them (a removed project, a
 * stopped search), each as DELETE /v1/runs/{id} would; frees the list.
 * One already over is no error here.
 */
void
api_cancel_runs(struct api *api, int64_t *runs, size_t n)
{
	size_t	 i;
	char	*cause;

	for (i = 0; i < n; i++) {
		if (queue_cancel_run(api->queue, runs[i], &cause) != STORE_OK)
			free(cause);
	}
	free(runs);
}

/* Reads an optional string member; -1 (with a reply) if not a string. */
int
api_opt_string(const cJSON *doc, const char *name, const char **out,
    struct http_reply *reply)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(doc, name);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (!cJSON_IsString(v) || *v->valuestring == '\0') {
		http_reply_error(reply, 400, "invalid_request", "%s: must be "
		    "a non-empty string", name);
		return (-1);
	}
	*out = v->valuestring;
	return (0);
}

/* Tells whether path lies under one of the allowed roots (if any). */
int
api_allowed(const struct api *api, const char *path)
{
	const struct strlist	*roots = &api->config->allow_roots;
	size_t			 i, n;

	if (roots->n == 0)
		return (1);
	for (i = 0; i < roots->n; i++) {
		n = strlen(roots->v[i]);
		while (n > 1 && roots->v[i][n - 1] == '/')
			n--;
		if (strncmp(path, roots->v[i], n) == 0 &&
		    (path[n] == '/' || path[n] == '\0'))
			return (1);
	}
	return (0);
}

/*
 * Reads a tracked project named in a request, or replies 404 naming the
 * projects there are.
 */
int
api_tracked(struct api *api, const char *name, struct tracked_project *tp,
    struct http_reply *reply)
{
	enum store_result	 rc;

	if ((rc = store_project_find(api->store, name, tp)) == STORE_OK)
		return (0);
	if (rc == STORE_ERROR)
		http_reply_error(reply, 500, "database", "cannot read project "
		    "%s", name);
	else
		http_reply_error(reply, 404, "unknown_project", "no tracked "
		    "project named \"%s\"; 'sizemat project list' shows them, "
		    "'sizemat project add NAME SOURCE' adds one; a path "
		    "contains '/' or names a directory", name);
	return (-1);
}

/*
 * The gc report with what the stored symbol tables take (bounded by
 * --keep-artifacts, not by the pass).
 */
static void
api_gc_reply(struct api *api, int status, struct http_reply *reply)
{
	cJSON	*doc = gc_report(api->gc);

	if (store_symbols_usage(api->store, doc) != 0) {
		cJSON_Delete(doc);
		doc = NULL;
	}
	http_reply_json(reply, status, doc);
}

/* POST /v1/gc: starts a pass over the target dirs; answers its report. */
static void
api_gc_start(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	(void)req;
	(void)id;
	gc_start(api->gc, 1);
	api_gc_reply(api, 202, reply);
}

/* GET /v1/gc: the report of the last pass (or the one under way). */
static void
api_gc_get(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	(void)req;
	(void)id;
	api_gc_reply(api, 200, reply);
}

/* GET /v1/toolchains: what the daemon can build with. */
static void
api_toolchains(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*doc;

	(void)req;
	(void)id;
	doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "toolchains",
	    toolchains_json(api->toolchains));
	http_reply_json(reply, 200, doc);
}

/* Reads a whole-number query parameter within bounds. */
int
api_query_int(const struct http_request *req, const char *name, int def,
    int lo, int hi, int *out, struct http_reply *reply)
{
	char	*v, *end;
	long	 n;

	*out = def;
	if ((v = http_request_query(req, name)) == NULL)
		return (0);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
		http_reply_error(reply, 400, "invalid_request", "%s: \"%s\" is "
		    "not a whole number from %d to %d", name, v, lo, hi);
		free(v);
		return (-1);
	}
	free(v);
	*out = (int)n;
	return (0);
}

/* GET /v1/best?project=PATH&top=N: the smallest variants recorded. */
static void
api_best(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	char			*project, real[PATH_MAX];
	cJSON			*doc, *row;
	int			 top;
	enum store_result	 rc;

	(void)id;
	if (api_query_int(req, "top", 20, 1, 100000, &top, reply) != 0)
		return;
	if ((project = http_request_query(req, "project")) == NULL ||
	    *project == '\0') {
		http_reply_error(reply, 400, "invalid_request",
		    "project: the query needs ?project=PATH");
		free(project);
		return;
	}
	rc = store_best(api->store, realpath(project, real) != NULL ? real :
	    project, top, &doc);
	if (rc != STORE_OK) {
		if (rc == STORE_NOT_FOUND)
			http_reply_error(reply, 404, "not_found", "no results "
			    "recorded for project %s", project);
		else
			api_lookup_fail(reply, rc, "the results of %s",
			    project);
		free(project);
		return;
	}
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc,
	    "ranking"))
		snippet_add(row);
	http_reply_json(reply, 200, doc);
	free(project);
}

/*
 * GET /v1/export?project=P: every build of a project (a tracked project's
 * name or a path), one row per artifact, oldest first.
 */
static void
api_export(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	char			*project, real[PATH_MAX];
	cJSON			*doc, *rows;
	enum store_result	 rc;

	(void)id;
	if ((project = http_request_query(req, "project")) == NULL ||
	    *project == '\0') {
		http_reply_error(reply, 400, "invalid_request",
		    "project: the query needs ?project=NAME or PATH");
		free(project);
		return;
	}
	rc = store_export(api->store, project[0] == '/' &&
	    realpath(project, real) != NULL ? real : project, &rows);
	if (rc != STORE_OK)
		api_lookup_fail(reply, rc, "project %s%s", project, rc ==
		    STORE_NOT_FOUND ? ": name a tracked project or the path "
		    "of a project that was built" : "");
	else {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "project", project);
		cJSON_AddItemToObject(doc, "rows", rows);
		http_reply_json(reply, 200, doc);
	}
	free(project);
}

/* GET /v1/matrices: the matrices in the profiles directory. */
static void
api_matrices(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*doc;

	(void)req;
	(void)id;
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "profiles", api->config->profiles);
	cJSON_AddItemToObject(doc, "matrices",
	    matrix_list(api->config->profiles,
	    (size_t)api->config->max_builds));
	http_reply_json(reply, 200, doc);
}

/* GET /v1/status: running and queued builds. */
static void
api_status(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*doc, *d;

	(void)req;
	(void)id;
	doc = store_status(api->store);
	cJSON_AddNumberToObject(doc, "jobs", api->config->jobs);
	cJSON_AddNumberToObject(doc, "cores", api->config->cores);
	cJSON_AddNumberToObject(doc, "active", queue_active(api->queue));
	cJSON_AddNumberToObject(doc, "schema_version",
	    store_schema_version(api->store));
	/* Where this daemon is, for 'sizemat daemon status'. */
	d = cJSON_AddObjectToObject(doc, "daemon");
	cJSON_AddNumberToObject(d, "pid", (double)getpid());
	cJSON_AddStringToObject(d, "url", api->url);
	if (api->config->socket != NULL)
		cJSON_AddStringToObject(d, "socket", api->config->socket);
	else
		cJSON_AddNullToObject(d, "socket");
	http_reply_json(reply, 200, doc);
}

/* GET /, /app.js, /app.css: the dashboard, built into the daemon. */
static void
api_asset(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	const struct asset	*a;
	const char		*path = http_request_path(req);

	(void)api;
	(void)id;
	for (a = dashboard_assets; a->path != NULL; a++) {
		if (strcmp(a->path, path) == 0)
			break;
	}
	if (a->path == NULL) {
		http_reply_error(reply, 404, "not_found", "no such file: %s",
		    path);
		return;
	}
	reply->status = 200;
	reply->content_type = a->type;
	buf_reset(&reply->body);
	buf_add(&reply->body, a->data, a->len);
}

/* GET /metrics: Prometheus's text format. */
static void
api_metrics(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	(void)req;
	(void)id;
	reply->status = 200;
	reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
	buf_reset(&reply->body);
	metrics_format(api->metrics, api->store, queue_active(api->queue),
	    api->config->jobs, &reply->body);
}

/* GET /v1/measurements: the measurement names, their units and meaning. */
static void
api_measurements(struct api *api, const struct http_request *req,
    int64_t id, struct http_reply *reply)
{
	(void)api;
	(void)req;
	(void)id;
	http_reply_json(reply, 200, metric_json());
}

static const struct api_route api_routes[] = {
	{ "GET", "/", api_asset, API_PUBLIC },
	{ "GET", "/app.css", api_asset, API_PUBLIC },
	{ "GET", "/app.js", api_asset, API_PUBLIC },
	{ "GET", "/metrics", api_metrics, 0 },
	{ "GET", "/v1/best", api_best, 0 },
	{ "GET", "/v1/bisections/*", api_bisection_get, 0 },
	{ "GET", "/v1/builds/*/log", api_build_log, API_SECRET },
	{ "GET", "/v1/builds/*/sizes", api_build_sizes, 0 },
	{ "POST", "/v1/builds/*/unstripped", api_build_unstripped, 0 },
	{ "GET", "/v1/diff", api_diff, 0 },
	{ "GET", "/v1/export", api_export, 0 },
	{ "GET", "/v1/gc", api_gc_get, 0 },
	{ "POST", "/v1/gc", api_gc_start, 0 },
	{ "GET", "/v1/matrices", api_matrices, 0 },
	{ "GET", "/v1/measurements", api_measurements, 0 },
	{ "GET", "/v1/pareto", api_pareto, 0 },
	{ "GET", "/v1/projects", api_projects_list, 0 },
	{ "POST", "/v1/projects", api_projects_add, 0 },
	{ "DELETE", "/v1/projects/@", api_project_remove, 0 },
	{ "PATCH", "/v1/projects/@", api_project_set, 0 },
	{ "GET", "/v1/projects/@", api_project_get, 0 },
	{ "POST", "/v1/projects/@/bisect", api_bisect_start, 0 },
	{ "POST", "/v1/projects/@/check", api_check, 0 },
	{ "GET", "/v1/projects/@/compare", api_compare, 0 },
	{ "POST", "/v1/projects/@/fetch", api_project_fetch, 0 },
	{ "GET", "/v1/projects/@/regressions", api_regressions, API_CACHE },
	{ "GET", "/v1/projects/@/trend", api_trend, API_CACHE },
	{ "GET", "/v1/runs", api_runs_list, 0 },
	{ "POST", "/v1/runs", api_runs_create, 0 },
	{ "DELETE", "/v1/runs/*", api_run_cancel, 0 },
	{ "GET", "/v1/runs/*", api_run_get, 0 },
	{ "GET", "/v1/runs/*/events", api_run_events, 0 },
	{ "POST", "/v1/runs/*/explain", api_run_explain, 0 },
	{ "GET", "/v1/runs/*/pareto", api_run_pareto, 0 },
	{ "GET", "/v1/runs/*/verify", api_verify_get, 0 },
	{ "POST", "/v1/runs/*/verify", api_verify_start, 0 },
	{ "GET", "/v1/events", api_run_events, 0 },
	{ "POST", "/v1/searches", api_searches_create, 0 },
	{ "DELETE", "/v1/searches/*", api_search_cancel, 0 },
	{ "GET", "/v1/searches/*", api_search_get, 0 },
	{ "GET", "/v1/status", api_status, 0 },
	{ "GET", "/v1/toolchains", api_toolchains, 0 },
};
#define NAPI_ROUTES (sizeof api_routes / sizeof api_routes[0])

/*
 * Answers a route whose answer depends on the store alone: from the
 * cache while the store has not changed since, else computed and kept.
 */
static void
api_cached(struct api *api, const struct api_route *r,
    const struct http_request *req, int64_t id, struct http_reply *reply)
{
	int64_t	 generation;
	char	*key;

	if (api->cache == NULL) {
		r->handler(api, req, id, reply);
		return;
	}
	xasprintf(&key, "%s?%s", http_request_path(req),
	    http_request_query_string(req));
	generation = store_generation(api->store);
	if (!api_cache_get(api->cache, key, generation, reply)) {
		r->handler(api, req, id, reply);
		/* Computing it wrote nothing, or it would be stale at once. */
		if (store_generation(api->store) == generation)
			api_cache_put(api->cache, key, generation, reply);
	}
	free(key);
}

/* Compares a bearer token in constant time. */
static int
api_token_ok(const char *want, const char *header)
{
	size_t		 i, n, m;
	unsigned char	 diff = 0;

	if (header == NULL || strncmp(header, "Bearer ", 7) != 0)
		return (0);
	header += 7;
	n = strlen(want);
	m = strlen(header);
	for (i = 0; i < n; i++)
		diff |= (unsigned char)want[i] ^
		    (unsigned char)(i < m ? header[i] : 0);
	return (diff == 0 && n == m);
}

/*
 * Tells whether a Host header names this daemon: its listen address, a
 * loopback name, or an --allow-host name, with our port or none. A page
 * on another site that renames itself to 127.0.0.1 (DNS rebinding) sends
 * its own name, and is refused.
 */
static int
api_host_ok(const struct api *api, const char *host)
{
	const struct config	*c = api->config;
	static const char *const loopback[] = { "127.0.0.1", "localhost",
	    "[::1]", NULL };
	const char		*colon, *const *l;
	char			*name, *ours;
	size_t			 i;
	int			 ok = 0;

	if (host == NULL || *host == '\0')
		return (0);
	/* A wildcard listen address answers to any name: the token guards. */
	if (strcmp(c->listen_host, "0.0.0.0") == 0 ||
	    strcmp(c->listen_host, "::") == 0)
		return (1);
	colon = host[0] == '[' ? strchr(host, ']') : host;
	colon = colon != NULL ? strchr(colon, ':') : NULL;
	if (colon != NULL && strtol(colon + 1, NULL, 10) != c->listen_port)
		return (0);
	name = colon != NULL ? xstrndup(host, (size_t)(colon - host)) :
	    xstrdup(host);
	xasprintf(&ours, strchr(c->listen_host, ':') != NULL ? "[%s]" : "%s",
	    c->listen_host);
	if (strcasecmp(name, ours) == 0)
		ok = 1;
	for (l = loopback; !ok && *l != NULL; l++)
		ok = config_loopback(c->listen_host) && strcasecmp(name, *l) == 0;
	for (i = 0; !ok && i < c->allow_hosts.n; i++)
		ok = strcasecmp(name, c->allow_hosts.v[i]) == 0;
	free(name);
	free(ours);
	return (ok);
}

/*
 * Tells whether a request over TCP must carry the token: every change,
 * and every read but the public ones unless --open-reads.
 */
static int
api_needs_token(const struct api *api, const struct api_route *r)
{
	if (api->config->token == NULL || (r->access & API_PUBLIC))
		return (0);
	if (strcmp(r->method, "GET") != 0 || (r->access & API_SECRET))
		return (1);
	return (!api->config->open_reads);
}

/*
 * Routes a complete request to its handler. A local request came through
 * the Unix socket, which only its owner can open: it needs no token, and
 * no browser can send it, so its Host is not checked.
 */
void
api_handle(struct api *api, const struct http_request *req, int local,
    struct http_reply *reply)
{
	const char	*method = http_request_method(req);
	const char	*path = http_request_path(req);
	const char	*ctype;
	struct buf	 allowed;
	int64_t		 id = 0;
	size_t		 i, blen;

	if (!local && !api_host_ok(api, http_request_header(req, "Host"))) {
		http_reply_error(reply, 421, "wrong_host", "Host \"%s\" does "
		    "not name this daemon; use its address, localhost, or a "
		    "name given with --allow-host", http_request_header(req,
		    "Host") ? http_request_header(req, "Host") : "");
		return;
	}
	buf_init(&allowed);
	for (i = 0; i < NAPI_ROUTES; i++) {
		if (!api_match(api_routes[i].pattern, path, &id))
			continue;
		if (strcmp(api_routes[i].method, method) != 0) {
			buf_printf(&allowed, "%s%s", allowed.len ? ", " : "",
			    api_routes[i].method);
			continue;
		}
		buf_free(&allowed);
		/* A cross-site form cannot send JSON without a preflight. */
		(void)http_request_body(req, &blen);
		ctype = http_request_header(req, "Content-Type");
		if (strcmp(method, "GET") != 0 && blen > 0 && (ctype == NULL ||
		    strncasecmp(ctype, "application/json", 16) != 0)) {
			http_reply_error(reply, 415, "unsupported_media_type",
			    "%s %s: a request body must be sent as "
			    "Content-Type: application/json", method, path);
			return;
		}
		if (!local && api->config->tcp_read_only &&
		    strcmp(method, "GET") != 0) {
			http_reply_error(reply, 403, "read_only", "%s %s: this "
			    "address answers reads only; send changes through "
			    "the daemon's Unix socket (sizemat --socket PATH)",
			    method, path);
			return;
		}
		if (!local && api_needs_token(api, &api_routes[i]) &&
		    !api_token_ok(api->config->token,
		    http_request_header(req, "Authorization"))) {
			http_reply_error(reply, 401, "unauthorized", "this "
			    "request needs 'Authorization: Bearer TOKEN' with "
			    "the daemon's token (sizemat reads it from "
			    "--token-file or $SIZEMAT_TOKEN)");
			return;
		}
		if (api_routes[i].access & API_CACHE)
			api_cached(api, &api_routes[i], req, id, reply);
		else
			api_routes[i].handler(api, req, id, reply);
		return;
	}
	if (allowed.len > 0)
		http_reply_error(reply, 405, "method_not_allowed", "%s %s: "
		    "allowed: %s", method, path, allowed.data);
	else
		http_reply_error(reply, 404, "not_found", "no such endpoint: "
		    "%s %s (docs/api.md lists them)", method, path);
	buf_free(&allowed);
}
