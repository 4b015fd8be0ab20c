/*
 * The API of runs and builds: queueing a run, its document, list and
 * cancellation, explain, a build's log, its unstripped twin, and the
 * diff of two builds.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sizematd.h"

#define API_MAX_LOG	(4 * 1024 * 1024)

/* Checks a project path: absolute, a directory with a Cargo.toml. */
/*
 * Answers with a run's results document as the API shows it: the
 * store's, each build with what to paste to build it by hand (snippet.c).
 */
static void
api_run_reply(struct api *api, int64_t id, int status,
    struct http_reply *reply)
{
	cJSON	*doc, *b;

	if (api_lookup_fail(reply, store_run_document(api->store, id, &doc),
	    "run %lld", (long long)id) != 0)
		return;
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds"))
		snippet_add(b);
	http_reply_json(reply, status, doc);
}

/* Reads a path project: an absolute, allowed directory with a Cargo.toml. */
char *
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

/* Finds a matrix by name, or parses one given inline. */
struct matrix *
api_matrix(struct api *api, const cJSON *mv, const cJSON *src, size_t cap,
    struct http_reply *reply)
{
	struct matrix	*m = NULL;
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
 * Queues variants as a run linked to another, of kind explain (a run's
 * neighbours, an unstripped twin): the same project, at the same commit
 * when it is a tracked project's.
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
	if (api_lookup_fail(reply, store_run_origin(api->store, parent,
	    &run.project_id, &path, &commit), "run %lld",
	    (long long)parent) != 0)
		return (-1);
	run.project = path;
	run.matrix = matrix;
	run.shape = "axes";
	run.source = source;
	run.parent = parent;
	run.rev = commit;
	run.kind = "explain";	/* detection does not look at it */
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
void
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
	if (api_lookup_fail(reply, store_run_document(api->store, id, &doc),
	    "run %lld", (long long)id) != 0)
		goto done;
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
void
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
	if (api_lookup_fail(reply, store_build_document(api->store, id, &doc),
	    "build %lld", (long long)id) != 0)
		return;
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
	if (rc == STORE_ERROR) {
		api_lookup_fail(reply, rc, "the unstripped build of %lld",
		    (long long)id);
		free(key);
		cJSON_Delete(out);
		out = NULL;
		goto done;
	} else if (rc == STORE_OK && !pending)
		cJSON_AddNumberToObject(out, "build", (double)nbuild);
	else if (rc == STORE_OK) {
		/* On its way: name its run, which the client can follow. */
		cJSON	*pb = NULL;

		store_build_document(api->store, nbuild, &pb);
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

/*
 * Refuses a path project that has nothing sizemat can measure (a library
 * alone), unless its variants build an example; returns 1 when refused.
 * *root is the project's own package (builder_measurable), for the plan.
 */
int
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
 * Reads the run-wide settings of a POST /v1/runs body (toolchain,
 * package, features...) into over; any other key but the run's own is
 * refused. Returns 0, or -1 with a reply.
 */
static int
api_run_overrides(const cJSON *doc, struct variant *over,
    struct http_reply *reply)
{
	static const char *const keys[] = { "project", "matrix",
	    "matrix_file", "parent_run", "rev", "force", "any_compiler",
	    "bench", NULL };
	const char *const	*k;
	const cJSON		*item;
	char			*value, *cause;

	cJSON_ArrayForEach(item, doc) {
		for (k = keys; *k != NULL && strcmp(*k, item->string) != 0;
		    k++)
			;
		if (*k != NULL)
			continue;
		for (k = api_run_settings; *k != NULL &&
		    strcmp(*k, item->string) != 0; k++)
			;
		if (*k == NULL) {
			http_reply_error(reply, 400, "invalid_request",
			    "%s: unknown key; a run takes project, matrix, "
			    "matrix_file, parent_run, rev, force, any_compiler, "
			    "bench, toolchain, package, bin, example, profile, features "
			    "and default-features", item->string);
			return (-1);
		}
		if (variant_normalise(item->string, item, &value,
		    &cause) != 0) {
			http_reply_error(reply, 400, "invalid_request",
			    "%s: %s", item->string, cause);
			free(cause);
			return (-1);
		}
		variant_set(over, item->string, value);
		free(value);
	}
	return (0);
}

/*
 * Reads what a run builds: a tracked project (at rev, else its branch;
 * its toolchain unless one is given) or a path, with force, any_compiler
 * and parent_run.
 * Returns 0, or -1 with a reply.
 */
static int
api_run_target(struct api *api, const cJSON *doc, struct tracked_project *tp,
    char **project, struct run_plan *plan, struct variant *over,
    struct http_reply *reply)
{
	const cJSON	*pv, *rev, *force, *any, *parent;

	pv = cJSON_GetObjectItemCaseSensitive(doc, "project");
	rev = cJSON_GetObjectItemCaseSensitive(doc, "rev");
	force = cJSON_GetObjectItemCaseSensitive(doc, "force");
	any = cJSON_GetObjectItemCaseSensitive(doc, "any_compiler");
	if ((rev != NULL && (!cJSON_IsString(rev) ||
	    *rev->valuestring == '\0')) || (force != NULL &&
	    !cJSON_IsBool(force)) || (any != NULL && !cJSON_IsBool(any))) {
		http_reply_error(reply, 400, "invalid_request", "rev: must be "
		    "a revision (a commit, branch or tag); force and "
		    "any_compiler: true or false");
		return (-1);
	}
	plan->kind = "run";
	plan->force = cJSON_IsTrue(force);
	plan->any_compiler = cJSON_IsTrue(any);
	if (cJSON_IsString(pv) && strchr(pv->valuestring, '/') == NULL) {
		if (api_tracked(api, pv->valuestring, tp, reply) != 0)
			return (-1);
		if (tp->head == NULL) {
			http_reply_error(reply, 409, "not_ready", "project %s:"
			    " %s", tp->name, tp->problem ? tp->problem : "its "
			    "source is still being cloned; try again in a "
			    "moment");
			return (-1);
		}
		plan->project_id = tp->id;
		plan->project = tp->path;
		plan->rev = rev != NULL ? rev->valuestring : tp->branch;
		if (tp->toolchain != NULL && variant_get(over,
		    "toolchain") == NULL)
			variant_set(over, "toolchain", tp->toolchain);
	} else {
		if ((*project = api_project(api, pv, reply)) == NULL)
			return (-1);
		if (rev != NULL) {
			http_reply_error(reply, 400, "invalid_request", "rev: "
			    "%s is a path; only a tracked project builds at a "
			    "revision ('sizemat project add NAME SOURCE')",
			    *project);
			return (-1);
		}
		plan->project = *project;
	}
	parent = cJSON_GetObjectItemCaseSensitive(doc, "parent_run");
	if (parent != NULL) {
		if (!cJSON_IsNumber(parent) || store_run_exists(api->store,
		    (int64_t)parent->valuedouble) != STORE_OK) {
			http_reply_error(reply, 400, "invalid_request",
			    "parent_run: must be the id of an existing run");
			return (-1);
		}
		plan->parent = (int64_t)parent->valuedouble;
	}
	return (0);
}

/*
 * Reads a run's own benchmark, which takes the matrix's place: bench.c's
 * spec, normalised into *json (NULL when none is given). Returns 0, or -1
 * with a reply.
 */
static int
api_run_bench(const cJSON *doc, char **json, struct http_reply *reply)
{
	const cJSON	*b = cJSON_GetObjectItemCaseSensitive(doc, "bench");
	char		*cause = NULL;

	*json = NULL;
	if (b == NULL || cJSON_IsNull(b))
		return (0);
	if ((*json = bench_spec_normalise(b, "request", &cause)) == NULL) {
		http_reply_error(reply, 400, "invalid_request", "%s", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/*
 * The run's matrix: the one given (a name, an object, a file's text), else
 * a tracked project's own. NULL with a reply.
 */
static struct matrix *
api_run_matrix(struct api *api, const cJSON *doc,
    const struct tracked_project *tp, struct http_reply *reply)
{
	struct matrix	*m;
	char		*cause;

	if (tp->id != 0 && cJSON_GetObjectItemCaseSensitive(doc,
	    "matrix") == NULL) {
		if (plan_matrix(api->planner, tp->matrix, &m, &cause) != 0) {
			http_reply_error(reply, 400, "invalid_matrix", "%s",
			    cause);
			free(cause);
			return (NULL);
		}
		return (m);
	}
	return (api_matrix(api, cJSON_GetObjectItemCaseSensitive(doc,
	    "matrix"), cJSON_GetObjectItemCaseSensitive(doc, "matrix_file"),
	    (size_t)api->config->max_builds, reply));
}

/*
 * POST /v1/runs: validates the project and matrix, queues the builds. A
 * tracked project's run builds at a revision (default: its branch head),
 * with its matrix and toolchain unless the request says otherwise.
 */
void
api_runs_create(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON			*doc;
	struct matrix		*m = NULL;
	struct variant		 over;
	struct tracked_project	 tp;
	struct run_plan		 plan;
	struct plan_error	 err = { 0, NULL, NULL };
	char			*project = NULL, *root = NULL, *bench = NULL;

	(void)id;
	variant_init(&over);
	memset(&tp, 0, sizeof tp);
	memset(&plan, 0, sizeof plan);
	if ((doc = api_body(req, reply)) == NULL)
		return;
	if (api_run_overrides(doc, &over, reply) != 0 ||
	    api_run_bench(doc, &bench, reply) != 0 ||
	    api_run_target(api, doc, &tp, &project, &plan, &over, reply) != 0 ||
	    (m = api_run_matrix(api, doc, &tp, reply)) == NULL)
		goto out;
	plan.bench = bench;
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
	api_run_reply(api, id, 201, reply);
out:
	free(root);
	free(bench);
	variant_clear(&over);
	matrix_free(m);
	tracked_project_clear(&tp);
	free(project);
	cJSON_Delete(doc);
}

/* Gives diff a build's artifact's stored symbol table. */
int
api_symbols(const cJSON *build, const cJSON *artifact, struct attribution *at,
    char **cause, void *arg)
{
	struct api	*api = arg;
	int64_t		 id;

	id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
	    build, "id"));
	switch (store_symbol_table(api->store, id, cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(artifact, "name")),
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(artifact,
	    "kind")), at)) {
	case STORE_OK:
		return (0);
	case STORE_NOT_FOUND:
		return (1);
	default:
		xasprintf(cause, "cannot read the symbol table of build %lld: "
		    "the database failed (the daemon's log says how)",
		    (long long)id);
		return (-1);
	}
}

/* GET /v1/diff?a=BUILD&b=BUILD[&top=N]: what changed between two builds. */
void
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
	if (api_lookup_fail(reply, store_build_document(api->store, a, &ba),
	    "build %d", a) != 0 ||
	    api_lookup_fail(reply, store_build_document(api->store, b, &bb),
	    "build %d", b) != 0)
		goto out;
	http_reply_json(reply, 200, diff_builds(ba, bb, top, api_symbols,
	    api));
out:
	cJSON_Delete(ba);
	cJSON_Delete(bb);
}

/*
 * GET /v1/runs/{id}/events?after=N&timeout_ms=T, and GET /v1/events (of
 * every run): the queue's events after number N, answered as soon as
 * there is one, or when the run is over, or after T ms (default 25000,
 * cut to --max-hold) with none. Without after, at once: the newest
 * number, to wait from.
 */
void
api_run_events(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*doc, *events;
	int	 after, timeout_ms, over = 0, lost;

	if (api_query_int(req, "after", -1, -1, INT32_MAX, &after, reply) != 0 ||
	    api_query_int(req, "timeout_ms", 25000, 0, 60000, &timeout_ms,
	    reply) != 0)
		return;
	if (timeout_ms > api->config->max_hold)
		timeout_ms = api->config->max_hold;
	if (id != 0 && api_lookup_fail(reply, store_run_over(api->store, id,
	    &over), "run %lld", (long long)id) != 0)
		return;
	events = events_since(api->events, id, after < 0 ?
	    events_seq(api->events) : (uint64_t)after, &lost);
	if (after >= 0 && !over && !lost && cJSON_GetArraySize(events) == 0 &&
	    timeout_ms > 0 && !reply->last) {
		cJSON_Delete(events);
		reply->hold_ms = timeout_ms;
		return;
	}
	doc = cJSON_CreateObject();
	if (id != 0) {
		cJSON_AddNumberToObject(doc, "run", (double)id);
		cJSON_AddBoolToObject(doc, "over", over);
	}
	cJSON_AddNumberToObject(doc, "seq", (double)events_seq(api->events));
	cJSON_AddBoolToObject(doc, "lost", lost);
	cJSON_AddItemToObject(doc, "events", events);
	http_reply_json(reply, 200, doc);
}

/* GET /v1/runs: the newest runs. */
void
api_runs_list(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	cJSON	*doc, *runs;
	int	 limit;

	(void)id;
	if (api_query_int(req, "limit", 50, 1, 10000, &limit, reply) != 0)
		return;
	if ((runs = store_runs_list(api->store, limit)) == NULL) {
		api_lookup_fail(reply, STORE_ERROR, "the runs");
		return;
	}
	doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "runs", runs);
	http_reply_json(reply, 200, doc);
}

/* GET /v1/runs/{id}: the results document. */
void
api_run_get(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	(void)req;
	api_run_reply(api, id, 200, reply);
}

/* DELETE /v1/runs/{id}: cancels the run. */
void
api_run_cancel(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	enum store_result	 rc;
	char			*cause = NULL;

	(void)req;
	rc = queue_cancel_run(api->queue, id, &cause);
	if (api_store_fail(reply, rc, "conflict", cause) == 0) {
		log_info("run %lld: cancelled", (long long)id);
		api_run_reply(api, id, 200, reply);
	}
	free(cause);
}

/*
 * Answers with the tail of a build's log the store keeps (logpack.c); -1
 * when it keeps none.
 */
static int
api_build_log_kept(struct api *api, int64_t id, struct http_reply *reply)
{
	void	*data;
	size_t	 len;
	int64_t	 size;
	int	 rc;

	if (store_build_log_packed(api->store, id, &data, &len, &size) !=
	    STORE_OK)
		return (-1);
	buf_reset(&reply->body);
	rc = logpack_unpack(data, len, size, &reply->body);
	free(data);
	if (rc != 0)
		return (-1);
	reply->status = 200;
	reply->content_type = "text/plain; charset=utf-8";
	return (0);
}

/* GET /v1/builds/{id}/log: the build's log as text (its tail if huge). */
void
api_build_log(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	FILE		*f;
	char		*path, chunk[8192];
	size_t		 n;
	long		 size;

	(void)req;
	if (api_lookup_fail(reply, store_build_log_path(api->store, id,
	    &path), "build %lld", (long long)id) != 0)
		return;
	if (path == NULL || (f = fopen(path, "r")) == NULL) {
		/* Made on another machine, or its file is gone: the store's. */
		if (api_build_log_kept(api, id, reply) == 0) {
			free(path);
			return;
		}
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
