/*
 * sizemat results RUN: every build of a run, ranked by size, with each
 * variant's delta against the plain release build (else the run's largest;
 * ladders: against the previous step).
 */
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

struct result_row {
	const cJSON	*build;
	const cJSON	*artifact;	/* NULL for a build without one */
	int64_t		 size;
	int64_t		 seq;
};

/* Orders rows by artifact name, then size, then variant key. */
static int
results_cmp_size(const void *a, const void *b)
{
	const struct result_row	*x = a, *y = b;
	int			 c;

	if ((c = artifact_cmp(x->artifact, y->artifact)) != 0)
		return (c);
	if (x->size != y->size)
		return (x->size < y->size ? -1 : 1);
	return (strcmp(json_str(x->build, "variant_key", ""),
	    json_str(y->build, "variant_key", "")));
}

/* Orders rows by step order, for ladders. */
static int
results_cmp_seq(const void *a, const void *b)
{
	const struct result_row	*x = a, *y = b;

	if (x->seq != y->seq)
		return (x->seq < y->seq ? -1 : 1);
	return (artifact_cmp(x->artifact, y->artifact));
}

/* Returns 1 when a build of the run failed, timed out or was unavailable. */
int
results_exit_code(const cJSON *doc)
{
	const cJSON	*b;
	const char	*state;

	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds")) {
		state = json_str(b, "state", "");
		if (strcmp(state, "failed") == 0 ||
		    strcmp(state, "timeout") == 0 ||
		    strcmp(state, "unavailable") == 0)
			return (EXIT_NO);
	}
	return (EXIT_OK);
}

/* Returns the base size an artifact's row is compared with. */
static int64_t
results_base(const struct result_row *rows, size_t n, size_t i, int ladder,
    int has_release)
{
	int64_t		 base = -1;
	size_t		 j;

	for (j = 0; j < n; j++) {
		if (rows[j].artifact == NULL ||
		    artifact_cmp(rows[j].artifact, rows[i].artifact) != 0)
			continue;
		if (ladder) {
			if (rows[j].seq < rows[i].seq)
				base = rows[j].size;
		} else if (has_release) {
			/* Only the release build of the same features,
			 * package, target and toolchain compares. */
			if (strcmp(json_str(rows[j].build, "variant_key", ""),
			    json_str(rows[i].build, "baseline_key",
			    "release")) == 0)
				return (rows[j].size);
		} else if (rows[j].size > base)
			base = rows[j].size;
	}
	return (base);
}

/*
 * Lists every artifact of every build of a run as a row (a build without
 * one is a row of its own), by size, failures last; a ladder in step
 * order. *has_release says whether a build is its own release baseline.
 */
static struct result_row *
results_rows(const cJSON *builds, int ladder, size_t *np, int *has_release)
{
	struct result_row	*rows = NULL;
	const cJSON		*b, *a, *arts;
	size_t			 n = 0;

	*has_release = 0;
	cJSON_ArrayForEach(b, builds) {
		if (strcmp(json_str(b, "variant_key", ""), json_str(b,
		    "baseline_key", "release")) == 0)
			*has_release = 1;
		arts = cJSON_GetObjectItemCaseSensitive(b, "artifacts");
		a = cJSON_GetArraySize(arts) > 0 ? arts->child : NULL;
		do {
			rows = xreallocarray(rows, n + 1, sizeof *rows);
			rows[n].build = b;
			rows[n].artifact = a;
			/* Rows without a size (failed builds) sort last. */
			rows[n].size = a != NULL ? json_int(a, "file_size",
			    -1) : INT64_MAX;
			rows[n].seq = (int64_t)n;
			n++;
		} while (a != NULL && (a = a->next) != NULL);
	}
	if (n > 0)
		qsort(rows, n, sizeof *rows, ladder ? results_cmp_seq :
		    results_cmp_size);
	*np = n;
	return (rows);
}

/* A build's state cell: its state, and why it failed or whose it repeats. */
static void
results_state(const cJSON *b, char *out, size_t len)
{
	const char	*err = json_str(b, "error", NULL), *nl;

	if (err != NULL) {
		nl = strchr(err, '\n');
		snprintf(out, len, "%s: %.*s", json_str(b, "state", ""),
		    nl != NULL ? (int)(nl - err) : (int)strlen(err), err);
	} else if (json_int(b, "same_as", -1) > 0)
		snprintf(out, len, "%s, same build as %lld", json_str(b,
		    "state", ""), (long long)json_int(b, "same_as", 0));
	else
		snprintf(out, len, "%s", json_str(b, "state", ""));
}

/* The cells of a results table's row, in buffers of their own. */
struct result_cells {
	char	 rank[24], size[32], bytes[32], delta[64], loadable[32];
	char	 ms[32], state[256], name[256], tc[128], bid[24];
	char	 run_ms[48], ins[32];
	char	*label;
};

/*
 * Fills the benchmark's cells: the median run time with its spread and
 * the instruction count, or the benchmark's state when it has no figures.
 */
static void
results_bench_cells(const struct options *o, const cJSON *b,
    struct result_cells *c)
{
	const cJSON	*m = bench_measurements(b);
	const char	*state = json_str(cJSON_GetObjectItemCaseSensitive(b,
			    "bench"), "state", "-");
	int64_t		 ms = json_int(m, "bench.wall_ms", -1);
	int64_t		 ins = json_int(m, "bench.instructions", -1);

	if (ms < 0) {
		snprintf(c->run_ms, sizeof c->run_ms, "%s", state);
		snprintf(c->ins, sizeof c->ins, "-");
		return;
	}
	if (o->format == FORMAT_TABLE) {
		snprintf(c->run_ms, sizeof c->run_ms, "%lld ms ±%lld",
		    (long long)ms, (long long)json_int(m, "bench.wall_ms_mad",
		    0));
		human_count(ins, c->ins, sizeof c->ins);
	} else {
		snprintf(c->run_ms, sizeof c->run_ms, "%lld", (long long)ms);
		if (ins < 0)
			c->ins[0] = '\0';
		else
			snprintf(c->ins, sizeof c->ins, "%lld", (long long)ins);
	}
}

/*
 * Fills the cells of row i; returns whether it had a baseline to be
 * compared with when one was wanted.
 */
static int
results_cells(const struct options *o, const struct result_row *rows,
    size_t n, size_t i, int ladder, int has_release,
    struct result_cells *c, const char **cells)
{
	const cJSON	*b = rows[i].build, *a = rows[i].artifact;
	int64_t		 base = -1;

	snprintf(c->rank, sizeof c->rank, "%zu", i + 1);
	snprintf(c->size, sizeof c->size, "-");
	snprintf(c->bytes, sizeof c->bytes, "-");
	snprintf(c->delta, sizeof c->delta, "-");
	snprintf(c->loadable, sizeof c->loadable, "-");
	if (a != NULL) {
		cell_size(o->format, rows[i].size, c->size, sizeof c->size);
		snprintf(c->bytes, sizeof c->bytes, "%lld",
		    (long long)rows[i].size);
		base = results_base(rows, n, i, ladder, has_release);
		cell_delta(o->format, rows[i].size, base, c->delta,
		    sizeof c->delta);
		cell_size(o->format, json_int(cJSON_GetObjectItemCaseSensitive(
		    a, "measurements"), "loadable_size", -1), c->loadable,
		    sizeof c->loadable);
		artifact_label(a, c->name, sizeof c->name);
	}
	cell_ms(o->format, json_int(b, "wall_ms", -1), c->ms, sizeof c->ms);
	results_state(b, c->state, sizeof c->state);
	c->label = NULL;
	if (ladder)
		xasprintf(&c->label, "%s: %s", json_str(b, "step", "?"),
		    json_str(b, "variant_key", ""));
	else if (o->format == FORMAT_TABLE && strcmp(json_str(b,
	    "variant_key", ""), "release") == 0)
		c->label = xstrdup("release (the project's profile)");
	/* Its id: 'sizemat log BUILD' tells more. */
	snprintf(c->bid, sizeof c->bid, "%lld", (long long)json_int(b, "id",
	    0));
	cells[0] = c->rank;
	cells[1] = c->label != NULL ? c->label : json_str(b, "variant_key", "");
	cells[2] = a != NULL ? c->name : "-";
	cells[3] = c->size;
	cells[4] = c->bytes;
	cells[5] = c->delta;
	cells[6] = c->loadable;
	cells[7] = c->ms;
	cells[8] = toolchain_label(b, c->tc, sizeof c->tc);
	cells[9] = c->bid;
	cells[10] = c->state;
	results_bench_cells(o, b, c);
	cells[11] = c->run_ms;
	cells[12] = c->ins;
	return (a == NULL || base >= 0 || !has_release || ladder);
}

/* The lines above a results table: the run, its commit, the profile. */
static void
results_heading(const cJSON *doc, const cJSON *run, const cJSON *builds)
{
	const cJSON	*commit;

	printf("run %lld: %s, matrix %s, %s (%lld of %lld build%s done)\n",
	    (long long)json_int(run, "id", 0), json_str(run, "project", ""),
	    json_str(run, "matrix", ""), json_str(run, "state", ""),
	    (long long)json_int(run, "builds_done", 0),
	    (long long)json_int(run, "builds_total", 0),
	    plural(json_int(run, "builds_total", 0)));
	commit = cJSON_GetObjectItemCaseSensitive(doc, "commit");
	if (commit != NULL)
		printf("at %s (%s), %s\n", json_str(commit, "id", ""),
		    json_str(run, "rev", ""), json_str(commit, "subject", ""));
	project_settings_line(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(builds, 0), "project_profile"), stdout);
}

/* What the table leaves out, on stderr: post steps not measured, baselines. */
static void
results_notes(const cJSON *builds, int unmatched)
{
	const cJSON	*b, *x;
	const char	*notes;

	cJSON_ArrayForEach(b, builds) {
		x = cJSON_GetObjectItemCaseSensitive(b, "bench");
		if (json_str(x, "error", NULL) != NULL)
			fprintf(stderr, "sizemat: build %lld (%s): benchmark "
			    "%s: %s\n", (long long)json_int(b, "id", 0),
			    json_str(b, "variant_key", ""), json_str(x, "state",
			    ""), json_str(x, "error", ""));
		if ((notes = json_str(b, "notes", NULL)) != NULL)
			fprintf(stderr, "sizemat: build %lld (%s): post steps "
			    "not measured:\n  %s\n", (long long)json_int(b,
			    "id", 0), json_str(b, "step", NULL) ? json_str(b,
			    "step", "") : json_str(b, "variant_key", ""),
			    notes);
	}
	if (unmatched > 0)
		fprintf(stderr, "sizemat: %d row%s had no release build with the "
		    "same features, package, bin, target and toolchain to "
		    "compare with: \"vs release\" is left empty (add \"release\""
		    " with those settings to the matrix)\n", unmatched,
		    plural(unmatched));
}

/*
 * Prints a run's results: a table of every artifact by size (a ladder by
 * step), then the winner's snippet; returns the exit code.
 */
int
results_print(const struct options *o, const cJSON *doc)
{
	static const char *const header[] = { "#", "variant", "artifact",
	    "size", "bytes", NULL, "loadable", "time", "toolchain", "build",
	    "state", "run time", "instructions" };
	const char		*hdr[13], *cells[13];
	const cJSON		*run, *builds, *a, *winner = NULL;
	struct result_row	*rows;
	struct result_cells	 c;
	struct table		*t;
	size_t			 n, i, wi = 0;
	int			 ladder, has_release, unmatched = 0, ncols = 11;

	if (o->format == FORMAT_JSON) {
		print_json(doc);
		return (results_exit_code(doc));
	}
	run = cJSON_GetObjectItemCaseSensitive(doc, "run");
	builds = cJSON_GetObjectItemCaseSensitive(doc, "builds");
	ladder = strcmp(json_str(run, "shape", ""), "ladder") == 0;
	rows = results_rows(builds, ladder, &n, &has_release);
	memcpy(hdr, header, sizeof hdr);
	hdr[5] = ladder ? "vs previous step" : has_release ? "vs release" :
	    "vs largest";
	if (ladder)
		hdr[1] = "step: variant";
	/* A benchmark's columns, when the run has one. */
	cJSON_ArrayForEach(a, builds) {
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(a,
		    "bench")))
			ncols = 13;
	}
	t = table_create(ncols, hdr);
	for (i = 0; i < n; i++) {
		unmatched += !results_cells(o, rows, n, i, ladder, has_release,
		    &c, cells);
		table_add(t, cells);
		free(c.label);
		/* The winner: the smallest build of the first artifact. */
		a = rows[i].artifact;
		if (a != NULL && (winner == NULL || (artifact_cmp(a,
		    rows[wi].artifact) == 0 && rows[i].size < rows[wi].size))) {
			winner = rows[i].build;
			wi = i;
		}
	}
	if (o->format == FORMAT_TABLE)
		results_heading(doc, run, builds);
	table_print(t, o->format, stdout);
	table_free(t);
	fflush(stdout);
	results_notes(builds, unmatched);
	if (o->format == FORMAT_TABLE && winner != NULL)
		print_snippet(winner, stdout);
	free(rows);
	return (results_exit_code(doc));
}

/* Reads a run id argument. */
int
results_run_id(const char *s, long long *id)
{
	return (parse_id(s, "run", "a whole number; 'sizemat runs' lists "
	    "them", id));
}

/* Fetches a run's results document, or returns NULL with *rc set. */
cJSON *
results_fetch(const struct options *o, long long id, int *rc)
{
	enum request_result	 r;
	cJSON			*doc;
	char			*path, *err;

	xasprintf(&path, "/v1/runs/%lld", id);
	r = request_call(o, "GET", path, NULL, &doc, &err);
	free(path);
	if (r != REQUEST_OK) {
		*rc = request_fail(o, r, err);
		return (NULL);
	}
	return (doc);
}

/* sizemat results RUN */
int
cmd_results(struct options *o)
{
	long long		 id;
	cJSON			*doc;
	int			 rc = EXIT_USAGE;

	if (results_run_id(o->args[0], &id) != 0)
		return (EXIT_USAGE);
	if ((doc = o->wait ? run_follow(o, id, &rc) : results_fetch(o, id,
	    &rc)) == NULL)
		return (rc);
	rc = results_print(o, doc);
	cJSON_Delete(doc);
	return (rc);
}

/* sizemat cancel RUN */
int
cmd_cancel(struct options *o)
{
	enum request_result	 r;
	long long		 id;
	cJSON			*doc;
	char			*path, *err;

	if (results_run_id(o->args[0], &id) != 0)
		return (EXIT_USAGE);
	xasprintf(&path, "/v1/runs/%lld", id);
	r = request_call(o, "DELETE", path, NULL, &doc, &err);
	free(path);
	if (r != REQUEST_OK)
		return (request_fail(o, r, err));
	if (o->format == FORMAT_JSON)
		print_json(doc);
	else
		printf("run %lld cancelled\n", id);
	cJSON_Delete(doc);
	return (EXIT_OK);
}
