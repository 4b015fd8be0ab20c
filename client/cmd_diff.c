/*
 * sizemat diff BUILD_A BUILD_B [--top N]: what changed between two builds,
 * per artifact: sections, crates and symbols, largest change first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

/* Reads a build id argument. */
static int
diff_build_id(const char *s, long long *id)
{
	char	*end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *id <= 0)
		return (usage_error("\"%s\" is not a build id (a whole number; "
		    "'sizemat results RUN' shows them)", s));
	return (0);
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

/* sizemat diff BUILD_A BUILD_B [--top N] */
int
cmd_diff(struct options *o)
{
	enum request_result	 r;
	const cJSON		*art, *a, *b;
	cJSON			*doc;
	long long		 ida, idb;
	char			*path, *err, sa[32], sb[32], d[64], label[256];

	if (diff_build_id(o->args[0], &ida) != 0 ||
	    diff_build_id(o->args[1], &idb) != 0)
		return (EXIT_USAGE);
	xasprintf(&path, "/v1/diff?a=%lld&b=%lld&top=%d", ida, idb, o->top);
	r = request_call(o, "GET", path, NULL, &doc, &err);
	free(path);
	if (r != REQUEST_OK)
		return (request_fail(o, r, err));
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		cJSON_Delete(doc);
		return (EXIT_OK);
	}
	a = cJSON_GetObjectItemCaseSensitive(doc, "a");
	b = cJSON_GetObjectItemCaseSensitive(doc, "b");
	if (o->format == FORMAT_TABLE)
		printf("a: build %lld, %s\nb: build %lld, %s\n", ida,
		    json_str(a, "variant_key", ""), idb,
		    json_str(b, "variant_key", ""));
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
			fprintf(stderr, "sizemat: %s: %s\n", label,
			    json_str(art, "symbols_error", ""));
			continue;
		}
		diff_table(o, "crate", cJSON_GetObjectItemCaseSensitive(art,
		    "crates"), label);
		diff_table(o, "symbol", cJSON_GetObjectItemCaseSensitive(art,
		    "symbols"), label);
	}
	cJSON_Delete(doc);
	return (EXIT_OK);
}
