/*
 * Questions over a tracked project's history: trend, compare, check,
 * bisect and export (cmd_regressions.c: regressions and why sizes grew).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

#define BISECT_POLL_MS	1000
#define FETCH_POLL_MS	100
#define FETCH_SAY_MS	2000	/* say what it waits for after this long */
#define FETCH_GIVE_UP_MS (10 * 60 * 1000)

/* Appends "&name=escaped value" to a query when the value is given. */
void
history_query(struct buf *q, const char *name, const char *value)
{
	char	*e;

	if (value == NULL)
		return;
	e = request_escape(value);
	buf_printf(q, "%c%s=%s", strchr(q->data, '?') ? '&' : '?', name, e);
	free(e);
}

/* Formats a percentage change with its sign. */
void
history_percent(double p, char *out, size_t len)
{
	snprintf(out, len, "%+.2f%%", p);
}

/* Prints a sparkline of the values on stdout. */
static void
history_sparkline(const cJSON *rows)
{
	static const char *const bars[] = { "\u2581", "\u2582", "\u2583",
	    "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	const cJSON	*r;
	double		 lo = 0, hi = 0, v;
	int		 first = 1, k;

	cJSON_ArrayForEach(r, rows) {
		v = json_num(r, "value", 0);
		if (first || v < lo)
			lo = v;
		if (first || v > hi)
			hi = v;
		first = 0;
	}
	if (first)
		return;
	cJSON_ArrayForEach(r, rows) {
		v = json_num(r, "value", 0);
		k = hi > lo ? (int)((v - lo) * 7.0 / (hi - lo) + 0.5) : 0;
		fputs(bars[k], stdout);
	}
	fputc('\n', stdout);
}

/* The cells of one trend row, in buffers of their own. */
struct trend_cells {
	char	 value[32], delta[32], pct[32], date[16], commit[16], tc[64];
};

/*
 * Fills the cells of a trend row; returns whether its toolchain changed
 * from the row before.
 */
static int
trend_cells(const struct options *o, const cJSON *r, int bytes,
    struct trend_cells *c, const char **cells)
{
	int	 changed = 0;

	snprintf(c->commit, sizeof c->commit, "%.12s", json_str(r, "commit",
	    ""));
	snprintf(c->date, sizeof c->date, "%.10s", json_str(r, "time", ""));
	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r, "value")))
		/* Never measured: no data, never 0. */
		snprintf(c->value, sizeof c->value, "%s",
		    o->format == FORMAT_CSV ? "" : "no data");
	else if (o->format == FORMAT_CSV || !bytes)
		snprintf(c->value, sizeof c->value, "%lld",
		    (long long)json_int(r, "value", 0));
	else
		human_size(json_int(r, "value", 0), c->value, sizeof c->value);
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r, "delta"))) {
		snprintf(c->delta, sizeof c->delta, "%+lld",
		    (long long)json_int(r, "delta", 0));
		history_percent(json_num(r, "percent", 0), c->pct,
		    sizeof c->pct);
	} else {
		snprintf(c->delta, sizeof c->delta, "-");
		snprintf(c->pct, sizeof c->pct, "-");
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
	    "toolchain_changed"))) {
		snprintf(c->tc, sizeof c->tc, "* %s", json_str(r,
		    "rustc_version", ""));
		changed = 1;
	} else
		snprintf(c->tc, sizeof c->tc, "%s", o->format == FORMAT_CSV ?
		    json_str(r, "rustc_version", "") : "");
	cells[0] = o->format == FORMAT_CSV ? json_str(r, "commit", "") :
	    c->commit;
	cells[1] = o->format == FORMAT_CSV ? json_str(r, "time", "") : c->date;
	cells[2] = c->value;
	cells[3] = c->delta;
	cells[4] = c->pct;
	cells[5] = c->tc;
	cells[6] = json_str(r, "subject", "");
	return (changed);
}

/* What a trend table leaves to say, on stderr. */
static void
trend_notes(const cJSON *rows, const char *metric, int measured,
    int changed)
{
	if (cJSON_GetArraySize(rows) == 0)
		fprintf(stderr, "sizemat: no measured commit on the branch's "
		    "first-parent line yet\n");
	else if (measured == 0)
		fprintf(stderr, "sizemat: %s was never measured for these "
		    "builds; a matrix's \"post\" steps measure post.*, and "
		    "'sizemat results RUN --json' lists an artifact's "
		    "measurements\n", metric);
	else if (changed)
		fprintf(stderr, "sizemat: * marks a toolchain change from the "
		    "row before\n");
}

/* sizemat trend NAME [--variant V] [--artifact A] [--metric M] ... */
int
cmd_trend(struct options *o)
{
	static const char *const header[] = { "commit", "date", "value",
	    "delta", "percent", "toolchain", "subject" };
	struct buf		 q;
	struct table		*t;
	struct trend_cells	 c;
	cJSON			*doc, *r, *rows;
	char			 last[16];
	const char		*cells[7], *metric;
	int			 rc = EXIT_OK, bytes, changed = 0, measured = 0;
	int			 fmt = o->format;

	buf_init(&q);
	buf_printf(&q, "/v1/projects/%s/trend", o->args[0]);
	history_query(&q, "variant", o->variant);
	history_query(&q, "artifact", o->artifact);
	history_query(&q, "metric", o->metric);
	history_query(&q, "since", o->since);
	if (o->last > 0) {
		snprintf(last, sizeof last, "%d", o->last);
		history_query(&q, "last", last);
	}
	o->format = FORMAT_TABLE;	/* the exit code needs the rows */
	doc = request_get(o, q.data, &rc);
	o->format = fmt;
	buf_free(&q);
	if (doc == NULL)
		return (rc);
	rows = cJSON_GetObjectItemCaseSensitive(doc, "rows");
	metric = json_str(doc, "metric", "file_size");
	cJSON_ArrayForEach(r, rows)
		measured += cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r,
		    "value"));
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		cJSON_Delete(doc);
		return (measured > 0 ? EXIT_OK : EXIT_NO);
	}
	/* The daemon says the metric's unit: bytes, ms, KiB or count. */
	bytes = strcmp(json_str(doc, "unit", "bytes"), "bytes") == 0;
	if (o->format == FORMAT_TABLE)
		printf("%s, %s of %s, variant %s\n", json_str(doc, "project",
		    ""), metric, json_str(doc, "artifact", ""), json_str(doc,
		    "variant_key", ""));
	t = table_create(7, header);
	cJSON_ArrayForEach(r, rows) {
		changed |= trend_cells(o, r, bytes, &c, cells);
		table_add(t, cells);
	}
	table_print(t, o->format, stdout);
	table_free(t);
	if (o->format == FORMAT_TABLE) {
		if (measured > 0)
			history_sparkline(rows);
		trend_notes(rows, metric, measured, changed);
	}
	cJSON_Delete(doc);
	/* An empty answer is a "no" (INTERFACE.md). */
	return (measured > 0 ? EXIT_OK : EXIT_NO);
}

/*
 * Says on stderr which variants ran slower than the speed limit allows,
 * and which had no speed figure to compare: a size justification
 * accepts neither.
 */
static void
comparison_slower(const cJSON *doc)
{
	const cJSON	*r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "rows")) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
		    "slower")))
			fprintf(stderr, "sizemat: %s ran more than %s slower "
			    "on %s (%+.1f%%)\n", json_str(r, "variant_key", ""),
			    json_str(doc, "max_slowdown", ""), json_str(doc,
			    "speed_metric", ""), json_num(r,
			    "slowdown_percent", 0));
		else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
		    "speed_missing")))
			fprintf(stderr, "sizemat: %s has no %s at %s: its "
			    "benchmark did not run to its end ('sizemat "
			    "results' on its run says why)\n", json_str(r,
			    "variant_key", ""), json_str(doc, "speed_metric",
			    ""), json_int(r, "base_speed", -1) < 0 ? "base" :
			    "head");
	}
}

/*
 * Prints what follows a comparison's table: the justification that
 * accepted it, why each row grew, and the verdict on stderr.
 */
static void
comparison_notes(const struct options *o, const cJSON *doc, const cJSON *acc,
    int failed)
{
	int	 size = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc,
		    cJSON_GetObjectItemCaseSensitive(doc, "size_exceeded") ?
		    "size_exceeded" : "exceeded"));

	if (cJSON_IsObject(acc) && o->format == FORMAT_MARKDOWN)
		printf("\n**Accepted**: over %s, justified in `%.12s`: %s\n",
		    json_str(doc, "max_increase", ""), json_str(acc, "commit",
		    ""), json_str(acc, "text", ""));
	else if (cJSON_IsObject(acc) && o->format == FORMAT_TABLE)
		printf("accepted: over %s, justified in %.12s: %s\n",
		    json_str(doc, "max_increase", ""), json_str(acc, "commit",
		    ""), json_str(acc, "text", ""));
	if (o->format == FORMAT_TABLE)
		printf("\nwhy (the largest crates and symbols that grew):\n");
	if (o->format == FORMAT_TABLE || o->format == FORMAT_MARKDOWN)
		causes_print(o, cJSON_GetObjectItemCaseSensitive(doc, "rows"),
		    0);
	if (failed)
		fprintf(stderr, "sizemat: the head did not build\n");
	if (size && !cJSON_IsObject(acc))
		fprintf(stderr, "sizemat: a variant grew past %s\n",
		    json_str(doc, "max_increase", ""));
	else if (size)
		fprintf(stderr, "sizemat: a variant grew past %s, accepted by "
		    "the justification in %.12s\n", json_str(doc,
		    "max_increase", ""), json_str(acc, "commit", ""));
	comparison_slower(doc);
}

/*
 * Formats a row's speed figures (base, head, change), each 32 bytes: an
 * instruction count or a time, and the change in percent, with
 * "(noise)" when it is inside the measured spread.
 */
static void
comparison_speed(const struct options *o, const cJSON *r, char *sb,
    char *sh, char *sp, size_t len)
{
	int64_t	 b = json_int(r, "base_speed", -1);
	int64_t	 h = json_int(r, "speed", -1);

	if (o->format == FORMAT_TABLE) {
		human_count(b, sb, len);
		human_count(h, sh, len);
	} else {
		/* Unknown is empty, never -1. */
		if (b < 0)
			sb[0] = '\0';
		else
			snprintf(sb, len, "%lld", (long long)b);
		if (h < 0)
			sh[0] = '\0';
		else
			snprintf(sh, len, "%lld", (long long)h);
	}
	if (b > 0 && h >= 0)
		snprintf(sp, len, "%+.1f%%%s", (double)(h - b) * 100 /
		    (double)b, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
		    "speed_noise")) ? " (noise)" : "");
	else
		snprintf(sp, len, "-");
}

/* Prints a comparison; returns 1 when it is over the limit or failed. */
static int
history_comparison(const struct options *o, const cJSON *doc)
{
	static const char *const header[] = { "variant", "artifact", "base",
	    "head", "bytes", "percent", "verdict", "speed base", "speed head",
	    "slowdown" };
	const cJSON	*r, *base, *head, *acc;
	struct table	*t;
	char		 bs[32], hs[32], bytes[32], pct[32];
	char		 sb[32], sh[32], sp[32];
	const char	*cells[10], *state;
	int		 over, row_over, failed, speed;

	/*
	 * Grown past the limit with the head's justification is a "yes";
	 * slower (or not measured for speed) is a "no" whatever it says.
	 */
	acc = cJSON_GetObjectItemCaseSensitive(doc, "accepted");
	failed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc,
	    "head_failed"));
	over = (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc,
	    cJSON_GetObjectItemCaseSensitive(doc, "size_exceeded") != NULL ?
	    "size_exceeded" : "exceeded")) && !cJSON_IsObject(acc)) ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "slower"));
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		return (over || failed);
	}
	base = cJSON_GetObjectItemCaseSensitive(doc, "base");
	head = cJSON_GetObjectItemCaseSensitive(doc, "head");
	if (o->format == FORMAT_MARKDOWN)
		printf("### Binary size: `%.12s` \u2192 `%.12s` (limit %s)\n\n",
		    json_str(base, "id", ""), json_str(head, "id", ""),
		    json_str(doc, "max_increase", ""));
	else if (o->format == FORMAT_TABLE)
		printf("%s: %.12s (%s) -> %.12s (%s), limit %s\n",
		    json_str(doc, "project", ""), json_str(base, "id", ""),
		    json_str(base, "subject", "?"), json_str(head, "id", ""),
		    json_str(head, "subject", "?"),
		    json_str(doc, "max_increase", ""));
	speed = json_str(doc, "max_slowdown", NULL) != NULL;
	t = table_create(speed ? 10 : 7, header);
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "rows")) {
		state = json_str(r, "state", "");
		row_over = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
		    "over"));
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r,
		    "base_size"))) {
			if (o->format == FORMAT_CSV)
				snprintf(bs, sizeof bs, "%lld",
				    (long long)json_int(r, "base_size", 0));
			else
				human_size(json_int(r, "base_size", 0), bs,
				    sizeof bs);
		} else
			snprintf(bs, sizeof bs, "-");
		if (strcmp(state, "done") == 0) {
			if (o->format == FORMAT_CSV)
				snprintf(hs, sizeof hs, "%lld",
				    (long long)json_int(r, "size", 0));
			else
				human_size(json_int(r, "size", 0), hs,
				    sizeof hs);
		} else
			snprintf(hs, sizeof hs, "%s", state);
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r,
		    "bytes"))) {
			snprintf(bytes, sizeof bytes, "%+lld",
			    (long long)json_int(r, "bytes", 0));
			history_percent(json_num(r, "percent", 0), pct,
			    sizeof pct);
		} else {
			snprintf(bytes, sizeof bytes, "-");
			snprintf(pct, sizeof pct, "-");
		}
		cells[0] = json_str(r, "variant_key", "");
		cells[1] = json_str(r, "artifact", "-");
		cells[2] = bs;
		cells[3] = hs;
		cells[4] = bytes;
		cells[5] = pct;
		cells[6] = strcmp(state, "done") != 0 ? "FAILED" : row_over ?
		    (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
		    "slower")) ? "SLOWER" : cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(r, "speed_missing")) ?
		    "NO SPEED" : "OVER") :
		    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r,
		    "bytes")) ? "ok" : "new";
		comparison_speed(o, r, sb, sh, sp, sizeof sb);
		cells[7] = sb;
		cells[8] = sh;
		cells[9] = sp;
		table_add(t, cells);
	}
	table_print(t, o->format, stdout);
	table_free(t);
	comparison_notes(o, doc, acc, failed);
	return (over || failed);
}

/*
 * Has the daemon fetch a tracked project's source and waits until it
 * has, so that a branch name means what it means now. A fetch that fails
 * is said, and what was fetched before is used. Returns 0, or -1 with
 * *rc set when the daemon refused.
 */
static int
history_fetch(struct options *o, const char *name, int *rc)
{
	enum request_result	 r;
	cJSON			*doc;
	const cJSON		*f;
	char			*path, *err;
	double			 asked;
	int			 waited = 0, said = 0;

	xasprintf(&path, "/v1/projects/%s/fetch", name);
	r = request_call(o, "POST", path, NULL, &doc, &err);
	free(path);
	if (r != REQUEST_OK) {
		*rc = request_fail(o, r, err);
		return (-1);
	}
	asked = json_num(doc, "fetch", 0);
	cJSON_Delete(doc);
	xasprintf(&path, "/v1/projects/%s", name);
	for (;;) {
		r = request_call(o, "GET", path, NULL, &doc, &err);
		if (r != REQUEST_OK) {
			free(path);
			*rc = request_fail(o, r, err);
			return (-1);
		}
		f = cJSON_GetObjectItemCaseSensitive(doc, "fetch");
		if (json_num(f, "done", 0) >= asked) {
			if (json_str(f, "error", NULL) != NULL)
				fprintf(stderr, "sizemat: %s: %s; resolving "
				    "with what was fetched before\n", name,
				    json_str(f, "error", ""));
			break;
		}
		cJSON_Delete(doc);
		doc = NULL;
		if (waited >= FETCH_GIVE_UP_MS) {
			fprintf(stderr, "sizemat: %s: the fetch did not end "
			    "in %d s; resolving with what was fetched "
			    "before\n", name, FETCH_GIVE_UP_MS / 1000);
			break;
		}
		if (waited >= FETCH_SAY_MS && !said && !o->quiet) {
			fprintf(stderr, "sizemat: fetching %s's source to "
			    "resolve the revisions...\n", name);
			said = 1;
		}
		run_sleep(FETCH_POLL_MS);
		waited += FETCH_POLL_MS;
	}
	cJSON_Delete(doc);
	free(path);
	return (0);
}

/*
 * sizemat compare NAME REV_A REV_B: a branch or a relative revision is
 * resolved after a fetch, as check resolves it.
 */
int
cmd_compare(struct options *o)
{
	struct buf	 q;
	cJSON		*doc;
	int		 rc = EXIT_OK, fmt = o->format;

	/* A whole commit id never moves: two need no fetch. */
	if ((!revision_is_commit_id(o->args[1], 1) ||
	    !revision_is_commit_id(o->args[2], 1)) &&
	    history_fetch(o, o->args[0], &rc) != 0)
		return (rc);
	buf_init(&q);
	buf_printf(&q, "/v1/projects/%s/compare", o->args[0]);
	history_query(&q, "base", o->args[1]);
	history_query(&q, "head", o->args[2]);
	history_query(&q, "max_increase", o->max_increase);
	history_query(&q, "max_slowdown", o->max_slowdown);
	history_query(&q, "speed_metric", o->speed_metric);
	history_query(&q, "variant", o->variant);
	o->format = FORMAT_TABLE;	/* request_get prints --json itself */
	doc = request_get(o, q.data, &rc);
	o->format = fmt;
	buf_free(&q);
	if (doc == NULL)
		return (rc);
	/* Over the limit is a "no", as check says it. */
	rc = history_comparison(o, doc) ? EXIT_NO : EXIT_OK;
	cJSON_Delete(doc);
	return (rc);
}

/*
 * Builds the unstripped twins (the same settings with strip=none) of the
 * stripped variants that grew without an explanation, at base and head,
 * as diff --wait does. Returns how many rows it built twins for.
 */
static int
check_twins(const struct options *o, const cJSON *doc, int *rc)
{
	const cJSON	*r;
	int		 n = 0;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "rows")) {
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r,
		    "causes")) || json_str(r, "causes_note", NULL) == NULL ||
		    strcmp(json_str(cJSON_GetObjectItemCaseSensitive(r,
		    "variant"), "strip", ""), "symbols") != 0)
			continue;
		if (diff_unstripped(o, json_int(r, "base_build", 0), rc) < 0 ||
		    diff_unstripped(o, json_int(r, "build", 0), rc) < 0)
			return (n);
		n++;
	}
	return (n);
}

/*
 * sizemat check NAME --base REV --head REV [--max-increase L]
 * [--variant V]...: builds what is missing at both, then compares; exit 1
 * when a variant grew past the limit or the head failed to build.
 */
int
cmd_check(struct options *o)
{
	enum request_result	 r;
	cJSON			*body, *doc, *list, *run;
	struct buf		 q;
	char			*path, *err, id[32];
	long long		 runs[2];
	int			 i, rc = EXIT_OK, fmt = o->format;

	if (o->base == NULL || o->head == NULL)
		return (usage_error("check: --base REV and --head REV are "
		    "needed"));
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "base", o->base);
	cJSON_AddStringToObject(body, "head", o->head);
	if (o->max_increase != NULL)
		cJSON_AddStringToObject(body, "max_increase", o->max_increase);
	if (o->max_slowdown != NULL)
		cJSON_AddStringToObject(body, "max_slowdown", o->max_slowdown);
	if (o->speed_metric != NULL)
		cJSON_AddStringToObject(body, "speed_metric", o->speed_metric);
	if (o->variants.n > 0) {
		list = cJSON_AddArrayToObject(body, "variants");
		for (i = 0; i < o->variants.n; i++)
			cJSON_AddItemToArray(list,
			    cJSON_CreateString(o->variants.v[i]));
	}
	xasprintf(&path, "/v1/projects/%s/check", o->args[0]);
	r = request_call(o, "POST", path, body, &doc, &err);
	free(path);
	cJSON_Delete(body);
	if (r != REQUEST_OK)
		return (request_fail(o, r, err));
	runs[0] = (long long)json_int(doc, "base_run", 0);
	runs[1] = (long long)json_int(doc, "head_run", 0);
	cJSON_Delete(doc);
	for (i = 0; i < 2; i++) {
		if (!o->quiet)
			fprintf(stderr, "sizemat: run %lld builds the %s (%s)\n",
			    runs[i], i == 0 ? "base" : "head", i == 0 ?
			    o->base : o->head);
		if ((run = run_follow(o, runs[i], &rc)) == NULL)
			return (rc);
		cJSON_Delete(run);
	}
	buf_init(&q);
	buf_printf(&q, "/v1/projects/%s/compare", o->args[0]);
	snprintf(id, sizeof id, "%lld", runs[0]);
	history_query(&q, "base_run", id);
	snprintf(id, sizeof id, "%lld", runs[1]);
	history_query(&q, "head_run", id);
	history_query(&q, "max_increase", o->max_increase);
	history_query(&q, "max_slowdown", o->max_slowdown);
	history_query(&q, "speed_metric", o->speed_metric);
	o->format = FORMAT_TABLE;
	doc = request_get(o, q.data, &rc);
	if (doc != NULL && check_twins(o, doc, &rc) > 0) {
		/* Explained now by the unstripped twins' tables. */
		cJSON_Delete(doc);
		doc = request_get(o, q.data, &rc);
	}
	o->format = fmt;
	buf_free(&q);
	if (doc == NULL)
		return (rc);
	rc = history_comparison(o, doc) ? EXIT_NO : EXIT_OK;
	cJSON_Delete(doc);
	return (rc);
}

/* Prints a bisection's answer; returns the exit code it means. */
static int
bisect_print(const struct options *o, const cJSON *doc)
{
	const cJSON	*res = cJSON_GetObjectItemCaseSensitive(doc, "result");
	const cJSON	*c = cJSON_GetObjectItemCaseSensitive(res, "culprit");
	const cJSON	*base = cJSON_GetObjectItemCaseSensitive(res, "base");
	const cJSON	*s;
	const char	*state = json_str(doc, "state", "");
	char		 bs[32], hs[32];
	int		 found = cJSON_IsObject(c);

	if (o->format == FORMAT_JSON) {
		print_json(doc);
		goto out;
	}
	/* One of several artifacts bisected: say which first. */
	if (json_int(doc, "parent", 0) > 0 || cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(doc, "also")) > 0)
		printf("%s: ", json_str(doc, "artifact", ""));
	if (strcmp(state, "done") == 0 && found) {
		human_size(json_int(res, "base_size", 0), bs, sizeof bs);
		human_size(json_int(res, "size", 0), hs, sizeof hs);
		printf("first commit over %s: %s\n  %s\n  %s, %s\n"
		    "  %s -> %s (%+lld bytes, %+.2f%%) against %.12s\n"
		    "  %lld builds for %lld commits (variant %s, %s)\n",
		    json_str(doc, "threshold", ""), json_str(c, "id", ""),
		    json_str(c, "subject", ""), json_str(c, "author", ""),
		    json_str(c, "time", ""), bs, hs,
		    (long long)json_int(res, "bytes", 0),
		    json_num(res, "percent", 0), json_str(base, "id", ""),
		    (long long)json_int(doc, "builds", 0),
		    (long long)json_int(res, "commits", 0),
		    json_str(doc, "variant_key", ""),
		    json_str(doc, "artifact", ""));
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(res,
		    "skipped"))
			printf("  skipped (does not build): %.12s %s\n",
			    json_str(s, "id", ""), json_str(s, "subject", ""));
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res,
		    "skipped")) > 0 && strcmp(json_str(c, "parent", ""),
		    json_str(base, "id", "")) != 0)
			printf("  the culprit may be any of the skipped "
			    "commits before it, as with git bisect skip\n");
	} else if (strcmp(state, "done") == 0)
		printf("no culprit: %s\n", json_str(doc, "message", ""));
	else if (strcmp(state, "failed") == 0)
		printf("bisection %lld failed: %s\n",
		    (long long)json_int(doc, "id", 0),
		    json_str(doc, "message", ""));
	else
		printf("bisection %lld is %s: %lld builds so far\n",
		    (long long)json_int(doc, "id", 0), state,
		    (long long)json_int(doc, "builds", 0));
out:
	if (strcmp(state, "done") == 0 && found)
		return (EXIT_OK);
	if (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0)
		return (EXIT_NO);
	return (EXIT_OK);
}

/* Follows a bisection to its end, a line per commit measured. */
static cJSON *
bisect_follow(const struct options *o, long long id, int *rc)
{
	enum request_result	 r;
	const cJSON		*p;
	cJSON			*doc;
	char			*path, *err;
	const char		*state;
	int			 shown = 0, k;

	xasprintf(&path, "/v1/bisections/%lld", id);
	for (;;) {
		r = request_call(o, "GET", path, NULL, &doc, &err);
		if (r != REQUEST_OK) {
			*rc = request_fail(o, r, err);
			free(path);
			return (NULL);
		}
		k = 0;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(doc,
		    "probes")) {
			state = json_str(p, "state", "");
			if (strcmp(state, "queued") == 0 ||
			    strcmp(state, "running") == 0)
				break;
			if (k++ < shown)
				continue;
			shown++;
			if (!o->quiet)
				fprintf(stderr, "sizemat: bisection %lld: "
				    "%.12s %s%s\n", id, json_str(p, "commit",
				    ""), state, cJSON_IsNumber(
				    cJSON_GetObjectItemCaseSensitive(p,
				    "reused_from")) ? " (measured before)" :
				    "");
		}
		state = json_str(doc, "state", "");
		if (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0)
			break;
		cJSON_Delete(doc);
		run_sleep(BISECT_POLL_MS);
	}
	free(path);
	return (doc);
}

/* Reads a bisection, following it to its end with --wait; NULL: rc set. */
static cJSON *
bisect_get(const struct options *o, long long id, int *rc)
{
	enum request_result	 r;
	cJSON			*doc;
	char			*path, *err;

	if (o->wait)
		return (bisect_follow(o, id, rc));
	xasprintf(&path, "/v1/bisections/%lld", id);
	r = request_call(o, "GET", path, NULL, &doc, &err);
	free(path);
	if (r != REQUEST_OK) {
		*rc = request_fail(o, r, err);
		return (NULL);
	}
	return (doc);
}

/*
 * Prints a bisection's answer, and those of the bisections of the other
 * artifacts that grew (its "also"; under "also_bisections" in JSON).
 * Exits 0 when one found a culprit.
 */
static int
bisect_answer(const struct options *o, long long id)
{
	const cJSON	*a;
	cJSON		*doc, *other, *others;
	int		 rc = EXIT_USAGE, found;

	if ((doc = bisect_get(o, id, &rc)) == NULL)
		return (rc);
	others = cJSON_AddArrayToObject(doc, "also_bisections");
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(doc, "also")) {
		if ((other = bisect_get(o, (long long)a->valuedouble,
		    &rc)) == NULL) {
			cJSON_Delete(doc);
			return (rc);
		}
		cJSON_AddItemToArray(others, other);
	}
	found = bisect_print(o, doc) == EXIT_OK;
	if (o->format == FORMAT_JSON) {
		cJSON_Delete(doc);
		return (found ? EXIT_OK : EXIT_NO);
	}
	cJSON_ArrayForEach(other, others) {
		printf("\n");
		found |= bisect_print(o, other) == EXIT_OK;
	}
	cJSON_Delete(doc);
	return (found ? EXIT_OK : EXIT_NO);
}

/*
 * sizemat bisect NAME --good REV --bad REV [--variant V] [--threshold L]
 * [--wait], or sizemat bisect --status ID [--wait]
 */
int
cmd_bisect(struct options *o)
{
	enum request_result	 r;
	cJSON			*body, *doc;
	char			*path, *err;
	long long		 id;

	if (o->status != NULL) {
		if (o->nargs > 0 || o->good != NULL || o->bad != NULL)
			return (usage_error("bisect --status ID takes no "
			    "project, --good or --bad"));
		if (parse_id(o->status, "bisection", "the number 'sizemat "
		    "bisect' printed", &id) != 0)
			return (EXIT_USAGE);
	} else {
		if (o->nargs != 1 || o->good == NULL || o->bad == NULL)
			return (usage_error("bisect NAME --good REV --bad REV"));
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "good", o->good);
		cJSON_AddStringToObject(body, "bad", o->bad);
		if (o->variant != NULL)
			cJSON_AddStringToObject(body, "variant", o->variant);
		if (o->artifact != NULL)
			cJSON_AddStringToObject(body, "artifact", o->artifact);
		if (o->threshold != NULL)
			cJSON_AddStringToObject(body, "threshold",
			    o->threshold);
		xasprintf(&path, "/v1/projects/%s/bisect", o->args[0]);
		r = request_call(o, "POST", path, body, &doc, &err);
		free(path);
		cJSON_Delete(body);
		if (r != REQUEST_OK)
			return (request_fail(o, r, err));
		id = (long long)json_int(doc, "id", 0);
		if (!o->quiet && json_str(doc, "variant_key", NULL) != NULL)
			fprintf(stderr, "sizemat: bisection %lld: %s %s..%s, "
			    "variant %s, %s over %s\n", id, o->args[0], o->good,
			    o->bad, json_str(doc, "variant_key", ""),
			    *json_str(doc, "artifact", "") != '\0' ?
			    json_str(doc, "artifact", "") : "every artifact "
			    "that grew", json_str(doc, "threshold", ""));
		else if (!o->quiet)
			fprintf(stderr, "sizemat: bisection %lld: %s %s..%s over "
			    "%s; nothing is measured yet, so the matrix is "
			    "built at good first and its smallest variant "
			    "bisected\n", id, o->args[0], o->good, o->bad,
			    json_str(doc, "threshold", ""));
		if (!o->wait) {
			if (o->format == FORMAT_JSON)
				print_json(doc);
			else
				printf("bisection %lld started; 'sizemat "
				    "bisect --status %lld --wait' follows it\n",
				    id, id);
			cJSON_Delete(doc);
			return (EXIT_OK);
		}
		cJSON_Delete(doc);
	}
	return (bisect_answer(o, id));
}

/* The columns of export's CSV before the measurements'. */
static const char *const export_fixed[] = { "run", "build", "kind",
    "commit", "commit_time", "subject", "variant_key", "step", "toolchain",
    "rustc_version", "state", "finished_at", "wall_ms", "cpu_ms",
    "reused_from", "artifact", "artifact_kind", "file_size", "sha256" };
#define EXPORT_NFIXED (sizeof export_fixed / sizeof export_fixed[0])

/*
 * The measurement names any row has, sorted, that are not fixed columns
 * already (file_size is); the names point into rows.
 */
static void
export_names(const cJSON *rows, struct strlist_c *names)
{
	const cJSON	*r, *m;
	size_t		 k;
	int		 j;

	cJSON_ArrayForEach(r, rows) {
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(r,
		    "measurements")) {
			for (j = 0; j < names->n && strcmp(names->v[j],
			    m->string) < 0; j++)
				;
			if (j < names->n && strcmp(names->v[j], m->string) == 0)
				continue;
			for (k = 0; k < EXPORT_NFIXED &&
			    strcmp(export_fixed[k], m->string); k++)
				;
			if (k < EXPORT_NFIXED)
				continue;
			names->v = xreallocarray(names->v, (size_t)names->n + 1,
			    sizeof *names->v);
			memmove(names->v + j + 1, names->v + j,
			    (size_t)(names->n - j) * sizeof *names->v);
			names->v[j] = m->string;
			names->n++;
		}
	}
}

/*
 * sizemat export PROJECT [--format csv|json]: every build of a project,
 * one row per artifact, with every measurement as a column (CSV) or an
 * object (JSON).
 */
int
cmd_export(struct options *o)
{
	const char *const *fixed = export_fixed;
	const size_t	 nfixed = EXPORT_NFIXED;
	struct buf	 q;
	struct table	*t;
	struct strlist_c names = { NULL, 0 };
	const cJSON	*r, *m, *v;
	cJSON		*doc;
	const char	**hdr, **cells;
	char		*project, **num;
	size_t		 ncol, i, k;
	int		 rc = EXIT_OK, tracked, fmt;

	if (o->format != FORMAT_JSON && o->format != FORMAT_CSV &&
	    (o->given & OPT_FORMAT))
		return (usage_error("export: --format is csv or json"));
	if ((project = project_arg(o->args[0], &tracked)) == NULL)
		return (EXIT_USAGE);
	buf_init(&q);
	buf_addstr(&q, "/v1/export");
	history_query(&q, "project", project);
	free(project);
	if (!(o->given & OPT_FORMAT))
		o->format = FORMAT_CSV;
	fmt = o->format;
	o->format = FORMAT_CSV;		/* the exit code needs the rows */
	doc = request_get(o, q.data, &rc);
	o->format = fmt;
	buf_free(&q);
	if (doc == NULL)
		return (rc);
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		rc = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc,
		    "rows")) > 0 ? EXIT_OK : EXIT_NO;
		cJSON_Delete(doc);
		return (rc);
	}
	export_names(cJSON_GetObjectItemCaseSensitive(doc, "rows"), &names);
	ncol = nfixed + (size_t)names.n;
	hdr = xcalloc(ncol, sizeof *hdr);
	cells = xcalloc(ncol, sizeof *cells);
	num = xcalloc(ncol, sizeof *num);
	for (i = 0; i < ncol; i++)
		hdr[i] = i < nfixed ? fixed[i] : names.v[i - nfixed];
	t = table_create((int)ncol, hdr);
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "rows")) {
		m = cJSON_GetObjectItemCaseSensitive(r, "measurements");
		for (i = 0; i < ncol; i++) {
			v = i < nfixed ? cJSON_GetObjectItemCaseSensitive(r,
			    fixed[i]) : cJSON_GetObjectItemCaseSensitive(m,
			    names.v[i - nfixed]);
			free(num[i]);
			num[i] = NULL;
			if (cJSON_IsString(v))
				cells[i] = v->valuestring;
			else if (cJSON_IsNumber(v)) {
				xasprintf(&num[i], "%lld",
				    (long long)v->valuedouble);
				cells[i] = num[i];
			} else
				cells[i] = "";
		}
		table_add(t, cells);
	}
	table_print(t, FORMAT_CSV, stdout);
	table_free(t);
	for (k = 0; k < ncol; k++)
		free(num[k]);
	free(num);
	free(cells);
	free(hdr);
	free(names.v);
	/* An empty history is a "no" (INTERFACE.md). */
	rc = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc,
	    "rows")) > 0 ? EXIT_OK : EXIT_NO;
	cJSON_Delete(doc);
	return (rc);
}
