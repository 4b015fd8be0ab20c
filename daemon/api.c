/*
 * The API: a route table under /v1, one handler per resource. Every
 * rejection goes through http_reply_error.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sizematd.h"

#define API_MAX_LOG	(4 * 1024 * 1024)

/*
 * Who may read a route when the daemon has a token: API_PUBLIC, anyone
 * (the dashboard's files, which hold no data); API_SECRET, only holders
 * of the token, even with --open-reads (build logs may print secrets from
 * build scripts); otherwise what --open-reads says.
 */
#define API_PUBLIC	0x1
#define API_SECRET	0x2

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

/* Checks a project path: absolute, a directory with a Cargo.toml. */
static char *
api_project(const struct api *api, const cJSON *v, struct http_reply *reply)
{
	char		 real[PATH_MAX], *manifest;
	struct stat	 sb;

	if (!cJSON_IsString(v) || v->valuestring[0] != '/') {
		http_reply_error(reply, 400, "invalid_project", "project: must "
		    "be an absolute path to a Cargo project");
		return (NULL);
	}
	if (realpath(v->valuestring, real) == NULL ||
	    stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		http_reply_error(reply, 400, "invalid_project", "project: %s: "
		    "%s", v->valuestring, errno ? strerror(errno) :
		    "not a directory");
		return (NULL);
	}
	xasprintf(&manifest, "%s/Cargo.toml", real);
	if (access(manifest, R_OK) != 0) {
		http_reply_error(reply, 400, "invalid_project", "project: %s: "
		    "no Cargo.toml there; point at the directory that holds "
		    "the crate's or workspace's Cargo.toml", real);
		free(manifest);
		return (NULL);
	}
	free(manifest);
	if (!api_allowed(api, real)) {
		http_reply_error(reply, 403, "forbidden", "project: %s is not "
		    "under an --allow-root of this daemon", real);
		return (NULL);
	}
	return (xstrdup(real));
}

/* The run-wide settings a POST /v1/runs may give, set on every variant. */
static const char *const api_run_settings[] = { "toolchain", "package",
    "bin", "example", "profile", "features", "default-features", NULL };

/* Replies with a planner's error and clears it. */
void
api_plan_fail(struct http_reply *reply, struct plan_error *err)
{
	http_reply_error(reply, err->status, err->code, "%s", err->message);
	plan_error_clear(err);
}

/*
 * Queues variants as a run linked to another (explain, unstripped): the
 * same project, at the same commit when it is a tracked project's.
 */
static int
api_queue_linked(struct api *api, int64_t parent, const char *matrix,
    const char *source, struct variant *vars, size_t n, int opted_in,
    int64_t *id, struct http_reply *reply)
{
	struct run_plan		 run;
	struct plan_error	 err = { 0, NULL, NULL };
	char			*path = NULL, *commit = NULL;
	int			 rc;

	memset(&run, 0, sizeof run);
	if (store_run_origin(api->store, parent, &run.project_id, &path,
	    &commit) != 0) {
		http_reply_error(reply, 404, "not_found", "no run %lld",
		    (long long)parent);
		return (-1);
	}
	run.project = path;
	run.matrix = matrix;
	run.shape = "axes";
	run.source = source;
	run.parent = parent;
	run.rev = commit;
	run.kind = "run";
	rc = plan_queue(api->planner, &run, vars, NULL, NULL, n, opted_in, id,
	    &err);
	if (rc != 0)
		api_plan_fail(reply, &err);
	free(path);
	free(commit);
	return (rc);
}

/*
 * POST /v1/runs/{id}/explain: what each setting of the run's smallest
 * variant (or {"variant": V}) buys; queues the missing neighbours as a run
 * linked to this one and names it in "queued_run".
 */
static void
api_run_explain(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON		*body = NULL, *doc, *out, *sel, *art;
	struct variant	*missing = NULL;
	char		*cause = NULL, *source;
	size_t		 nmissing = 0, i;
	size_t		 len;
	int64_t		 child;
	int		 status = 500, bootstrap = 0;

	(void)http_request_body(req, &len);
	if (len > 0 && (body = api_body(req, reply)) == NULL)
		return;
	sel = cJSON_GetObjectItemCaseSensitive(body, "variant");
	art = cJSON_GetObjectItemCaseSensitive(body, "artifact");
	if ((sel != NULL && !cJSON_IsString(sel)) ||
	    (art != NULL && !cJSON_IsString(art))) {
		http_reply_error(reply, 400, "invalid_request", "variant: must "
		    "be a variant key, key=value pairs or a step name; "
		    "artifact: an artifact's name");
		goto done;
	}
	if ((doc = store_run_document(api->store, id)) == NULL) {
		http_reply_error(reply, 404, "not_found", "no run %lld",
		    (long long)id);
		goto done;
	}
	out = explain_run(api->store, doc, sel ? sel->valuestring : NULL,
	    art ? art->valuestring : NULL, &missing, &nmissing, &bootstrap,
	    &status, &cause);
	if (out == NULL) {
		http_reply_error(reply, status, status == 409 ? "not_ready" :
		    "invalid_request", "%s", cause);
		free(cause);
		cJSON_Delete(doc);
		goto done;
	}
	if (nmissing > 0) {
		xasprintf(&source, "{\"explain\":%lld,\"variant\":\"%s\"}",
		    (long long)id, cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(out, "variant_key")));
		if (api_queue_linked(api, id, "explain", source, missing,
		    nmissing, bootstrap, &child, reply) != 0) {
			free(source);
			cJSON_Delete(out);
			cJSON_Delete(doc);
			goto done;
		}
		free(source);
		log_info("run %lld: explains run %lld, %zu builds",
		    (long long)child, (long long)id, nmissing);
		cJSON_AddNumberToObject(out, "queued_run", (double)child);
	} else
		cJSON_AddNullToObject(out, "queued_run");
	cJSON_Delete(doc);
	http_reply_json(reply, 200, out);
done:
	for (i = 0; i < nmissing; i++)
		variant_clear(&missing[i]);
	free(missing);
	cJSON_Delete(body);
}

/*
 * POST /v1/builds/{id}/unstripped: a build of the same variant with its
 * symbols, for diff. Answers {"build": ID} when one is done (the build
 * itself unless it was built with strip=symbols); else {"queued_run": ID},
 * the run that builds it: one on its way, or one queued now, linked to the
 * build's run.
 */
static void
api_build_unstripped(struct api *api, const struct http_request *req,
    int64_t id, struct http_reply *reply)
{
	const cJSON	*art;
	cJSON		*doc, *out;
	struct variant	 v;
	const char	*strip;
	char		*key, *cause, *source;
	int64_t		 nbuild, nsize, child;
	int		 pending, rc;

	(void)req;
	if ((doc = store_build_document(api->store, id)) == NULL) {
		http_reply_error(reply, 404, "not_found", "no build %lld",
		    (long long)id);
		return;
	}
	art = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc,
	    "artifacts"), 0);
	if (art == NULL) {
		http_reply_error(reply, 409, "not_ready", "build %lld has no "
		    "artifact to look into", (long long)id);
		cJSON_Delete(doc);
		return;
	}
	if (variant_from_json(&v, cJSON_GetObjectItemCaseSensitive(doc,
	    "variant"), &cause) != 0) {
		http_reply_error(reply, 500, "database", "build %lld: %s",
		    (long long)id, cause);
		free(cause);
		cJSON_Delete(doc);
		return;
	}
	out = cJSON_CreateObject();
	strip = variant_get(&v, "strip");
	if (strip == NULL || strcmp(strip, "symbols") != 0) {
		cJSON_AddNumberToObject(out, "build", (double)id);
		goto done;
	}
	variant_set(&v, "strip", "none");
	key = variant_key(&v);
	rc = store_variant_result(api->store, (int64_t)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(doc, "run")), key,
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(art,
	    "name")), cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    art, "kind")), &nbuild, &nsize, &pending);
	if (rc == 1 && !pending)
		cJSON_AddNumberToObject(out, "build", (double)nbuild);
	else if (rc == 1) {
		/* On its way: name its run, which the client can follow. */
		cJSON	*pb = store_build_document(api->store, nbuild);

		cJSON_AddNumberToObject(out, "queued_run", cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(pb, "run")));
		cJSON_Delete(pb);
	} else {
		xasprintf(&source, "{\"unstripped\":%lld}", (long long)id);
		rc = api_queue_linked(api, (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(doc, "run")), "unstripped",
		    source, &v, 1, cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(doc, "bootstrap")), &child,
		    reply);
		free(source);
		if (rc != 0) {
			free(key);
			cJSON_Delete(out);
			out = NULL;
			goto done;
		}
		cJSON_AddNumberToObject(out, "queued_run", (double)child);
	}
	cJSON_AddStringToObject(out, "variant_key", key);
	free(key);
done:
	if (out != NULL)
		http_reply_json(reply, 200, out);
	variant_clear(&v);
	cJSON_Delete(doc);
}

/* Finds a matrix by name, or parses one given inline. */
static struct matrix *
api_matrix(struct api *api, const cJSON *mv, const cJSON *src,
    struct http_reply *reply)
{
	struct matrix	*m = NULL;
	size_t		 cap = (size_t)api->config->max_builds;
	char		*cause = NULL;

	if (src != NULL && !cJSON_IsString(src)) {
		http_reply_error(reply, 400, "invalid_request",
		    "matrix_file: must be a string");
		return (NULL);
	}
	if (cJSON_IsString(mv)) {
		if (matrix_find(api->config->profiles, mv->valuestring, cap,
		    &m, &cause) != 0)
			http_reply_error(reply, 400, "invalid_matrix", "%s",
			    cause);
	} else if (cJSON_IsObject(mv)) {
		m = matrix_parse(mv, src != NULL ? src->valuestring : "matrix",
		    cap, &cause);
		if (m == NULL)
			http_reply_error(reply, 400, "invalid_matrix", "%s",
			    cause);
	} else
		http_reply_error(reply, 400, "invalid_matrix", "matrix: must "
		    "be the name of a matrix ('sizemat matrices' lists them) "
		    "or a matrix object");
	free(cause);
	return (m);
}

/*
 * Reads a tracked project named in a request, or replies 404 naming the
 * projects there are.
 */
int
api_tracked(struct api *api, const char *name, struct tracked_project *tp,
    struct http_reply *reply)
{
	int	 rc;

	if ((rc = store_project_find(api->store, name, tp)) == 1)
		return (0);
	if (rc < 0)
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
 * Refuses a path project that has nothing sizemat can measure (a library
 * alone), unless its variants build an example; returns 1 when refused.
 * *root is the project's own package (builder_measurable), for the plan.
 */
static int
api_nothing_to_measure(struct api *api, const char *project,
    const struct matrix *m, const struct variant *over, char **root,
    struct http_reply *reply)
{
	size_t	 i;
	char	*cause = NULL;
	int	 example = variant_get(over, "example") != NULL;

	for (i = 0; i < matrix_count(m) && !example; i++)
		example = variant_get(matrix_variant(m, i), "example") != NULL;
	if (builder_measurable(api->toolchains, project, variant_get(over,
	    "package"), root, &cause) != 0 || example) {
		free(cause);
		return (0);
	}
	http_reply_error(reply, 400, "nothing_to_measure", "%s", cause);
	free(cause);
	return (1);
}

/*
 * POST /v1/runs: validates the project and matrix, queues the builds. A
 * tracked project's run builds at a revision (default: its branch head),
 * with its matrix and toolchain unless the request says otherwise.
 */
static void
api_runs_create(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	static const char *const keys[] = { "project", "matrix",
	    "matrix_file", "parent_run", "rev", "force", NULL };
	const char *const	*k;
	cJSON			*doc, *item, *pv, *rev, *force, *parent, *run;
	struct matrix		*m = NULL;
	struct variant		 over;
	struct tracked_project	 tp;
	struct run_plan		 plan;
	struct plan_error	 err = { 0, NULL, NULL };
	char			*project = NULL, *cause = NULL, *value;
	char			*root = NULL;

	(void)id;
	variant_init(&over);
	memset(&tp, 0, sizeof tp);
	memset(&plan, 0, sizeof plan);
	if ((doc = api_body(req, reply)) == NULL)
		return;
	cJSON_ArrayForEach(item, doc) {
		for (k = keys; *k != NULL; k++) {
			if (strcmp(*k, item->string) == 0)
				break;
		}
		if (*k != NULL)
			continue;
		for (k = api_run_settings; *k != NULL; k++) {
			if (strcmp(*k, item->string) == 0)
				break;
		}
		if (*k == NULL) {
			http_reply_error(reply, 400, "invalid_request",
			    "%s: unknown key; a run takes project, matrix, "
			    "matrix_file, parent_run, rev, force, toolchain, "
			    "package, bin, example, profile, features and "
			    "default-features", item->string);
			goto out;
		}
		if (variant_normalise(item->string, item, &value,
		    &cause) != 0) {
			http_reply_error(reply, 400, "invalid_request",
			    "%s: %s", item->string, cause);
			goto out;
		}
		variant_set(&over, item->string, value);
		free(value);
	}
	pv = cJSON_GetObjectItemCaseSensitive(doc, "project");
	rev = cJSON_GetObjectItemCaseSensitive(doc, "rev");
	force = cJSON_GetObjectItemCaseSensitive(doc, "force");
	if ((rev != NULL && (!cJSON_IsString(rev) ||
	    *rev->valuestring == '\0')) || (force != NULL &&
	    !cJSON_IsBool(force))) {
		http_reply_error(reply, 400, "invalid_request", "rev: must be "
		    "a revision (a commit, branch or tag); force: true or "
		    "false");
		goto out;
	}
	plan.kind = "run";
	plan.force = cJSON_IsTrue(force);
	if (cJSON_IsString(pv) && strchr(pv->valuestring, '/') == NULL) {
		if (api_tracked(api, pv->valuestring, &tp, reply) != 0)
			goto out;
		if (tp.head == NULL) {
			http_reply_error(reply, 409, "not_ready", "project %s:"
			    " %s", tp.name, tp.problem ? tp.problem : "its "
			    "source is still being cloned; try again in a "
			    "moment");
			goto out;
		}
		plan.project_id = tp.id;
		plan.project = tp.path;
		plan.rev = rev != NULL ? rev->valuestring : tp.branch;
		if (tp.toolchain != NULL && variant_get(&over,
		    "toolchain") == NULL)
			variant_set(&over, "toolchain", tp.toolchain);
	} else {
		if ((project = api_project(api, pv, reply)) == NULL)
			goto out;
		if (rev != NULL) {
			http_reply_error(reply, 400, "invalid_request", "rev: "
			    "%s is a path; only a tracked project builds at a "
			    "revision ('sizemat project add NAME SOURCE')",
			    project);
			goto out;
		}
		plan.project = project;
	}
	parent = cJSON_GetObjectItemCaseSensitive(doc, "parent_run");
	if (parent != NULL) {
		if (!cJSON_IsNumber(parent) || !store_run_exists(api->store,
		    (int64_t)parent->valuedouble)) {
			http_reply_error(reply, 400, "invalid_request",
			    "parent_run: must be the id of an existing run");
			goto out;
		}
		plan.parent = (int64_t)parent->valuedouble;
	}
	if (tp.id != 0 && cJSON_GetObjectItemCaseSensitive(doc,
	    "matrix") == NULL) {
		if (plan_matrix(api->planner, tp.matrix, &m, &cause) != 0) {
			http_reply_error(reply, 400, "invalid_matrix", "%s",
			    cause);
			goto out;
		}
	} else if ((m = api_matrix(api, cJSON_GetObjectItemCaseSensitive(doc,
	    "matrix"), cJSON_GetObjectItemCaseSensitive(doc, "matrix_file"),
	    reply)) == NULL)
		goto out;
	if (tp.id == 0 && api_nothing_to_measure(api, project, m, &over,
	    &root, reply))
		goto out;
	plan.package = root;
	if (plan_queue_matrix(api->planner, &plan, m, &over, &id, &err) != 0) {
		api_plan_fail(reply, &err);
		goto out;
	}
	log_info("run %lld: %s%s%s, matrix %s", (long long)id, tp.id != 0 ?
	    tp.name : project, plan.rev != NULL ? " at " : "", plan.rev !=
	    NULL ? plan.rev : "", matrix_name(m));
	if ((run = store_run_document(api->store, id)) == NULL)
		http_reply_error(reply, 500, "database", "run %lld vanished",
		    (long long)id);
	else
		http_reply_json(reply, 201, run);
out:
	free(root);
	variant_clear(&over);
	matrix_free(m);
	tracked_project_clear(&tp);
	free(project);
	free(cause);
	cJSON_Delete(doc);
}

/* POST /v1/gc: starts a pass over the target dirs; answers its report. */
static void
api_gc_start(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	(void)req;
	(void)id;
	gc_start(api->gc, 1);
	http_reply_json(reply, 202, gc_report(api->gc));
}

/* GET /v1/gc: the report of the last pass (or the one under way). */
static void
api_gc_get(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	(void)req;
	(void)id;
	http_reply_json(reply, 200, gc_report(api->gc));
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

/* GET /v1/diff?a=BUILD&b=BUILD[&top=N]: what changed between two builds. */
static void
api_diff(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*ba = NULL, *bb = NULL;
	int	 a, b, top;

	(void)id;
	if (api_query_int(req, "a", 0, 1, INT32_MAX, &a, reply) != 0 ||
	    api_query_int(req, "b", 0, 1, INT32_MAX, &b, reply) != 0 ||
	    api_query_int(req, "top", 20, 0, 100000, &top, reply) != 0)
		return;
	if (a == 0 || b == 0) {
		http_reply_error(reply, 400, "invalid_request", "a and b: "
		    "both builds are needed (/v1/diff?a=BUILD&b=BUILD)");
		return;
	}
	if ((ba = store_build_document(api->store, a)) == NULL ||
	    (bb = store_build_document(api->store, b)) == NULL) {
		http_reply_error(reply, 404, "not_found", "no build %d",
		    ba == NULL ? a : b);
		goto out;
	}
	http_reply_json(reply, 200, diff_builds(ba, bb, top));
out:
	cJSON_Delete(ba);
	cJSON_Delete(bb);
}


/* GET /v1/runs: the newest runs. */
static void
api_runs_list(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*doc;
	int	 limit;

	(void)id;
	if (api_query_int(req, "limit", 50, 1, 10000, &limit, reply) != 0)
		return;
	doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "runs", store_runs_list(api->store, limit));
	http_reply_json(reply, 200, doc);
}

/* GET /v1/runs/{id}: the results document. */
static void
api_run_get(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*doc;

	(void)req;
	if ((doc = store_run_document(api->store, id)) == NULL)
		http_reply_error(reply, 404, "not_found", "no run %lld",
		    (long long)id);
	else
		http_reply_json(reply, 200, doc);
}

/* DELETE /v1/runs/{id}: cancels the run. */
static void
api_run_cancel(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	char	*cause = NULL;
	int	 rc;

	(void)req;
	rc = queue_cancel_run(api->queue, id, &cause);
	if (rc == 0) {
		log_info("run %lld: cancelled", (long long)id);
		http_reply_json(reply, 200, store_run_document(api->store, id));
	} else if (rc == 1)
		http_reply_error(reply, 409, "conflict", "%s", cause);
	else if (!store_run_exists(api->store, id))
		http_reply_error(reply, 404, "not_found", "no run %lld",
		    (long long)id);
	else
		http_reply_error(reply, 500, "database", "%s", cause);
	free(cause);
}

/* GET /v1/builds/{id}/log: the build's log as text (its tail if huge). */
static void
api_build_log(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	FILE		*f;
	char		*path, chunk[8192];
	size_t		 n;
	long		 size;

	(void)req;
	if (store_build_log_path(api->store, id, &path) != 0) {
		http_reply_error(reply, 404, "not_found", "no build %lld",
		    (long long)id);
		return;
	}
	if (path == NULL || (f = fopen(path, "r")) == NULL) {
		http_reply_error(reply, 404, "not_found", "build %lld has no "
		    "log%s%s", (long long)id, path ? ": " : ": it has not "
		    "started, or its log was pruned (the daemon keeps the "
		    "newest --keep-logs)", path ? strerror(errno) : "");
		free(path);
		return;
	}
	free(path);
	buf_reset(&reply->body);
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > API_MAX_LOG) {
		fseek(f, size - API_MAX_LOG, SEEK_SET);
		buf_printf(&reply->body, "[... first %ld bytes left out ...]\n",
		    size - API_MAX_LOG);
	} else
		fseek(f, 0, SEEK_SET);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&reply->body, chunk, n);
	fclose(f);
	reply->status = 200;
	reply->content_type = "text/plain; charset=utf-8";
}

/* GET /v1/best?project=PATH&top=N: the smallest variants recorded. */
static void
api_best(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	char	*project, real[PATH_MAX];
	cJSON	*doc;
	int	 top;

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
	doc = store_best(api->store, realpath(project, real) != NULL ? real :
	    project, top);
	if (doc == NULL)
		http_reply_error(reply, 404, "not_found", "no results recorded "
		    "for project %s", project);
	else
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
	char	*project, real[PATH_MAX];
	cJSON	*doc, *rows;

	(void)id;
	if ((project = http_request_query(req, "project")) == NULL ||
	    *project == '\0') {
		http_reply_error(reply, 400, "invalid_request",
		    "project: the query needs ?project=NAME or PATH");
		free(project);
		return;
	}
	rows = store_export(api->store, project[0] == '/' &&
	    realpath(project, real) != NULL ? real : project);
	if (rows == NULL)
		http_reply_error(reply, 404, "not_found", "no project %s: "
		    "name a tracked project or the path of a project that was "
		    "built", project);
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
	metrics_format(api->store, queue_active(api->queue), api->config->jobs,
	    &reply->body);
}

static const struct api_route api_routes[] = {
	{ "GET", "/", api_asset, API_PUBLIC },
	{ "GET", "/app.css", api_asset, API_PUBLIC },
	{ "GET", "/app.js", api_asset, API_PUBLIC },
	{ "GET", "/metrics", api_metrics, 0 },
	{ "GET", "/v1/best", api_best, 0 },
	{ "GET", "/v1/bisections/*", api_bisection_get, 0 },
	{ "GET", "/v1/builds/*/log", api_build_log, API_SECRET },
	{ "POST", "/v1/builds/*/unstripped", api_build_unstripped, 0 },
	{ "GET", "/v1/diff", api_diff, 0 },
	{ "GET", "/v1/export", api_export, 0 },
	{ "GET", "/v1/gc", api_gc_get, 0 },
	{ "POST", "/v1/gc", api_gc_start, 0 },
	{ "GET", "/v1/matrices", api_matrices, 0 },
	{ "GET", "/v1/projects", api_projects_list, 0 },
	{ "POST", "/v1/projects", api_projects_add, 0 },
	{ "DELETE", "/v1/projects/@", api_project_remove, 0 },
	{ "PATCH", "/v1/projects/@", api_project_set, 0 },
	{ "GET", "/v1/projects/@", api_project_get, 0 },
	{ "POST", "/v1/projects/@/bisect", api_bisect_start, 0 },
	{ "POST", "/v1/projects/@/check", api_check, 0 },
	{ "GET", "/v1/projects/@/compare", api_compare, 0 },
	{ "POST", "/v1/projects/@/fetch", api_project_fetch, 0 },
	{ "GET", "/v1/projects/@/regressions", api_regressions, 0 },
	{ "GET", "/v1/projects/@/trend", api_trend, 0 },
	{ "GET", "/v1/runs", api_runs_list, 0 },
	{ "POST", "/v1/runs", api_runs_create, 0 },
	{ "DELETE", "/v1/runs/*", api_run_cancel, 0 },
	{ "GET", "/v1/runs/*", api_run_get, 0 },
	{ "POST", "/v1/runs/*/explain", api_run_explain, 0 },
	{ "GET", "/v1/status", api_status, 0 },
	{ "GET", "/v1/toolchains", api_toolchains, 0 },
};
#define NAPI_ROUTES (sizeof api_routes / sizeof api_routes[0])

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
