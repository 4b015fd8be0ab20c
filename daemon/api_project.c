/*
 * The API of tracked projects as a resource: adding one (its source
 * checked and cloned), listing, showing, changing and removing them, and
 * fetching a source now.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sizematd.h"

#define API_NAME_MAX		64
#define API_MAX_WEBHOOKS	16

/* Checks a project name: letters, digits, '.', '_' and '-'. */
static int
api_name_ok(const char *name)
{
	size_t	 n = strlen(name);

	return (n > 0 && n <= API_NAME_MAX && isalnum((unsigned char)*name) &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n);
}

/*
 * Checks a git source: a URL, or a local repository (absolute, under an
 * --allow-root). Returns the source to record, or NULL with a reply.
 */
static char *
api_source(struct api *api, const char *source, struct http_reply *reply)
{
	char		 real[PATH_MAX];
	struct stat	 sb;

	if (strstr(source, "://") != NULL) {
		if (strncmp(source, "https://", 8) != 0 &&
		    strncmp(source, "http://", 7) != 0 &&
		    strncmp(source, "ssh://", 6) != 0 &&
		    strncmp(source, "git://", 6) != 0 &&
		    strncmp(source, "file://", 7) != 0) {
			http_reply_error(reply, 400, "invalid_request",
			    "source: %s: the URL must be https://, http://, "
			    "ssh://, git:// or file://", source);
			return (NULL);
		}
		if (strncmp(source, "file://", 7) == 0 &&
		    !api_allowed(api, source + 7)) {
			http_reply_error(reply, 403, "forbidden", "source: %s "
			    "is not under an --allow-root of this daemon",
			    source);
			return (NULL);
		}
		return (xstrdup(source));
	}
	if (source[0] == '-') {
		http_reply_error(reply, 400, "invalid_request", "source: must "
		    "not start with '-'");
		return (NULL);
	}
	if (source[0] != '/') {
		http_reply_error(reply, 400, "invalid_request", "source: %s: "
		    "must be a git URL (https://, ssh://, file://, git://) or "
		    "an absolute path to a git repository", source);
		return (NULL);
	}
	if (realpath(source, real) == NULL || stat(real, &sb) != 0 ||
	    !S_ISDIR(sb.st_mode)) {
		http_reply_error(reply, 400, "invalid_request", "source: %s: "
		    "no such directory", source);
		return (NULL);
	}
	if (!api_allowed(api, real)) {
		http_reply_error(reply, 403, "forbidden", "source: %s is not "
		    "under an --allow-root of this daemon", real);
		return (NULL);
	}
	return (xstrdup(real));
}

/*
 * Adds "fetch": {done, error} to a project's document: the newest fetch
 * request answered since the daemon started (0 for none), and its error.
 */
static void
api_fetch_doc(struct api *api, cJSON *doc, int64_t project_id)
{
	cJSON		*f;
	const char	*error;
	uint64_t	 done;

	done = track_fetch_state(api->track, project_id, &error);
	f = cJSON_AddObjectToObject(doc, "fetch");
	cJSON_AddNumberToObject(f, "done", (double)done);
	if (error != NULL)
		cJSON_AddStringToObject(f, "error", error);
	else
		cJSON_AddNullToObject(f, "error");
}

/* Returns a project's document: settings, state and what is measured. */
static cJSON *
api_project_doc(struct api *api, const char *name)
{
	struct tracked_project	 p;
	struct size_limit	 lim;
	const char		*threshold;
	cJSON			*list, *doc;

	list = store_projects_list(api->store, name);
	doc = cJSON_DetachItemFromArray(list, 0);
	cJSON_Delete(list);
	if (doc == NULL ||
	    store_project_find(api->store, name, &p) != STORE_OK)
		return (doc);
	cJSON_AddItemToObject(doc, "variants", store_project_variants(
	    api->store, p.id));
	cJSON_AddItemToObject(doc, "deliveries", store_deliveries(api->store,
	    p.id));
	/* What detection uses: the project's threshold, else the default. */
	track_threshold(&p, &lim, &threshold);
	cJSON_AddStringToObject(doc, "effective_threshold", threshold);
	api_fetch_doc(api, doc, p.id);
	tracked_project_clear(&p);
	return (doc);
}

/*
 * POST /v1/projects/NAME/fetch: fetches the project's source now, off the
 * loop. Answers 202 with the request's number; the project's document
 * says when "fetch.done" reaches it, and with what error.
 */
void
api_project_fetch(struct api *api, const struct http_request *req,
    int64_t id, struct http_reply *reply)
{
	struct tracked_project	 p;
	cJSON			*doc;
	char			*name = api_name(req);

	(void)id;
	if (api_tracked(api, name, &p, reply) == 0) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "project", p.name);
		cJSON_AddNumberToObject(doc, "fetch", (double)track_fetch_ask(
		    api->track, p.id));
		http_reply_json(reply, 202, doc);
		tracked_project_clear(&p);
	}
	free(name);
}

/*
 * Checks a justification trailer's key: a git trailer token (letters,
 * digits and '-'), or "none" (stored as ""): the project honours none.
 * Returns 0, or -1 with a reply.
 */
static int
api_project_trailer(const char *key, struct tracked_project *p,
    struct http_reply *reply)
{
	if (strcmp(key, "none") == 0 || *key == '\0') {
		p->trailer = xstrdup("");
		return (0);
	}
	if (strlen(key) > 64 || strspn(key, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(key)) {
		http_reply_error(reply, 400, "invalid_request",
		    "justification_trailer: \"%s\" is not a trailer key: 1 "
		    "to 64 letters, digits or '-' (default %s), or none",
		    key, TRACK_DEFAULT_TRAILER);
		return (-1);
	}
	p->trailer = xstrdup(key);
	return (0);
}

/*
 * Checks a project's speed limit (max_slowdown "5%", or "none" to drop
 * it) and speed_metric as search and check take them; sets p's.
 * Returns 0, or -1 with a reply.
 */
static int
api_project_speed(const char *slow, const char *speed,
    struct tracked_project *p, struct http_reply *reply)
{
	struct search_limits	 l;
	char			*cause = NULL;
	int			 rc;

	/* "none" drops the limit; the metric is checked all the same. */
	rc = search_limits_speed(slow != NULL && strcmp(slow, "none") != 0 ?
	    slow : "0%", speed, &l, &cause);
	search_limits_clear(&l);
	if (rc != 0) {
		http_reply_error(reply, 400, "invalid_request", "%s", cause);
		free(cause);
		return (-1);
	}
	p->max_slowdown = slow != NULL ? xstrdup(slow) : NULL;
	p->speed_metric = speed != NULL ? xstrdup(speed) : NULL;
	return (0);
}

/*
 * Reads the settings a project add or set may give (branch, matrix: a
 * name or a matrix object, toolchain, schedule, threshold, webhooks,
 * justification_trailer) into p, each checked. Returns 0, or -1 with a
 * reply.
 */
static int
api_project_settings(struct api *api, const cJSON *doc,
    struct tracked_project *p, struct http_reply *reply)
{
	struct schedule		 sc;
	struct size_limit	 lim;
	struct matrix		*m = NULL;
	const char		*branch, *matrix = NULL, *toolchain;
	const char		*schedule, *threshold, *trailer, *slow, *speed;
	const cJSON		*hooks, *url, *mv;
	char			*cause = NULL, *names, *text;
	int			 rc = -1, known = 1;

	mv = cJSON_GetObjectItemCaseSensitive(doc, "matrix");
	if (api_opt_string(doc, "branch", &branch, reply) != 0 ||
	    (!cJSON_IsObject(mv) && api_opt_string(doc, "matrix", &matrix,
	    reply) != 0) ||
	    api_opt_string(doc, "toolchain", &toolchain, reply) != 0 ||
	    api_opt_string(doc, "schedule", &schedule, reply) != 0 ||
	    api_opt_string(doc, "threshold", &threshold, reply) != 0 ||
	    api_opt_string(doc, "justification_trailer", &trailer,
	    reply) != 0 ||
	    (trailer != NULL && api_project_trailer(trailer, p, reply) != 0) ||
	    api_opt_string(doc, "max_slowdown", &slow, reply) != 0 ||
	    api_opt_string(doc, "speed_metric", &speed, reply) != 0 ||
	    api_project_speed(slow, speed, p, reply) != 0)
		return (-1);
	if (branch != NULL && (branch[0] == '-' || strstr(branch, "..") !=
	    NULL)) {
		http_reply_error(reply, 400, "invalid_request", "branch: \"%s\""
		    " is not a branch name", branch);
		return (-1);
	}
	if (cJSON_IsObject(mv)) {
		/* A matrix file's content, kept with the project. */
		text = cJSON_PrintUnformatted(mv);
		p->matrix = xstrdup(text);
		cJSON_free(text);
	} else if (matrix != NULL)
		p->matrix = xstrdup(matrix);
	if (p->matrix != NULL && plan_matrix(api->planner, p->matrix, &m,
	    &cause) != 0) {
		http_reply_error(reply, 400, "invalid_matrix", "matrix: %s",
		    cause);
		goto out;
	}
	if (toolchain != NULL && plan_toolchain_known(api->planner,
	    toolchain, &known) != 0) {
		http_reply_error(reply, 500, "database", "cannot read what the "
		    "daemons sharing the store can build (the daemon's log "
		    "says why)");
		goto out;
	}
	if (toolchain != NULL && !known) {
		names = toolchains_names(api->toolchains);
		http_reply_error(reply, 400, "unknown_toolchain", "toolchain: "
		    "\"%s\" is not known to this daemon%s; known: %s",
		    toolchain, store_shared(api->store) ? " nor to a live "
		    "daemon sharing its store" : "", names);
		free(names);
		goto out;
	}
	if (schedule != NULL && schedule_parse(schedule, &sc, &cause) != 0) {
		http_reply_error(reply, 400, "invalid_request", "schedule: %s",
		    cause);
		goto out;
	}
	if (threshold != NULL && limit_parse(threshold, &lim, &cause) != 0) {
		http_reply_error(reply, 400, "invalid_request", "threshold: "
		    "%s", cause);
		goto out;
	}
	hooks = cJSON_GetObjectItemCaseSensitive(doc, "webhooks");
	if (hooks != NULL && (!cJSON_IsArray(hooks) ||
	    cJSON_GetArraySize(hooks) > API_MAX_WEBHOOKS)) {
		http_reply_error(reply, 400, "invalid_request", "webhooks: "
		    "must be an array of at most %d http:// or https:// URLs",
		    API_MAX_WEBHOOKS);
		goto out;
	}
	if (hooks != NULL)
		p->webhooks = cJSON_CreateArray();
	cJSON_ArrayForEach(url, hooks) {
		if (!cJSON_IsString(url) || (strncmp(url->valuestring,
		    "http://", 7) != 0 && strncmp(url->valuestring,
		    "https://", 8) != 0)) {
			http_reply_error(reply, 400, "invalid_request",
			    "webhooks: %s is not an http:// or https:// URL",
			    cJSON_IsString(url) ? url->valuestring : "(not a "
			    "string)");
			goto out;
		}
		cJSON_AddItemToArray(p->webhooks,
		    cJSON_CreateString(url->valuestring));
	}
	p->branch = branch ? xstrdup(branch) : NULL;
	p->toolchain = toolchain ? xstrdup(toolchain) : NULL;
	p->schedule = schedule ? xstrdup(schedule) : NULL;
	p->threshold = threshold ? xstrdup(threshold) : NULL;
	rc = 0;
out:
	free(cause);
	matrix_free(m);
	return (rc);
}

/*
 * POST /v1/projects: {"name", "source", "branch", "matrix", "toolchain",
 * "schedule", "threshold", "webhooks": [URL, ...]}. The source is cloned
 * on the thread pool; the project's state says when it is ready.
 */
void
api_projects_add(struct api *api, const struct http_request *req,
    int64_t id, struct http_reply *reply)
{
	static const char *const keys[] = { "name", "source", "branch",
	    "matrix", "toolchain", "schedule", "threshold", "webhooks",
	    "justification_trailer", "max_slowdown", "speed_metric", NULL };
	const char *const	*k;
	struct tracked_project	 p;
	enum store_result	 rc;
	const char		*name, *source;
	const cJSON		*item;
	cJSON			*doc;
	char			*cause = NULL;

	(void)id;
	memset(&p, 0, sizeof p);
	if ((doc = api_body(req, reply)) == NULL)
		return;
	cJSON_ArrayForEach(item, doc) {
		for (k = keys; *k != NULL && strcmp(*k, item->string) != 0;
		    k++)
			;
		if (*k == NULL) {
			http_reply_error(reply, 400, "invalid_request", "%s: "
			    "unknown key; a project takes name, source, "
			    "branch, matrix, toolchain, schedule, threshold, "
			    "webhooks, justification_trailer, max_slowdown and "
			    "speed_metric", item->string);
			goto out;
		}
	}
	if (api_opt_string(doc, "name", &name, reply) != 0 ||
	    api_opt_string(doc, "source", &source, reply) != 0)
		goto out;
	if (name == NULL || !api_name_ok(name)) {
		http_reply_error(reply, 400, "invalid_request", "name: \"%s\" "
		    "is not a project name: 1 to %d letters, digits, '.', '_' "
		    "or '-', starting with a letter or digit", name ? name :
		    "", API_NAME_MAX);
		goto out;
	}
	if (source == NULL) {
		http_reply_error(reply, 400, "invalid_request", "source: a "
		    "project needs its git repository (a path or a URL)");
		goto out;
	}
	if (api_project_settings(api, doc, &p, reply) != 0)
		goto out;
	if (p.webhooks == NULL)
		p.webhooks = cJSON_CreateArray();
	if ((p.source = api_source(api, source, reply)) == NULL)
		goto out;
	p.name = xstrdup(name);
	xasprintf(&p.mirror, "%s/git/%s-%lld.git", api->workdir, name,
	    (long long)time(NULL));
	rc = store_project_add(api->store, &p, &cause);
	if (api_store_fail(reply, rc, "exists", cause) != 0)
		goto out;
	log_info("project %s: added, %s%s%s", p.name, p.source, p.branch ?
	    " branch " : "", p.branch ? p.branch : "");
	track_kick(api->track);
	http_reply_json(reply, 201, api_project_doc(api, p.name));
out:
	free(cause);
	tracked_project_clear(&p);
	cJSON_Delete(doc);
}

/* GET /v1/projects: the tracked projects. */
void
api_projects_list(struct api *api, const struct http_request *req,
    int64_t id, struct http_reply *reply)
{
	cJSON	*doc;

	(void)req;
	(void)id;
	doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "projects", store_projects_list(api->store,
	    NULL));
	http_reply_json(reply, 200, doc);
}

/* GET /v1/projects/NAME: one project, its variants and deliveries. */
void
api_project_get(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	struct tracked_project	 p;
	char			*name = api_name(req);

	(void)id;
	if (api_tracked(api, name, &p, reply) == 0) {
		http_reply_json(reply, 200, api_project_doc(api, name));
		tracked_project_clear(&p);
	}
	free(name);
}

/*
 * PATCH /v1/projects/NAME {"matrix", "threshold", "schedule", "webhooks",
 * "branch", "toolchain"}: changes what is given, checked as project add
 * checks it. A new schedule's next tick is worked out again; a new branch
 * is looked up again (the project is "cloning" until it is).
 */
void
api_project_set(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	static const char *const keys[] = { "branch", "matrix", "toolchain",
	    "schedule", "threshold", "webhooks", "justification_trailer",
	    "max_slowdown", "speed_metric", NULL };
	const char *const	*k;
	struct tracked_project	 p, set;
	const cJSON		*item;
	cJSON			*doc;
	char			*name = api_name(req);

	(void)id;
	memset(&set, 0, sizeof set);
	memset(&p, 0, sizeof p);
	if ((doc = api_body(req, reply)) == NULL)
		goto out;
	cJSON_ArrayForEach(item, doc) {
		for (k = keys; *k != NULL && strcmp(*k, item->string) != 0;
		    k++)
			;
		if (*k == NULL) {
			http_reply_error(reply, 400, "invalid_request", "%s: "
			    "cannot be set; a project set takes branch, "
			    "matrix, toolchain, schedule, threshold, webhooks, "
			    "justification_trailer, max_slowdown and "
			    "speed_metric", item->string);
			goto out;
		}
	}
	if (api_tracked(api, name, &p, reply) != 0 ||
	    api_project_settings(api, doc, &set, reply) != 0)
		goto out;
	if (store_project_update(api->store, p.id, &set) != 0) {
		http_reply_error(reply, 500, "database", "cannot change "
		    "project %s", name);
		goto out;
	}
	log_info("project %s: changed", name);
	if (set.branch != NULL)
		track_kick(api->track);
	if (set.schedule != NULL)
		track_schedules(api->track);
	http_reply_json(reply, 200, api_project_doc(api, name));
out:
	tracked_project_clear(&set);
	tracked_project_clear(&p);
	cJSON_Delete(doc);
	free(name);
}

/* DELETE /v1/projects/NAME: stops tracking; the history stays. */
void
api_project_remove(struct api *api, const struct http_request *req,
    int64_t id, struct http_reply *reply)
{
	struct tracked_project	 p;
	char			*name = api_name(req), *cause;
	int64_t			*runs;
	size_t			 n;
	cJSON			*doc;
	enum store_result	 rc;

	(void)id;
	if (api_tracked(api, name, &p, reply) != 0) {
		free(name);
		return;
	}
	rc = store_project_remove(api->store, name);
	xasprintf(&cause, rc == STORE_NOT_FOUND ? "no tracked project %s" :
	    "project %s: the database failed; nothing was removed", name);
	if (api_store_fail(reply, rc, NULL, cause) == 0) {
		/* Its runs stop; its clone goes. */
		free(cause);
		cause = NULL;
		store_project_active_runs(api->store, p.id, &runs, &n);
		api_cancel_runs(api, runs, n);
		track_forget(api->track, p.mirror);
		log_info("project %s: removed, %zu runs cancelled", name, n);
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "removed", name);
		cJSON_AddNumberToObject(doc, "cancelled_runs", (double)n);
		http_reply_json(reply, 200, doc);
	}
	free(cause);
	tracked_project_clear(&p);
	free(name);
}
