/*
 * sizemat diff BUILD_A BUILD_B [--top N] [--wait]: what changed between two
 * builds, per artifact: sections, crates and symbols, largest change first.
 * With --wait, a stripped build's symbols come from a build of the same
 * variant with strip=none, which the daemon builds when there is none.
 */
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

/* Reads a build id argument. */
static int
diff_build_id(const char *s, long long *id)
{
	return (parse_id(s, "build", "a whole number; 'sizemat results RUN' "
	    "shows them", id));
}

/* Adds rows {name, a, b, delta} to a table under a heading. */
static void
diff_table(const struct options *o, const char *what, const cJSON *rows,
    const char *artifact)
{
	static const char *const header[] = { "what", "name", "a", "b",
	    "delta", "change" };
	const cJSON	*r;
	struct table	*t;
	const char	*cells[6];
	char		 a[32], b[32], d[64];

	if (cJSON_GetArraySize(rows) == 0) {
		if (o->format == FORMAT_TABLE)
			printf("%s: no %s changed\n", artifact, what);
		return;
	}
	t = table_create(6, header);
	cJSON_ArrayForEach(r, rows) {
		human_size(json_int(r, "a", 0), a, sizeof a);
		human_size(json_int(r, "b", 0), b, sizeof b);
		human_delta(json_int(r, "b", 0), json_int(r, "a", 0), d,
		    sizeof d);
		if (json_int(r, "a", 0) == 0)
			snprintf(d, sizeof d, "+%lld B",
			    (long long)json_int(r, "b", 0));
		cells[0] = what;
		cells[1] = json_str(r, "name", "?");
		cells[2] = a;
		cells[3] = b;
		cells[4] = d;
		cells[5] = json_str(r, "change", "");
		table_add(t, cells);
	}
	table_print(t, o->format, stdout);
	table_free(t);
}

/* Fetches the diff of two builds, or returns NULL with *rc set. */
static cJSON *
diff_fetch(const struct options *o, long long a, long long b, int *rc)
{
	enum request_result	 r;
	cJSON			*doc;
	char			*path, *err;

	xasprintf(&path, "/v1/diff?a=%lld&b=%lld&top=%d", a, b, o->top);
	r = request_call(o, "GET", path, NULL, &doc, &err);
	free(path);
	if (r != REQUEST_OK) {
		*rc = request_fail(o, r, err);
		return (NULL);
	}
	return (doc);
}

/*
 * Finds a build of the same variant as id that has its symbols, building
 * it (and waiting) when there is none. Returns its id, or -1 (rc set).
 */
long long
diff_unstripped(const struct options *o, long long id, int *rc)
{
	enum request_result	 r;
	cJSON			*doc, *run;
	char			*path, *err;
	long long		 build, queued;
	int			 tries;

	xasprintf(&path, "/v1/builds/%lld/unstripped", id);
	for (tries = 0; tries < 3; tries++) {
		r = request_call(o, "POST", path, NULL, &doc, &err);
		if (r != REQUEST_OK) {
			free(path);
			*rc = request_fail(o, r, err);
			return (-1);
		}
		build = (long long)json_int(doc, "build", -1);
		queued = (long long)json_int(doc, "queued_run", -1);
		cJSON_Delete(doc);
		if (build > 0) {
			free(path);
			return (build);
		}
		if (!o->quiet)
			fprintf(stderr, "sizemat: build %lld is stripped; run "
			    "%lld builds it with strip=none\n", id, queued);
		if ((run = run_follow(o, queued, rc)) == NULL) {
			free(path);
			return (-1);
		}
		cJSON_Delete(run);
	}
	free(path);
	fprintf(stderr, "sizemat: no unstripped build of build %lld came of "
	    "it\n", id);
	*rc = EXIT_NO;
	return (-1);
}

/* Tells whether a diff lacks symbols because a build is stripped. */
static int
diff_stripped(const cJSON *doc)
{
	const cJSON	*art;

	cJSON_ArrayForEach(art, cJSON_GetObjectItemCaseSensitive(doc,
	    "artifacts")) {
		if (strstr(json_str(art, "symbols_error", ""), "stripped"))
			return (1);
	}
	return (0);
}

/*
 * Puts the crates and symbols of the unstripped builds' diff into the
 * stripped one, artifact by artifact.
 */
static void
diff_merge_symbols(cJSON *doc, const cJSON *sym, long long ua, long long ub)
{
	const cJSON	*s;
	cJSON		*art;
	char		 from[64];

	snprintf(from, sizeof from, "%lld and %lld", ua, ub);
	cJSON_ArrayForEach(art, cJSON_GetObjectItemCaseSensitive(doc,
	    "artifacts")) {
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(sym,
		    "artifacts")) {
			if (artifact_cmp(art, s) != 0 ||
			    cJSON_GetObjectItemCaseSensitive(s, "symbols") ==
			    NULL)
				continue;
			cJSON_DeleteItemFromObject(art, "symbols_error");
			cJSON_AddItemToObject(art, "crates", cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(s, "crates"), 1));
			cJSON_AddItemToObject(art, "symbols", cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(s, "symbols"), 1));
			cJSON_AddStringToObject(art, "symbols_from", from);
		}
	}
}

/* sizemat diff BUILD_A BUILD_B [--top N] [--wait] */
int
cmd_diff(struct options *o)
{
	const cJSON		*art, *a, *b;
	cJSON			*doc, *sym;
	long long		 ida, idb, ua, ub;
	char			 sa[32], sb[32], d[64], label[256];
	char			 ta[128], tb[128];
	int			 rc = EXIT_USAGE;

	if (diff_build_id(o->args[0], &ida) != 0 ||
	    diff_build_id(o->args[1], &idb) != 0)
		return (EXIT_USAGE);
	if ((doc = diff_fetch(o, ida, idb, &rc)) == NULL)
		return (rc);
	/* Stripped builds: their symbols come from strip=none builds. */
	if (o->wait && diff_stripped(doc)) {
		if ((ua = diff_unstripped(o, ida, &rc)) < 0 ||
		    (ub = diff_unstripped(o, idb, &rc)) < 0) {
			cJSON_Delete(doc);
			return (rc);
		}
		if ((sym = diff_fetch(o, ua, ub, &rc)) == NULL) {
			cJSON_Delete(doc);
			return (rc);
		}
		diff_merge_symbols(doc, sym, ua, ub);
		cJSON_Delete(sym);
	}
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		cJSON_Delete(doc);
		return (EXIT_OK);
	}
	a = cJSON_GetObjectItemCaseSensitive(doc, "a");
	b = cJSON_GetObjectItemCaseSensitive(doc, "b");
	if (o->format == FORMAT_TABLE)
		printf("a: build %lld, %s, %s\nb: build %lld, %s, %s\n", ida,
		    json_str(a, "variant_key", ""),
		    toolchain_label(a, ta, sizeof ta), idb,
		    json_str(b, "variant_key", ""),
		    toolchain_label(b, tb, sizeof tb));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc,
	    "artifacts")) == 0)
		fprintf(stderr, "sizemat: the two builds have no artifact in "
		    "common (same name and kind)\n");
	cJSON_ArrayForEach(art, cJSON_GetObjectItemCaseSensitive(doc,
	    "artifacts")) {
		artifact_label(art, label, sizeof label);
		human_size(json_int(art, "a", 0), sa, sizeof sa);
		human_size(json_int(art, "b", 0), sb, sizeof sb);
		human_delta(json_int(art, "b", 0), json_int(art, "a", 0), d,
		    sizeof d);
		if (o->format == FORMAT_TABLE)
			printf("\n%s: %s -> %s, %s\n", label, sa, sb, d);
		diff_table(o, "section", cJSON_GetObjectItemCaseSensitive(art,
		    "sections"), label);
		if (json_str(art, "symbols_error", NULL) != NULL) {
			fflush(stdout);
			fprintf(stderr, "sizemat: %s: %s%s\n", label,
			    json_str(art, "symbols_error", ""),
			    strstr(json_str(art, "symbols_error", ""),
			    "stripped") ? "; 'sizemat diff A B --wait' builds "
			    "and compares them" : "");
			continue;
		}
		if (json_str(art, "symbols_from", NULL) != NULL &&
		    o->format == FORMAT_TABLE)
			printf("crates and symbols from the unstripped builds "
			    "%s\n", json_str(art, "symbols_from", ""));
		diff_table(o, "crate", cJSON_GetObjectItemCaseSensitive(art,
		    "crates"), label);
		diff_table(o, "symbol", cJSON_GetObjectItemCaseSensitive(art,
		    "symbols"), label);
	}
	cJSON_Delete(doc);
	return (EXIT_OK);
}

/* Fetches where a build's bytes are; NULL with *rc, or *stripped set. */
static cJSON *
sizes_fetch(const struct options *o, long long id, int *stripped, int *rc)
{
	enum request_result	 r;
	struct buf		 q;
	cJSON			*doc;
	char			*err;

	buf_init(&q);
	buf_printf(&q, "/v1/builds/%lld/sizes?by=%s&top=%d", id,
	    o->by != NULL ? o->by : "crate", o->top > 0 ? o->top : 20);
	history_query(&q, "artifact", o->artifact);
	r = request_call(o, "GET", q.data, NULL, &doc, &err);
	buf_free(&q);
	*stripped = r != REQUEST_OK && err != NULL &&
	    strstr(err, "no symbol table") != NULL;
	if (r != REQUEST_OK) {
		if (*stripped)
			free(err);
		else
			*rc = request_fail(o, r, err);
		return (NULL);
	}
	return (doc);
}

/* sizemat sizes BUILD [--by crate|symbol|section] [--top N] [--artifact A] */
int
cmd_sizes(struct options *o)
{
	static const char *const header[] = { "name", "size", "share" };
	const cJSON	*row;
	struct table	*t;
	cJSON		*doc;
	const char	*cells[3];
	char		 size[32], share[32], covered[32];
	long long	 id, twin = -1;
	int		 rc = EXIT_USAGE, stripped;
	double		 total;

	if (diff_build_id(o->args[0], &id) != 0)
		return (EXIT_USAGE);
	if (o->by != NULL && strcmp(o->by, "crate") != 0 &&
	    strcmp(o->by, "symbol") != 0 && strcmp(o->by, "section") != 0) {
		fprintf(stderr, "sizemat: --by %s: not one of crate, symbol, "
		    "section\n", o->by);
		return (EXIT_USAGE);
	}
	if ((doc = sizes_fetch(o, id, &stripped, &rc)) == NULL && stripped) {
		/* Its symbols come from the same settings with strip=none. */
		if ((twin = diff_unstripped(o, id, &rc)) < 0)
			return (rc);
		doc = sizes_fetch(o, twin, &stripped, &rc);
	}
	if (doc == NULL && stripped)
		fprintf(stderr, "sizemat: build %lld has no symbol table, nor "
		    "has its unstripped twin %lld\n", id, twin);
	if (doc == NULL)
		return (stripped ? EXIT_NO : rc);
	if (twin > 0) {
		cJSON_AddNumberToObject(doc, "twin", (double)twin);
		if (!o->quiet)
			fprintf(stderr, "sizemat: build %lld is stripped: "
			    "these are its unstripped twin's, build %lld\n",
			    id, twin);
	}
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		cJSON_Delete(doc);
		return (EXIT_OK);
	}
	total = (double)json_int(doc, "covered", 0);
	human_size(json_int(doc, "covered", 0), covered, sizeof covered);
	if (o->format == FORMAT_TABLE)
		printf("build %lld, %s (%s): %s covered by %s symbol table, "
		    "by %s\n", twin > 0 ? twin : id, json_str(doc, "artifact",
		    "?"), json_str(doc, "kind", "?"), covered, twin > 0 ?
		    "the unstripped twin's" : "its", json_str(doc, "by",
		    "crate"));
	t = table_create(3, header);
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc, "rows")) {
		if (o->format == FORMAT_CSV)
			snprintf(size, sizeof size, "%lld",
			    (long long)json_int(row, "size", 0));
		else
			human_size(json_int(row, "size", 0), size, sizeof size);
		snprintf(share, sizeof share, "%.1f%%", total > 0 ?
		    100.0 * (double)json_int(row, "size", 0) / total : 0.0);
		cells[0] = json_str(row, "name", "?");
		cells[1] = size;
		cells[2] = share;
		table_add(t, cells);
	}
	table_print(t, o->format, stdout);
	table_free(t);
	cJSON_Delete(doc);
	return (EXIT_OK);
}
