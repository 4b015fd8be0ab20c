/*
 * sizemat search: the variant of an axes matrix with the smallest metric,
 * found by the daemon without building the whole grid (docs/search.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

#define SEARCH_WAIT_MS	10000	/* the longest wait between two looks */

/* The builds whose end a search's progress has printed. */
struct search_seen {
	int64_t	*build;
	size_t	 n;
};

/* Formats a value of the search's metric: bytes as sizes, else in units. */
static void
search_value(const cJSON *s, int64_t v, char *out, size_t len)
{
	if (strcmp(json_str(s, "unit", "bytes"), "bytes") == 0)
		human_size(v, out, len);
	else if (v < 0)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%lld %s", (long long)v, json_str(s, "unit",
		    ""));
}

/* Prints a line for each probe that ended since the last look. */
static void
search_progress(const cJSON *s, struct search_seen *seen)
{
	const cJSON	*p;
	const char	*state;
	char		 size[32], best[32];
	int64_t		 build;
	size_t		 i;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(s, "probes")) {
		state = json_str(p, "state", "");
		build = json_int(p, "build", 0);
		for (i = 0; i < seen->n && seen->build[i] != build; i++)
			;
		if (i < seen->n || strcmp(state, "queued") == 0 ||
		    strcmp(state, "running") == 0)
			continue;
		seen->build = xreallocarray(seen->build, seen->n + 1,
		    sizeof *seen->build);
		seen->build[seen->n++] = build;
		search_value(s, json_int(p, "value", -1), size, sizeof size);
		search_value(s, json_int(p, "best_so_far", -1), best,
		    sizeof best);
		fprintf(stderr, "sizemat: search %lld: build %zu (grid: %lld) "
		    "%s: %s%s%s; best %s\n", (long long)json_int(s, "id", 0),
		    seen->n, (long long)json_int(s, "grid_size", 0),
		    json_str(p, "variant_key", ""), strcmp(state, "done") == 0 ?
		    size : state, cJSON_IsNumber(
		    cJSON_GetObjectItemCaseSensitive(p, "reused_from")) ?
		    " (measured before)" : "", strcmp(state, "done") == 0 &&
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p,
		    "value")) ? " (no such artifact or measurement)" : "", best);
	}
}

/* Reads a search; with --wait, follows it to its end. NULL: rc set. */
static cJSON *
search_get(const struct options *o, long long id, int *rc)
{
	enum request_result	 r;
	cJSON			*doc;
	const cJSON		*s;
	char			*path, *err;
	struct search_seen	 seen = { NULL, 0 };
	long long		 seq = -1;

	xasprintf(&path, "/v1/searches/%lld", id);
	for (;;) {
		r = request_call(o, "GET", path, NULL, &doc, &err);
		if (r != REQUEST_OK) {
			*rc = request_fail(o, r, err);
			doc = NULL;
			break;
		}
		s = cJSON_GetObjectItemCaseSensitive(doc, "search");
		if (o->wait && !o->quiet)
			search_progress(s, &seen);
		if (!o->wait || strcmp(json_str(s, "state", ""), "running") != 0)
			break;
		cJSON_Delete(doc);
		/* Woken by the daemon's next event, a build's start or end. */
		run_wait(o, 0, &seq, SEARCH_WAIT_MS);
	}
	free(seen.build);
	free(path);
	return (doc);
}

/* Formats a point's speed figure (an instruction count, for people). */
static void
search_speed(const struct options *o, const cJSON *p, char *out, size_t len)
{
	int64_t	 v = json_int(p, "speed", -1);

	if (o->format == FORMAT_TABLE)
		human_count(v, out, len);
	else if (v < 0)
		snprintf(out, len, "%s", "");
	else
		snprintf(out, len, "%lld", (long long)v);
}

/*
 * Says what a constrained search's answer stayed within: the limits, the
 * baseline's figures and the winner's against them.
 */
static void
search_print_limits(const struct options *o, const cJSON *s, const cJSON *w)
{
	const cJSON	*l = cJSON_GetObjectItemCaseSensitive(s, "limits");
	const cJSON	*b = cJSON_GetObjectItemCaseSensitive(s, "baseline");
	char		 bs[32], ws[32], bt[32], wt[32];

	if (!cJSON_IsObject(l))
		return;
	search_speed(o, b, bs, sizeof bs);
	search_speed(o, w, ws, sizeof ws);
	human_ms(json_int(b, "build_ms", -1), bt, sizeof bt);
	human_ms(json_int(w, "build_ms", -1), wt, sizeof wt);
	printf("limits against %s (build %lld):", json_str(l, "baseline", ""),
	    (long long)json_int(b, "build", 0));
	if (json_str(l, "max_slowdown", NULL) != NULL)
		printf(" at most %s slower on %s (baseline %s, winner %s)",
		    json_str(l, "max_slowdown", ""), json_str(l, "speed_metric",
		    ""), bs, cJSON_IsObject(w) ? ws : "-");
	if (json_str(l, "max_build_time", NULL) != NULL)
		printf("%s a cold build at most %s as long (baseline %s, "
		    "winner %s)", json_str(l, "max_slowdown", NULL) ?
		    ";" : "", json_str(l, "max_build_time", ""), bt, wt);
	printf("\n");
}

/* The certificate: each neighbour and what it costs against the winner. */
static void
search_print_neighbours(const struct options *o, const cJSON *s,
    int64_t winner)
{
	static const char *const hdr[] = { "neighbour", "size", "against",
	    "build", "speed", "within limits" };
	const cJSON	*n, *in;
	struct table	*t;
	char		 size[32], delta[32], build[32], speed[32];
	const char	*row[6];

	t = table_create(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(s,
	    "limits")) ? 6 : 4, hdr);
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(s,
	    "neighbours")) {
		row[0] = json_str(n, "variant_key", "");
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(n,
		    "value"))) {
			if (o->format == FORMAT_CSV)
				snprintf(size, sizeof size, "%lld",
				    (long long)json_int(n, "value", 0));
			else
				search_value(s, json_int(n, "value", 0), size,
				    sizeof size);
			if (strcmp(json_str(s, "unit", "bytes"), "bytes") == 0)
				cell_delta(o->format, json_int(n, "value", 0),
				    winner, delta, sizeof delta);
			else
				snprintf(delta, sizeof delta, "%+lld",
				    (long long)(json_int(n, "value", 0) -
				    winner));
		} else {
			snprintf(size, sizeof size, "%s", json_str(n, "state",
			    "?"));
			delta[0] = '\0';
		}
		snprintf(build, sizeof build, "%lld", (long long)json_int(n,
		    "build", 0));
		row[1] = size;
		row[2] = delta;
		row[3] = build;
		search_speed(o, n, speed, sizeof speed);
		row[4] = speed;
		in = cJSON_GetObjectItemCaseSensitive(n, "within_limits");
		row[5] = cJSON_IsTrue(in) ? "yes" : cJSON_IsFalse(in) ? "no" :
		    "-";
		table_add(t, row);
	}
	table_print(t, o->format, stdout);
	table_free(t);
}

/*
 * Prints a search's answer: the winner with what to paste, the builds
 * spent against the grid, and the certificate. Returns the exit code: 0
 * for a certified winner with every neighbour built, else 1.
 */
static int
search_print(const struct options *o, const cJSON *doc)
{
	const cJSON	*s, *w;
	const char	*state, *msg;
	char		 size[32];
	int		 certified, rc;

	s = cJSON_GetObjectItemCaseSensitive(doc, "search");
	w = cJSON_GetObjectItemCaseSensitive(s, "winner");
	state = json_str(s, "state", "");
	certified = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s,
	    "certified"));
	msg = json_str(s, "message", NULL);
	/* Still running (search --status without --wait) is no failure. */
	rc = strcmp(state, "running") == 0 || (strcmp(state, "done") == 0 &&
	    certified && msg == NULL) ? EXIT_OK : EXIT_NO;
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		return (rc);
	}
	printf("search %lld on %s, matrix %s: %s%s\n", (long long)json_int(s,
	    "id", 0), json_str(s, "project", ""), json_str(s, "matrix", ""),
	    state, strcmp(state, "done") != 0 ? "" : certified ?
	    ", certified" : ", not certified");
	if (msg != NULL)
		printf("%s\n", msg);
	if (cJSON_IsObject(w)) {
		search_value(s, json_int(w, "value", -1), size, sizeof size);
		printf("%s: %s of %s, build %lld\n", strcmp(state,
		    "done") == 0 ? "winner" : "best so far", size,
		    json_str(s, "metric", ""), (long long)json_int(w, "build",
		    0));
		print_snippet(w, stdout);
	}
	search_print_limits(o, s, w);
	printf("\n%lld build%s of the grid's %lld (%lld reused%s%s)\n",
	    (long long)json_int(s, "builds", 0), plural(json_int(s, "builds",
	    0)), (long long)json_int(s, "grid_size", 0),
	    (long long)json_int(s, "reused", 0), cJSON_IsObject(
	    cJSON_GetObjectItemCaseSensitive(s, "baseline")) ? ", one the "
	    "baseline " : "", json_str(cJSON_GetObjectItemCaseSensitive(s,
	    "baseline"), "variant_key", ""));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s,
	    "neighbours")) > 0 && cJSON_IsObject(w)) {
		printf("\nthe certificate: each neighbour of the winner and "
		    "what it costs against it\n");
		search_print_neighbours(o, s, json_int(w, "value", 0));
	}
	return (rc);
}

/* Starts a search; its id, or -1 with rc set. */
static long long
search_start(struct options *o, int *rc)
{
	enum request_result	 r;
	cJSON			*body, *doc;
	char			*project, *err;
	long long		 id;
	int			 tracked;

	if ((project = project_arg(o->args[0], &tracked)) == NULL) {
		*rc = EXIT_USAGE;
		return (-1);
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "project", project);
	free(project);
	if (run_add_matrix(body, o->matrix) != 0) {
		cJSON_Delete(body);
		*rc = EXIT_USAGE;
		return (-1);
	}
	if (o->artifact != NULL)
		cJSON_AddStringToObject(body, "artifact", o->artifact);
	if (o->metric != NULL)
		cJSON_AddStringToObject(body, "metric", o->metric);
	if (o->budget > 0)
		cJSON_AddNumberToObject(body, "budget", o->budget);
	if (o->toolchain != NULL)
		cJSON_AddStringToObject(body, "toolchain", o->toolchain);
	if (o->rev != NULL)
		cJSON_AddStringToObject(body, "rev", o->rev);
	if (o->max_slowdown != NULL)
		cJSON_AddStringToObject(body, "max_slowdown", o->max_slowdown);
	if (o->max_build_time != NULL)
		cJSON_AddStringToObject(body, "max_build_time",
		    o->max_build_time);
	if (o->speed_metric != NULL)
		cJSON_AddStringToObject(body, "speed_metric", o->speed_metric);
	if (o->baseline != NULL)
		cJSON_AddStringToObject(body, "baseline", o->baseline);
	r = request_call(o, "POST", "/v1/searches", body, &doc, &err);
	cJSON_Delete(body);
	if (r != REQUEST_OK) {
		*rc = request_fail(o, r, err);
		return (-1);
	}
	id = (long long)json_int(cJSON_GetObjectItemCaseSensitive(doc,
	    "search"), "id", 0);
	if (!o->wait) {
		if (o->format == FORMAT_JSON)
			print_json(doc);
		else
			printf("search %lld started; 'sizemat search --status "
			    "%lld --wait' follows it\n", id, id);
		*rc = EXIT_OK;
		cJSON_Delete(doc);
		return (-1);
	}
	if (!o->quiet)
		fprintf(stderr, "sizemat: search %lld: matrix %s, %lld "
		    "variants, %s\n", id, json_str(
		    cJSON_GetObjectItemCaseSensitive(doc, "search"), "matrix",
		    ""), (long long)json_int(cJSON_GetObjectItemCaseSensitive(
		    doc, "search"), "grid_size", 0), json_str(
		    cJSON_GetObjectItemCaseSensitive(doc, "search"), "metric",
		    ""));
	cJSON_Delete(doc);
	return (id);
}

/*
 * sizemat search PROJECT --matrix NAME|FILE [--artifact NAME] [--metric M]
 * [--budget N] [--max-slowdown P%] [--max-build-time Nx] [--baseline V]
 * [--speed-metric M] [--toolchain T] [--rev REV] [--wait], or sizemat
 * search --status ID [--wait]
 */
int
cmd_search(struct options *o)
{
	cJSON		*doc;
	long long	 id;
	int		 rc = EXIT_USAGE;

	if (o->force)
		return (usage_error("search: --force does not apply; a search "
		    "reuses what is measured at a tracked project's commit"));
	if (o->status != NULL) {
		if (o->nargs > 0 || (o->given & ~(OPT_STATUS | OPT_WAIT |
		    OPT_QUIET | OPT_FORMAT)))
			return (usage_error("search --status ID takes no "
			    "project and no search settings"));
		if (parse_id(o->status, "search", "the number 'sizemat "
		    "search' printed", &id) != 0)
			return (EXIT_USAGE);
	} else {
		if (o->nargs != 1 || o->matrix == NULL)
			return (usage_error("search PROJECT --matrix NAME|FILE"));
		if ((id = search_start(o, &rc)) < 0)
			return (rc);
	}
	if ((doc = search_get(o, id, &rc)) == NULL)
		return (rc);
	rc = search_print(o, doc);
	cJSON_Delete(doc);
	return (rc);
}
