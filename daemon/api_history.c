/*
 * The API of a tracked project's history: the questions over it (trend,
 * compare, check, regressions, bisect); api_project.c has the project.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"

/*
 * Returns the artifact a command takes when none is named (INTERFACE.md):
 * the one the builds recorded as their default (default-run, else the
 * binary named like the package, else the only one). NULL with the names
 * in *several when there are several and none is the default; NULL with
 * *several NULL when there is no choice to make.
 */
static const char *
api_default_artifact(const cJSON *rows, char **several)
{
	const cJSON	*row;
	const char	*name, *first = NULL;
	struct strlist	 seen = { NULL, 0 };
	struct buf	 names;
	size_t		 i;

	*several = NULL;
	cJSON_ArrayForEach(row, rows) {
		if ((name = json_str(row, "default_artifact", NULL)) != NULL)
			return (name);
	}
	cJSON_ArrayForEach(row, rows) {
		if ((name = json_str(row, "artifact", NULL)) == NULL)
			continue;
		for (i = 0; i < seen.n && strcmp(seen.v[i], name) != 0; i++)
			;
		if (i < seen.n)
			continue;
		strlist_add(&seen, name);
		if (first == NULL)
			first = name;
	}
	if (seen.n > 1) {
		buf_init(&names);
		for (i = 0; i < seen.n; i++)
			buf_printf(&names, "%s%s", i ? ", " : "", seen.v[i]);
		*several = names.data;
	}
	i = seen.n;
	strlist_free(&seen);
	return (i == 1 ? first : NULL);
}

/*
 * Picks the variant and artifact a history question is about: the one
 * --variant names (INTERFACE.md) among those measured, else the smallest
 * known, of the artifact named, else the project's default artifact ("":
 * of any artifact). Returns the row of store_project_variants, or NULL
 * with a reply.
 */
static const cJSON *
api_pick(const cJSON *rows, const char *selector, const char *artifact,
    struct http_reply *reply)
{
	const cJSON	*row, *pick = NULL;
	const char	**keys, **steps;
	size_t		 n = 0, i, at;
	char		*cause, *names;

	if (artifact != NULL && *artifact == '\0')
		artifact = NULL;	/* any artifact: the variant alone */
	else if (artifact == NULL && (artifact = api_default_artifact(rows,
	    &names)) == NULL && names != NULL) {
		http_reply_error(reply, 400, "choose_artifact", "the project "
		    "makes several artifacts (%s) and none is its default (no "
		    "default-run, none named like its package); choose one "
		    "with --artifact", names);
		free(names);
		return (NULL);
	}
	keys = xcalloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof *keys);
	steps = xcalloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof *steps);
	cJSON_ArrayForEach(row, rows) {
		if (artifact != NULL && json_str(row, "artifact", NULL) !=
		    NULL && strcmp(json_str(row, "artifact", ""),
		    artifact) != 0)
			continue;
		for (i = 0; i < n; i++) {
			if (strcmp(keys[i], json_str(row, "variant_key",
			    "")) == 0)
				break;
		}
		if (i < n)
			continue;	/* the smallest artifact comes first */
		keys[n] = json_str(row, "variant_key", "");
		steps[n] = json_str(row, "step", NULL);
		n++;
	}
	if (n == 0) {
		if (artifact != NULL)
			http_reply_error(reply, 404, "not_found", "no artifact "
			    "named %s is measured for this project", artifact);
		else
			http_reply_error(reply, 404, "not_found", "nothing is "
			    "measured for this project yet; 'sizemat run NAME "
			    "--rev REV' measures a commit");
		goto out;
	}
	if (selector == NULL)
		at = 0;
	else if (variant_select(selector, keys, steps, n, &at, &cause) != 0) {
		http_reply_error(reply, 400, "invalid_variant", "%s", cause);
		free(cause);
		goto out;
	}
	cJSON_ArrayForEach(row, rows) {
		if (strcmp(json_str(row, "variant_key", ""), keys[at]) == 0 &&
		    (artifact == NULL || json_str(row, "artifact", NULL) ==
		    NULL || strcmp(json_str(row, "artifact", ""),
		    artifact) == 0)) {
			pick = row;
			break;
		}
	}
out:
	free(keys);
	free(steps);
	return (pick);
}

/*
 * Adds the variants of the project's matrix not measured yet to rows
 * (without an artifact), after the measured ones. Returns how many
 * variants the matrix has, or -1 with a reply.
 */
static int
api_matrix_rows(struct api *api, const struct tracked_project *p,
    cJSON *rows, struct http_reply *reply)
{
	struct matrix	*m;
	struct variant	 v;
	const cJSON	*row;
	cJSON		*o;
	char		*key, *cause;
	size_t		 i, n;

	if (plan_matrix(api->planner, p->matrix, &m, &cause) != 0) {
		http_reply_error(reply, 400, "invalid_matrix", "%s", cause);
		free(cause);
		return (-1);
	}
	n = matrix_count(m);
	for (i = 0; i < n; i++) {
		/* As a run of the project builds it, toolchain and all. */
		variant_init(&v);
		variant_copy(&v, matrix_variant(m, i));
		if (p->toolchain != NULL && strcmp(p->toolchain,
		    "default") != 0 && variant_get(&v, "toolchain") == NULL)
			variant_set(&v, "toolchain", p->toolchain);
		key = variant_key(&v);
		cJSON_ArrayForEach(row, rows) {
			if (strcmp(json_str(row, "variant_key", ""), key) == 0)
				break;
		}
		if (row == NULL) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "variant_key", key);
			cJSON_AddItemToObject(o, "variant",
			    variant_to_json(&v));
			if (matrix_step(m, i) != NULL)
				cJSON_AddStringToObject(o, "step",
				    matrix_step(m, i));
			cJSON_AddItemToArray(rows, o);
		}
		free(key);
		variant_clear(&v);
	}
	matrix_free(m);
	return ((int)n);
}

/* Parses --since: YYYY-MM-DD, in UTC, or Unix seconds. */
static int
api_since(const char *s, int64_t *when)
{
	struct tm	 tm;
	char		*end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && (*end == '\0' || strptime(end, "T%H:%M:%S",
	    &tm) != NULL)) {
		*when = (int64_t)timegm(&tm);
		return (0);
	}
	*when = strtoll(s, &end, 10);
	return (*end == '\0' && end != s ? 0 : -1);
}

/* Orders crate names by their bytes at the newest row, largest first. */
static int
api_crate_cmp(const void *a, const void *b, void *newest)
{
	double	x = json_num(newest, *(const char *const *)a, 0);
	double	y = json_num(newest, *(const char *const *)b, 0);

	return (x < y ? 1 : x > y ? -1 : strcmp(*(const char *const *)a,
	    *(const char *const *)b));
}

/*
 * Adds to each trend row "crates": the bytes of the n crates largest at
 * the newest row, and "other" for the rest (unattributed bytes
 * included), so that a row's crates add up to the sections covered;
 * "crates" at the top lists them in that order.
 */
static void
api_trend_crates(struct api *api, cJSON *doc, const char *artifact, int n)
{
	cJSON		*rows, *row, *all, *c, *names, *newest = NULL;
	const char	**order = NULL;
	size_t		 k = 0, i;
	double		 rest;

	rows = cJSON_GetObjectItemCaseSensitive(doc, "rows");
	cJSON_ArrayForEach(row, rows) {
		all = store_build_crates(api->store, json_int(row, "build", 0),
		    artifact);
		cJSON_AddItemToObject(row, "crates", all != NULL ? all :
		    cJSON_CreateObject());
		newest = cJSON_GetObjectItemCaseSensitive(row, "crates");
	}
	cJSON_ArrayForEach(c, newest) {
		if (strcmp(c->string, "[unattributed]") == 0)
			continue;
		order = xreallocarray(order, k + 1, sizeof *order);
		order[k++] = c->string;
	}
	if (k > 0)
		qsort_r(order, k, sizeof *order, api_crate_cmp, newest);
	if (k > (size_t)n)
		k = (size_t)n;
	names = cJSON_AddArrayToObject(doc, "crates");
	for (i = 0; i < k; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(order[i]));
	cJSON_AddItemToArray(names, cJSON_CreateString("other"));
	cJSON_ArrayForEach(row, rows) {
		all = cJSON_DetachItemFromObjectCaseSensitive(row, "crates");
		c = cJSON_AddObjectToObject(row, "crates");
		rest = 0;
		cJSON_ArrayForEach(newest, all)
			rest += newest->valuedouble;
		for (i = 0; i < k; i++) {
			cJSON_AddNumberToObject(c, order[i], json_num(all,
			    order[i], 0));
			rest -= json_num(all, order[i], 0);
		}
		cJSON_AddNumberToObject(c, "other", rest);
		cJSON_Delete(all);
	}
	free(order);
}

/*
 * GET /v1/projects/NAME/trend?variant=V&artifact=A&metric=M&since=DATE&
 * last=N: one row per measured commit along the branch's first-parent
 * line, oldest first.
 */
void
api_trend(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	struct tracked_project	 p;
	const cJSON		*pick;
	cJSON			*rows = NULL, *doc, *trend;
	char			*name = api_name(req), *variant, *artifact;
	char			*metric, *since, *cause;
	int64_t			 when = 0;
	int			 last, crates;

	(void)id;
	variant = http_request_query(req, "variant");
	artifact = http_request_query(req, "artifact");
	metric = http_request_query(req, "metric");
	since = http_request_query(req, "since");
	if (api_tracked(api, name, &p, reply) != 0)
		goto out;
	if (api_query_int(req, "last", 0, 0, 1000000, &last, reply) != 0 ||
	    api_query_int(req, "crates", 0, 0, 50, &crates, reply) != 0)
		goto out;
	if (since != NULL && api_since(since, &when) != 0) {
		http_reply_error(reply, 400, "invalid_request", "since: \"%s\""
		    " is not a date (YYYY-MM-DD) or Unix seconds", since);
		goto out;
	}
	if (metric != NULL && metric_unit(metric) == NULL) {
		cause = metric_unknown(metric);
		http_reply_error(reply, 400, "invalid_request", "metric: %s",
		    cause);
		free(cause);
		goto out;
	}
	rows = store_project_variants(api->store, p.id);
	if ((pick = api_pick(rows, variant, artifact, reply)) == NULL)
		goto out;
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "project", p.name);
	cJSON_AddStringToObject(doc, "branch", p.branch ? p.branch : "");
	cJSON_AddStringToObject(doc, "variant_key", json_str(pick,
	    "variant_key", ""));
	cJSON_AddStringToObject(doc, "artifact", json_str(pick, "artifact",
	    ""));
	cJSON_AddStringToObject(doc, "metric", metric ? metric : "file_size");
	cJSON_AddStringToObject(doc, "unit", metric_unit(metric ? metric :
	    "file_size"));
	if ((trend = store_trend(api->store, p.id, json_str(pick,
	    "variant_key", ""), json_str(pick, "artifact", ""), metric ?
	    metric : "file_size", when, last)) == NULL) {
		cJSON_Delete(doc);
		api_lookup_fail(reply, STORE_ERROR, "the trend of %s", p.name);
		goto out;
	}
	cJSON_AddItemToObject(doc, "rows", trend);
	if (crates > 0)
		api_trend_crates(api, doc, json_str(pick, "artifact", ""),
		    crates);
	http_reply_json(reply, 200, doc);
out:
	cJSON_Delete(rows);
	tracked_project_clear(&p);
	free(name);
	free(variant);
	free(artifact);
	free(metric);
	free(since);
}

/* Orders comparison rows by percent change, largest growth first. */
static int
api_row_cmp(const void *a, const void *b)
{
	double	 x = json_num(*(cJSON *const *)a, "percent", -1e300);
	double	 y = json_num(*(cJSON *const *)b, "percent", -1e300);

	return (x < y ? 1 : x > y ? -1 : 0);
}

/*
 * Marks a comparison row slower than the limit allows: its speed figure
 * at head over base's by more than max_slowdown, unless that is noise (a
 * median wall time whose head's fastest run is no slower than base's
 * slowest); or without a speed figure at one of them (speed_missing: its
 * benchmark failed or never ran). Returns whether the row fails the
 * speed limit.
 */
static int
api_row_slower(const struct search_limits *sl, cJSON *row)
{
	int64_t	 b = json_int(row, "base_speed", -1);
	int64_t	 h = json_int(row, "speed", -1);
	int	 slower, noise;

	if (sl->slowdown < 0)
		return (0);
	if (b <= 0 || h < 0) {
		/* A gate on speed cannot pass what it could not measure. */
		cJSON_AddNullToObject(row, "slowdown_percent");
		cJSON_AddBoolToObject(row, "slower", 0);
		cJSON_AddBoolToObject(row, "speed_missing", 1);
		return (1);
	}
	cJSON_AddNumberToObject(row, "slowdown_percent", (double)(h - b) *
	    100.0 / (double)b);
	slower = search_limits_slower(sl, b, h, json_int(row, "base_speed_max",
	    -1), json_int(row, "speed_min", -1), &noise);
	cJSON_AddBoolToObject(row, "slower", slower);
	cJSON_AddBoolToObject(row, "speed_noise", noise);
	cJSON_AddBoolToObject(row, "speed_missing", 0);
	return (slower);
}

/*
 * Reads check's and compare's speed limit: max_slowdown ("5%") and
 * speed_metric, from a request's body or query. Returns 0, or -1 with a
 * reply.
 */
static int
api_speed_limit(const char *slowdown, const char *metric,
    struct search_limits *sl, struct http_reply *reply)
{
	char	*cause = NULL;

	if (search_limits_speed(slowdown, metric, sl, &cause) == 0)
		return (0);
	http_reply_error(reply, 400, "invalid_request", "%s", cause);
	free(cause);
	return (-1);
}

/*
 * Builds the comparison of two commits: every variant measured at head,
 * with bytes and percent change against base, sorted by change, each
 * marked "over" the limit; "exceeded" and "head_failed" sum it up. With
 * keys, only those variants.
 */
static cJSON *
api_comparison(struct api *api, const struct tracked_project *p,
    const char *base, const char *head, const struct size_limit *lim,
    const char *limit_text, const struct search_limits *sl,
    const struct strlist *keys)
{
	cJSON		*rows, *row, *doc, *sorted, **v;
	size_t		 n = 0, i;
	int64_t		 bs, hs;
	int		 exceeded = 0, failed = 0, keep, slower, slow = 0;
	const char	*state;

	rows = store_compare(api->store, p->id, base, head, sl->slowdown >= 0 ?
	    sl->speed_metric : NULL);
	v = xcalloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof *v);
	while ((row = cJSON_DetachItemFromArray(rows, 0)) != NULL) {
		keep = keys == NULL || keys->n == 0;
		for (i = 0; keys != NULL && i < keys->n; i++) {
			if (strcmp(keys->v[i], json_str(row, "variant_key",
			    "")) == 0)
				keep = 1;
		}
		if (!keep) {
			cJSON_Delete(row);
			continue;
		}
		state = json_str(row, "state", "");
		bs = json_int(row, "base_size", -1);
		hs = json_int(row, "size", -1);
		if (strcmp(state, "done") != 0) {
			failed = 1;
			cJSON_AddBoolToObject(row, "over", 1);
		} else if (bs >= 0 && hs >= 0) {
			cJSON_AddNumberToObject(row, "bytes", (double)(hs -
			    bs));
			cJSON_AddNumberToObject(row, "percent", bs > 0 ?
			    (double)(hs - bs) * 100.0 / (double)bs : 0);
			slower = api_row_slower(sl, row);
			cJSON_AddBoolToObject(row, "over",
			    limit_exceeded(lim, bs, hs) || slower);
			exceeded |= limit_exceeded(lim, bs, hs);
			slow |= slower;
			track_jitter(api->track, p, row);
			if (hs > bs) {
				/* Why: from the tables at both commits. */
				cJSON_AddStringToObject(row, "base_commit",
				    base);
				cJSON_AddStringToObject(row, "commit", head);
				track_cause(api->track, p, row, 0);
			}
		} else
			cJSON_AddBoolToObject(row, "over", 0);
		v[n++] = row;
	}
	cJSON_Delete(rows);
	qsort(v, n, sizeof *v, api_row_cmp);
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "project", p->name);
	cJSON_AddItemToObject(doc, "base", store_commit_json(api->store, p->id,
	    base));
	cJSON_AddItemToObject(doc, "head", store_commit_json(api->store, p->id,
	    head));
	cJSON_AddStringToObject(doc, "max_increase", limit_text);
	if (sl->slowdown >= 0) {
		cJSON_AddStringToObject(doc, "max_slowdown", sl->slowdown_text);
		cJSON_AddStringToObject(doc, "speed_metric", sl->speed_metric);
	} else {
		cJSON_AddNullToObject(doc, "max_slowdown");
		cJSON_AddNullToObject(doc, "speed_metric");
	}
	sorted = cJSON_AddArrayToObject(doc, "rows");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(sorted, v[i]);
	free(v);
	/*
	 * exceeded: over either limit; size_exceeded and slower apart, for
	 * a size justification accepts growth, not a slowdown.
	 */
	cJSON_AddBoolToObject(doc, "exceeded", exceeded || slow);
	cJSON_AddBoolToObject(doc, "size_exceeded", exceeded);
	cJSON_AddBoolToObject(doc, "slower", slow);
	cJSON_AddBoolToObject(doc, "head_failed", failed);
	/* Over the limit, the head's justification may accept it. */
	cJSON_AddStringToObject(doc, "commit", head);
	if (exceeded)
		track_accepted(api->track, p, doc, 1);
	else
		cJSON_AddNullToObject(doc, "accepted");
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "commit");
	return (doc);
}

/*
 * Reads a size limit given as field (max_increase, threshold), else the
 * project's threshold, else 1%.
 */
static int
api_limit(const struct tracked_project *p, const char *field,
    const char *given, struct size_limit *lim, const char **text,
    struct http_reply *reply)
{
	char	*cause;

	if (given == NULL)
		return (track_threshold(p, lim, text));
	if (limit_parse(given, lim, &cause) != 0) {
		http_reply_error(reply, 400, "invalid_request", "%s: %s",
		    field, cause);
		free(cause);
		return (-1);
	}
	*text = given;
	return (0);
}

/*
 * GET /v1/projects/NAME/compare?base=REV&head=REV[&max_increase=L]
 * [&variant=V]: two measured commits side by side. base_run and head_run
 * name the commits by the runs that measured them (as check does).
 */
void
api_compare(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	static const char *const names[] = { "base", "head" };
	struct tracked_project	 p;
	struct size_limit	 lim;
	struct search_limits	 sl;
	struct strlist		 keys = { NULL, 0 };
	const cJSON		*pick;
	cJSON			*rows = NULL;
	const char		*text;
	char			*name = api_name(req), *q[2] = { NULL, NULL };
	char			*commit[2] = { NULL, NULL }, *given, *sel;
	char			*slow, *speed;
	char			*cause, *qname, *path;
	int64_t			 run, project_id, head_run = 0;
	cJSON			*rdoc;
	const cJSON		*b;
	int			 i;

	(void)id;
	given = http_request_query(req, "max_increase");
	sel = http_request_query(req, "variant");
	slow = http_request_query(req, "max_slowdown");
	speed = http_request_query(req, "speed_metric");
	memset(&sl, 0, sizeof sl);
	if (api_speed_limit(slow, speed, &sl, reply) != 0 ||
	    api_tracked(api, name, &p, reply) != 0)
		goto out;
	for (i = 0; i < 2; i++) {
		xasprintf(&qname, "%s_run", names[i]);
		q[i] = http_request_query(req, qname);
		free(qname);
		if (q[i] != NULL) {
			run = strtoll(q[i], NULL, 10);
			project_id = 0;
			if (run > 0 && store_run_origin(api->store, run,
			    &project_id, &path, &commit[i]) == STORE_OK)
				free(path);
			if (project_id != p.id || commit[i] == NULL) {
				http_reply_error(reply, 400, "invalid_request",
				    "%s_run: %s is not a run of project %s at "
				    "a commit", names[i], q[i], p.name);
				goto out;
			}
			if (i == 1)
				head_run = run;
			continue;
		}
		if ((q[i] = http_request_query(req, names[i])) == NULL) {
			http_reply_error(reply, 400, "invalid_request", "the "
			    "query needs ?base=REV&head=REV");
			goto out;
		}
		/*
		 * Through the project's mirror, as check does: main~2 is
		 * the commit git says, not what a run once called it. A
		 * whole commit id that was measured needs no git.
		 */
		if (revision_is_commit_id(q[i], 1) &&
		    store_commit_has_run(api->store, p.id, q[i]) == STORE_OK)
			commit[i] = xstrdup(q[i]);
		else
			commit[i] = p.mirror != NULL ? git_resolve(p.mirror,
			    q[i], &cause) : store_commit_resolve(api->store,
			    p.id, q[i], &cause);
		if (commit[i] == NULL) {
			http_reply_error(reply, 404, "unknown_revision", "%s",
			    cause);
			free(cause);
			goto out;
		}
	}
	if (api_limit(&p, "max_increase", given, &lim, &text, reply) != 0)
		goto out;
	if (sel != NULL) {
		rows = store_project_variants(api->store, p.id);
		if ((pick = api_pick(rows, sel, NULL, reply)) == NULL)
			goto out;
		strlist_add(&keys, json_str(pick, "variant_key", ""));
	} else if (head_run > 0 && store_run_document(api->store, head_run,
	    &rdoc) == STORE_OK) {
		/* The variants the head's run built, as a check asked. */
		cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(rdoc,
		    "builds"))
			strlist_add(&keys, json_str(b, "variant_key", ""));
		cJSON_Delete(rdoc);
	}
	http_reply_json(reply, 200, api_comparison(api, &p, commit[0],
	    commit[1], &lim, text, &sl, &keys));
out:
	cJSON_Delete(rows);
	search_limits_clear(&sl);
	free(slow);
	free(speed);
	strlist_free(&keys);
	tracked_project_clear(&p);
	for (i = 0; i < 2; i++) {
		free(q[i]);
		free(commit[i]);
	}
	free(name);
	free(given);
	free(sel);
}

/*
 * The variants a check builds: those of the project's matrix that the
 * selectors name, else all of them, each with the project's toolchain
 * unless it names one. NULL with a reply.
 */
static struct variant *
api_check_variants(const struct tracked_project *p, const struct matrix *m,
    const cJSON *sel, size_t *np, struct http_reply *reply)
{
	const cJSON	*item;
	struct variant	*vars;
	const char	**keys, **steps;
	char		*cause;
	size_t		 nm = matrix_count(m), n = 0, i, at;

	if (sel != NULL && !cJSON_IsArray(sel)) {
		http_reply_error(reply, 400, "invalid_request", "variants: "
		    "must be an array of variant selectors");
		return (NULL);
	}
	keys = xcalloc(nm, sizeof *keys);
	steps = xcalloc(nm, sizeof *steps);
	vars = xcalloc(nm + (size_t)cJSON_GetArraySize(sel), sizeof *vars);
	for (i = 0; i < nm; i++) {
		keys[i] = variant_key(matrix_variant(m, i));
		steps[i] = matrix_step(m, i);
	}
	cJSON_ArrayForEach(item, sel) {
		if (!cJSON_IsString(item) || variant_select(item->valuestring,
		    keys, steps, nm, &at, &cause) != 0) {
			http_reply_error(reply, 400, "invalid_variant", "%s",
			    cJSON_IsString(item) ? cause : "variants: must be "
			    "strings");
			if (cJSON_IsString(item))
				free(cause);
			for (i = 0; i < n; i++)
				variant_clear(&vars[i]);
			free(vars);
			vars = NULL;
			goto out;
		}
		variant_init(&vars[n]);
		variant_copy(&vars[n++], matrix_variant(m, at));
	}
	for (i = 0; n == 0 && i < nm; i++) {
		variant_init(&vars[i]);
		variant_copy(&vars[i], matrix_variant(m, i));
	}
	if (n == 0)
		n = nm;
	for (i = 0; p->toolchain != NULL && i < n; i++) {
		if (variant_get(&vars[i], "toolchain") == NULL)
			variant_set(&vars[i], "toolchain", p->toolchain);
	}
	*np = n;
out:
	for (i = 0; i < nm; i++)
		free((char *)keys[i]);
	free(keys);
	free(steps);
	return (vars);
}

/*
 * POST /v1/projects/NAME/check {"base", "head", "variants": [V, ...],
 * "max_increase"}: queues the project's matrix (or the variants named, as
 * selectors among the matrix's) at both commits; what is measured already
 * is reused. Answers the two runs; GET compare with base_run and head_run
 * gives the verdict once they are done.
 */
void
api_check(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	struct tracked_project	 p;
	struct size_limit	 lim;
	struct matrix		*m = NULL;
	struct variant		*vars = NULL;
	struct run_plan		 run;
	struct plan_error	 err = { 0, NULL, NULL };
	const char		*base, *head, *given, *text, *slow, *speed;
	struct search_limits	 sl;
	cJSON			*doc, *out = NULL;
	char			*name = api_name(req), *cause, *source;
	size_t			 n = 0, i;
	int64_t			 runs[2];
	int			 j;

	(void)id;
	memset(&p, 0, sizeof p);
	memset(&sl, 0, sizeof sl);
	if ((doc = api_body(req, reply)) == NULL)
		goto out;
	if (api_tracked(api, name, &p, reply) != 0)
		goto out;
	if (api_opt_string(doc, "base", &base, reply) != 0 ||
	    api_opt_string(doc, "head", &head, reply) != 0 ||
	    api_opt_string(doc, "max_increase", &given, reply) != 0 ||
	    api_opt_string(doc, "max_slowdown", &slow, reply) != 0 ||
	    api_opt_string(doc, "speed_metric", &speed, reply) != 0 ||
	    api_speed_limit(slow, speed, &sl, reply) != 0)
		goto out;
	if (base == NULL || head == NULL) {
		http_reply_error(reply, 400, "invalid_request", "a check needs "
		    "\"base\" and \"head\" revisions");
		goto out;
	}
	if (api_limit(&p, "max_increase", given, &lim, &text, reply) != 0)
		goto out;
	if (p.head == NULL) {
		http_reply_error(reply, 409, "not_ready", "project %s: %s",
		    p.name, p.problem ? p.problem : "its source is still "
		    "being cloned; try again in a moment");
		goto out;
	}
	if (plan_matrix(api->planner, p.matrix, &m, &cause) != 0) {
		http_reply_error(reply, 400, "invalid_matrix", "%s", cause);
		free(cause);
		goto out;
	}
	if (sl.slowdown >= 0 && strncmp(sl.speed_metric, "bench.", 6) == 0 &&
	    matrix_bench(m) == NULL) {
		http_reply_error(reply, 400, "invalid_request", "max_slowdown: "
		    "project %s's matrix %s has no \"bench\" to measure %s "
		    "with; add one (docs/speed.md)", p.name, matrix_name(m),
		    sl.speed_metric);
		goto out;
	}
	if ((vars = api_check_variants(&p, m, cJSON_GetObjectItemCaseSensitive(
	    doc, "variants"), &n, reply)) == NULL)
		goto out;
	source = matrix_source_json(m);
	for (j = 0; j < 2; j++) {
		memset(&run, 0, sizeof run);
		run.project = p.path;
		run.project_id = p.id;
		run.matrix = matrix_name(m);
		run.shape = "axes";
		run.source = source;
		run.rev = j == 0 ? base : head;
		run.kind = "check";
		run.bench = matrix_bench(m);
		if (plan_queue(api->planner, &run, vars, NULL, NULL, n,
		    matrix_bootstrap(m), &runs[j], &err) != 0) {
			api_plan_fail(reply, &err);
			free(source);
			goto out;
		}
	}
	free(source);
	log_info("check %s: runs %lld (%s) and %lld (%s), %zu variants",
	    p.name, (long long)runs[0], base, (long long)runs[1], head, n);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "project", p.name);
	cJSON_AddNumberToObject(out, "base_run", (double)runs[0]);
	cJSON_AddNumberToObject(out, "head_run", (double)runs[1]);
	cJSON_AddStringToObject(out, "max_increase", text);
	if (sl.slowdown >= 0)
		cJSON_AddStringToObject(out, "max_slowdown", sl.slowdown_text);
	http_reply_json(reply, 201, out);
out:
	search_limits_clear(&sl);
	for (i = 0; vars != NULL && i < n; i++)
		variant_clear(&vars[i]);
	free(vars);
	matrix_free(m);
	tracked_project_clear(&p);
	cJSON_Delete(doc);
	free(name);
}

/*
 * GET /v1/projects/NAME/regressions: what grew, oldest commit first, each
 * with its causes (track_cause.c).
 */
void
api_regressions(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	struct tracked_project	 p;
	const char		*text;
	struct size_limit	 lim;
	char			*name = api_name(req);
	cJSON			*doc, *rows;

	(void)id;
	if (api_tracked(api, name, &p, reply) == 0) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "project", p.name);
		track_threshold(&p, &lim, &text);
		cJSON_AddStringToObject(doc, "threshold", text);
		if ((rows = store_regressions(api->store, p.id)) == NULL) {
			cJSON_Delete(doc);
			api_lookup_fail(reply, STORE_ERROR, "the regressions "
			    "of %s", p.name);
		} else {
			track_causes(api->track, &p, rows, 0);
			cJSON_AddItemToObject(doc, "regressions", rows);
			/* Speed: with the project's max_slowdown (docs/speed.md). */
			if (p.max_slowdown != NULL)
				cJSON_AddStringToObject(doc, "max_slowdown",
				    p.max_slowdown);
			else
				cJSON_AddNullToObject(doc, "max_slowdown");
			rows = store_slowdowns(api->store, p.id, 0);
			cJSON_AddItemToObject(doc, "slowdowns", rows != NULL ?
			    rows : cJSON_CreateArray());
			http_reply_json(reply, 200, doc);
		}
		tracked_project_clear(&p);
	}
	free(name);
}

/*
 * POST /v1/projects/NAME/bisect {"good", "bad", "variant", "artifact",
 * "threshold"}: starts a bisection over bad's first-parent line.
 */
void
api_bisect_start(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	struct tracked_project	 p;
	struct size_limit	 lim;
	const cJSON		*pick;
	cJSON			*doc, *rows = NULL, *bisection;
	const char		*good, *bad, *variant, *artifact, *threshold;
	char			*name = api_name(req), *settings;
	int			 nm, rc;

	memset(&p, 0, sizeof p);
	if ((doc = api_body(req, reply)) == NULL)
		goto out;
	if (api_tracked(api, name, &p, reply) != 0)
		goto out;
	if (api_opt_string(doc, "good", &good, reply) != 0 ||
	    api_opt_string(doc, "bad", &bad, reply) != 0 ||
	    api_opt_string(doc, "variant", &variant, reply) != 0 ||
	    api_opt_string(doc, "artifact", &artifact, reply) != 0 ||
	    api_opt_string(doc, "threshold", &threshold, reply) != 0)
		goto out;
	if (good == NULL || bad == NULL || good[0] == '-' || bad[0] == '-') {
		http_reply_error(reply, 400, "invalid_request", "a bisection "
		    "needs \"good\" and \"bad\" revisions");
		goto out;
	}
	/* The project's own threshold unless one is given, as regressions. */
	if (api_limit(&p, "threshold", threshold, &lim, &threshold,
	    reply) != 0)
		goto out;
	if (p.head == NULL) {
		http_reply_error(reply, 409, "not_ready", "project %s: %s",
		    p.name, p.problem ? p.problem : "its source is still "
		    "being cloned; try again in a moment");
		goto out;
	}
	rows = store_project_variants(api->store, p.id);
	if ((nm = api_matrix_rows(api, &p, rows, reply)) < 0)
		goto out;
	if (variant == NULL && cJSON_GetArraySize(rows) > 0 &&
	    json_str(cJSON_GetArrayItem(rows, 0), "artifact", NULL) == NULL &&
	    nm > 1) {
		/* Nothing measured: the smallest at good, once it is. */
		rc = store_bisection_create(api->store, p.id, good, bad, NULL,
		    NULL, artifact != NULL ? artifact : "", threshold, &id);
	} else {
		/* Without an artifact: every one that crossed (track.c). */
		if ((pick = api_pick(rows, variant, artifact != NULL ?
		    artifact : "", reply)) == NULL)
			goto out;
		settings = cJSON_PrintUnformatted(
		    cJSON_GetObjectItemCaseSensitive(pick, "variant"));
		rc = store_bisection_create(api->store, p.id, good, bad,
		    json_str(pick, "variant_key", ""), settings, artifact !=
		    NULL ? artifact : "", threshold, &id);
		cJSON_free(settings);
	}
	if (rc != 0) {
		http_reply_error(reply, 500, "database", "cannot record the "
		    "bisection");
		goto out;
	}
	log_info("bisection %lld: %s from %s to %s over %s", (long long)id,
	    p.name, good, bad, threshold);
	track_kick(api->track);
	if (api_lookup_fail(reply, store_bisection_document(api->store, id,
	    &bisection), "bisection %lld", (long long)id) == 0)
		http_reply_json(reply, 201, bisection);
out:
	cJSON_Delete(rows);
	tracked_project_clear(&p);
	cJSON_Delete(doc);
	free(name);
}

/* GET /v1/bisections/{id}: a bisection, its probes and its answer. */
void
api_bisection_get(struct api *api, const struct http_request *req,
    int64_t id, struct http_reply *reply)
{
	cJSON	*doc;

	(void)req;
	if (api_lookup_fail(reply, store_bisection_document(api->store, id,
	    &doc), "bisection %lld", (long long)id) == 0)
		http_reply_json(reply, 200, doc);
}
