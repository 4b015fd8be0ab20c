/*
 * sizemat verify RUN [--wait] [--json]: builds each done build of a run
 * again in a fresh target dir and says whether the bytes are the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

/* Prints the first few rows of a diff's list as "name +N, ...". */
static void
verify_rows(const char *what, const cJSON *rows)
{
	const cJSON	*r;
	int		 n = 0;

	if (cJSON_IsNull(rows)) {
		printf("    %s: not known (measured before section hashes "
		    "were kept, and the kept copies are gone)\n", what);
		return;
	}
	if (cJSON_GetArraySize(rows) == 0)
		return;
	printf("    %s:", what);
	cJSON_ArrayForEach(r, rows) {
		if (n++ == 5) {
			printf(" ...");
			break;
		}
		printf(" %s %+lld%s", json_str(r, "name", "?"),
		    (long long)json_int(r, "delta", 0), r->next ? "," : "");
	}
	printf("\n");
}

/* Prints a verification; returns 1 when a build was not reproduced. */
static int
verify_print(const struct options *o, const cJSON *doc)
{
	static const char *const header[] = { "build", "variant", "again",
	    "verdict", "bytes" };
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(doc, "verify");
	const cJSON	*b, *id;
	struct table	*t;
	const char	*cells[5];
	char		 build[32], again[32], bytes[32];
	int		 differs = 0;

	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(v, "builds"))
		differs |= cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(b,
		    "identical"));
	if (o->format == FORMAT_JSON) {
		print_json(doc);
		return (differs);
	}
	t = table_create(5, header);
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(v, "builds")) {
		id = cJSON_GetObjectItemCaseSensitive(b, "identical");
		snprintf(build, sizeof build, "%lld",
		    (long long)json_int(b, "build", 0));
		snprintf(again, sizeof again, "%lld",
		    (long long)json_int(b, "verify_build", 0));
		snprintf(bytes, sizeof bytes, "%+lld",
		    (long long)json_int(b, "bytes_delta", 0));
		cells[0] = build;
		cells[1] = json_str(b, "variant_key", "");
		cells[2] = again;
		cells[3] = cJSON_IsTrue(id) ? "identical" : cJSON_IsFalse(id) ?
		    "DIFFERS" : json_str(b, "state", "?");
		cells[4] = cJSON_IsBool(id) ? bytes : "-";
		table_add(t, cells);
	}
	table_print(t, o->format, stdout);
	table_free(t);
	if (o->format != FORMAT_TABLE)
		return (differs);
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(v, "builds")) {
		if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(b,
		    "identical")))
			continue;
		printf("%s: not reproducible\n", json_str(b, "variant_key",
		    ""));
		verify_rows("sections", cJSON_GetObjectItemCaseSensitive(b,
		    "sections"));
		verify_rows("symbols", cJSON_GetObjectItemCaseSensitive(b,
		    "symbols"));
	}
	return (differs);
}

/* sizemat verify RUN [--wait] */
int
cmd_verify(struct options *o)
{
	enum request_result	 r;
	cJSON			*doc, *run;
	char			*path, *err;
	long long		 id, vid;
	int			 rc = EXIT_USAGE;

	if (parse_id(o->args[0], "run", "a whole number; 'sizemat runs' "
	    "lists them", &id) != 0)
		return (EXIT_USAGE);
	xasprintf(&path, "/v1/runs/%lld/verify", id);
	r = request_call(o, "POST", path, NULL, &doc, &err);
	if (r != REQUEST_OK) {
		free(path);
		return (request_fail(o, r, err));
	}
	vid = (long long)json_int(doc, "verify_run", 0);
	cJSON_Delete(doc);
	if (!o->quiet)
		fprintf(stderr, "sizemat: run %lld builds run %lld's builds "
		    "again in fresh target dirs\n", vid, id);
	if (o->wait) {
		if ((run = run_follow(o, vid, &rc)) == NULL) {
			free(path);
			return (rc);
		}
		cJSON_Delete(run);
	}
	r = request_call(o, "GET", path, NULL, &doc, &err);
	free(path);
	if (r != REQUEST_OK)
		return (request_fail(o, r, err));
	rc = verify_print(o, doc) ? EXIT_NO : EXIT_OK;
	if (!o->wait && o->format != FORMAT_JSON)
		fprintf(stderr, "sizemat: 'sizemat verify %lld --wait' waits "
		    "for the builds\n", id);
	cJSON_Delete(doc);
	return (rc);
}

/* sizemat pareto RUN|PROJECT [--x M] [--y M] [--artifact A] */
int
cmd_pareto(struct options *o)
{
	static const char *const header[] = { "variant", "x", "y",
	    "dominated by" };
	static const char *const lists[] = { "front", "dominated" };
	const cJSON	*r;
	struct table	*t;
	struct buf	 q;
	cJSON		*doc;
	const char	*cells[4];
	char		 x[32], y[32], *project;
	long long	 id = 0;
	size_t		 k;
	int		 rc = EXIT_USAGE, tracked;

	buf_init(&q);
	if (strspn(o->args[0], "0123456789") == strlen(o->args[0])) {
		if (parse_id(o->args[0], "run", "a whole number; 'sizemat "
		    "runs' lists them", &id) != 0) {
			buf_free(&q);
			return (EXIT_USAGE);
		}
		buf_printf(&q, "/v1/runs/%lld/pareto", id);
	} else {
		/* A project's current results, as best takes them. */
		if ((project = project_arg(o->args[0], &tracked)) == NULL) {
			buf_free(&q);
			return (EXIT_USAGE);
		}
		buf_addstr(&q, "/v1/pareto");
		history_query(&q, "project", project);
		free(project);
	}
	history_query(&q, "x", o->pareto_x);
	history_query(&q, "y", o->pareto_y);
	history_query(&q, "artifact", o->artifact);
	doc = request_get(o, q.data, &rc);
	buf_free(&q);
	if (doc == NULL)
		return (rc);
	if (o->format == FORMAT_TABLE)
		printf("%s: %s against %s, smaller is better on both; the "
		    "front first\n", o->args[0], json_str(doc, "x", "?"),
		    json_str(doc, "y", "?"));
	t = table_create(4, header);
	for (k = 0; k < 2; k++) {
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc,
		    lists[k])) {
			snprintf(x, sizeof x, "%.0f", json_num(r, "x", 0));
			snprintf(y, sizeof y, "%.0f", json_num(r, "y", 0));
			cells[0] = json_str(r, "variant_key", "");
			cells[1] = x;
			cells[2] = y;
			cells[3] = k == 0 ? "-" : json_str(r, "by", "");
			table_add(t, cells);
		}
	}
	table_print(t, o->format, stdout);
	table_free(t);
	cJSON_Delete(doc);
	return (EXIT_OK);
}
