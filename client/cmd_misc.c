/* The small commands: matrices, status, runs, log, toolchains and gc. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizemat.h"

/* sizemat matrices */
int
cmd_matrices(struct options *o)
{
	static const char *const header[] = { "name", "shape", "variants",
	    "description" };
	cJSON		*doc, *m;
	struct table	*t;
	char		 count[32];
	const char	*cells[4];
	int		 rc = EXIT_OK;

	if ((doc = request_get(o, "/v1/matrices", &rc)) == NULL)
		return (rc);
	t = table_create(4, header);
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(doc,
	    "matrices")) {
		snprintf(count, sizeof count, "%lld",
		    (long long)json_int(m, "variants", 0));
		cells[0] = json_str(m, "name", "");
		cells[1] = json_str(m, "shape", "invalid");
		cells[2] = json_str(m, "error", NULL) ? "-" : count;
		cells[3] = json_str(m, "error", NULL) ?
		    json_str(m, "error", "") : json_str(m, "description", "");
		table_add(t, cells);
	}
	table_print(t, o->format, stdout);
	table_free(t);
	cJSON_Delete(doc);
	return (EXIT_OK);
}

/*
 * Prints the daemons sharing the store, when there are others than the
 * one asked: workers, their slots, alive or when last seen.
 */
static void
status_daemons(const cJSON *daemons)
{
	const cJSON	*d;

	if (cJSON_GetArraySize(daemons) < 2)
		return;
	printf("daemons sharing the store:\n");
	cJSON_ArrayForEach(d, daemons) {
		printf("  %s: %s, %lld build slot%s, ", json_str(d, "name", "?"),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d,
		    "worker")) ? "worker" : "API", (long long)json_int(d,
		    "jobs", 0), json_int(d, "jobs", 0) == 1 ? "" : "s");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "alive")))
			printf("alive\n");
		else
			printf("gone (last seen %s)\n", json_str(d, "seen_at",
			    "?"));
	}
}

/* sizemat status */
int
cmd_status(struct options *o)
{
	static const char *const header[] = { "build", "run", "state",
	    "elapsed", "worker", "variant", "project" };
	static const char *const lists[] = { "running", "queued" };
	cJSON		*doc, *b;
	struct table	*t;
	char		 build[32], run[32], elapsed[32];
	const char	*cells[7];
	size_t		 i;
	int		 rc = EXIT_OK;

	if ((doc = request_get(o, "/v1/status", &rc)) == NULL)
		return (rc);
	if (o->format == FORMAT_TABLE) {
		printf("%lld of %lld build slots busy\n",
		    (long long)json_int(doc, "active", 0),
		    (long long)json_int(doc, "jobs", 0));
		status_daemons(cJSON_GetObjectItemCaseSensitive(doc,
		    "daemons"));
	}
	t = table_create(7, header);
	for (i = 0; i < 2; i++) {
		cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc,
		    lists[i])) {
			snprintf(build, sizeof build, "%lld",
			    (long long)json_int(b, "build", 0));
			snprintf(run, sizeof run, "%lld",
			    (long long)json_int(b, "run", 0));
			if (json_int(b, "elapsed_s", -1) >= 0)
				snprintf(elapsed, sizeof elapsed, "%llds",
				    (long long)json_int(b, "elapsed_s", 0));
			else
				snprintf(elapsed, sizeof elapsed, "-");
			cells[0] = build;
			cells[1] = run;
			cells[2] = json_str(b, "state", "");
			cells[3] = elapsed;
			cells[4] = json_str(b, "worker", "-");
			cells[5] = json_str(b, "variant_key", "");
			cells[6] = json_str(b, "project", "");
			table_add(t, cells);
		}
	}
	table_print(t, o->format, stdout);
	table_free(t);
	cJSON_Delete(doc);
	return (EXIT_OK);
}

/* sizemat runs [--limit N] */
int
cmd_runs(struct options *o)
{
	static const char *const header[] = { "run", "state", "done",
	    "failed", "total", "matrix", "created", "project", "commit" };
	cJSON		*doc, *r;
	struct table	*t;
	char		*path, id[32], done[32], failed[32], total[32];
	char		 commit[16];
	const char	*cells[9];
	int		 rc = EXIT_OK;

	xasprintf(&path, "/v1/runs?limit=%d", o->limit);
	doc = request_get(o, path, &rc);
	free(path);
	if (doc == NULL)
		return (rc);
	t = table_create(9, header);
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "runs")) {
		/* A run at a revision: its commit, or the revision asked. */
		snprintf(commit, sizeof commit, "%.12s", json_str(r, "commit",
		    json_str(r, "rev", "-")));
		snprintf(id, sizeof id, "%lld", (long long)json_int(r, "id", 0));
		snprintf(done, sizeof done, "%lld",
		    (long long)json_int(r, "builds_done", 0));
		snprintf(failed, sizeof failed, "%lld",
		    (long long)json_int(r, "builds_failed", 0));
		snprintf(total, sizeof total, "%lld",
		    (long long)json_int(r, "builds_total", 0));
		cells[0] = id;
		cells[1] = json_str(r, "state", "");
		cells[2] = done;
		cells[3] = failed;
		cells[4] = total;
		cells[5] = json_str(r, "matrix", "");
		cells[6] = json_str(r, "created_at", "");
		cells[7] = json_str(r, "project", "");
		cells[8] = commit;
		table_add(t, cells);
	}
	table_print(t, o->format, stdout);
	table_free(t);
	cJSON_Delete(doc);
	return (EXIT_OK);
}

/* sizemat log BUILD */
int
cmd_log(struct options *o)
{
	enum request_result	 r;
	struct buf		 text;
	char			*path, *err;
	long long		 id;

	if (parse_id(o->args[0], "build", "the \"id\" of a build in "
	    "'sizemat results RUN --json'", &id) != 0)
		return (EXIT_USAGE);
	xasprintf(&path, "/v1/builds/%lld/log", id);
	buf_init(&text);
	r = request_text(o, path, &text, &err);
	free(path);
	if (r != REQUEST_OK) {
		buf_free(&text);
		return (request_fail(o, r, err));
	}
	fwrite(text.data, 1, text.len, stdout);
	buf_free(&text);
	return (EXIT_OK);
}

/* sizemat toolchains */
int
cmd_toolchains(struct options *o)
{
	static const char *const header[] = { "name", "version", "cargo",
	    "nightly", "rust-src", "unstable", "problem" };
	const cJSON	*tc;
	struct table	*t;
	cJSON		*doc;
	const char	*cells[7];
	int		 rc;

	if ((doc = request_get(o, "/v1/toolchains", &rc)) == NULL)
		return (rc);
	t = table_create(7, header);
	cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(doc,
	    "toolchains")) {
		cells[0] = json_str(tc, "name", "?");
		cells[1] = json_str(tc, "version", "-");
		cells[2] = json_str(tc, "cargo", "-");
		cells[3] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tc,
		    "nightly")) ? "yes" : "no";
		cells[4] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tc,
		    "rust_src")) ? "yes" : "no";
		cells[5] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tc,
		    "nightly")) ? "native" : cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(tc, "bootstrap")) ?
		    "bootstrap" : "opt-in";
		cells[6] = json_str(tc, "problem", "");
		table_add(t, cells);
	}
	table_print(t, o->format, stdout);
	table_free(t);
	cJSON_Delete(doc);
	return (EXIT_OK);
}

/* Prints a gc report: totals, then each removed target dir. */
static void
gc_print(const struct options *o, const cJSON *doc)
{
	static const char *const header[] = { "removed target dir", "size",
	    "last used" };
	const cJSON	*e;
	struct table	*t;
	char		 before[32], after[32], budget[32], size[32];
	char		 when[32];
	const char	*cells[3];
	time_t		 tm;

	human_size(json_int(doc, "bytes_before", -1), before, sizeof before);
	human_size(json_int(doc, "bytes_after", -1), after, sizeof after);
	human_size(json_int(doc, "budget", -1), budget, sizeof budget);
	printf("gc %s: %lld target dirs, %s before, %s after (budget %s)\n",
	    json_str(doc, "state", "?"), (long long)json_int(doc,
	    "target_dirs", 0), before, after, budget);
	e = cJSON_GetObjectItemCaseSensitive(doc, "symbol_tables");
	human_size(json_int(e, "bytes", 0), size, sizeof size);
	human_size(json_int(e, "raw_bytes", 0), when, sizeof when);
	printf("symbol tables: %lld kept in the database, %s (%s "
	    "uncompressed)\n", (long long)json_int(e, "count", 0), size, when);
	t = table_create(3, header);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc,
	    "evicted")) {
		human_size(json_int(e, "bytes", 0), size, sizeof size);
		tm = (time_t)json_int(e, "last_used", 0);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&tm));
		cells[0] = json_str(e, "target_dir", "?");
		cells[1] = size;
		cells[2] = when;
		table_add(t, cells);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc,
	    "evicted")) > 0)
		table_print(t, o->format, stdout);
	table_free(t);
}

/* sizemat gc [--wait] */
int
cmd_gc(struct options *o)
{
	enum request_result	 r;
	cJSON			*doc;
	char			*err;

	r = request_call(o, "POST", "/v1/gc", NULL, &doc, &err);
	while (r == REQUEST_OK && o->wait &&
	    strcmp(json_str(doc, "state", "done"), "done") != 0 &&
	    strcmp(json_str(doc, "state", "done"), "idle") != 0) {
		cJSON_Delete(doc);
		run_sleep(300);
		r = request_call(o, "GET", "/v1/gc", NULL, &doc, &err);
	}
	if (r != REQUEST_OK)
		return (request_fail(o, r, err));
	if (o->format == FORMAT_JSON)
		print_json(doc);
	else
		gc_print(o, doc);
	if (!o->wait && o->format != FORMAT_JSON)
		fprintf(stderr, "sizemat: the pass goes on in the daemon; "
		    "'sizemat gc --wait' follows it to its end\n");
	cJSON_Delete(doc);
	return (EXIT_OK);
}
