/* sizemat best PROJECT [--top N]: the smallest variants recorded. */
#include <stdlib.h>
#include <string.h>

#include "sizemat.h"

/*
 * Returns the size of the row's release baseline (the same features,
 * package, bin, target and toolchain; baseline_key), same artifact, or -1.
 */
static int64_t
best_release(const cJSON *ranking, const cJSON *of)
{
	const cJSON	*row;

	cJSON_ArrayForEach(row, ranking) {
		if (strcmp(json_str(row, "variant_key", ""), json_str(of,
		    "baseline_key", "release")) == 0 &&
		    strcmp(json_str(row, "artifact", ""),
		    json_str(of, "artifact", "")) == 0 &&
		    strcmp(json_str(row, "kind", ""),
		    json_str(of, "kind", "")) == 0)
			return (json_int(row, "file_size", -1));
	}
	return (-1);
}

/* sizemat best PROJECT [--top N] */
int
cmd_best(struct options *o)
{
	static const char *const header[] = { "#", "variant", "artifact",
	    "size", "bytes", "vs release", "run", "commit", "toolchain" };
	enum request_result	 r;
	cJSON			*all, *full, *ranking, *row;
	struct table		*t;
	char			*project, *escaped, *path, *err;
	char			 rank[16], size[32], bytes[32], delta[64];
	char			 run[32], name[256], tc[128], commit[16];
	const char		*cells[9];
	int			 k = 0, tracked, rc;

	if ((project = project_arg(o->args[0], &tracked)) == NULL)
		return (EXIT_USAGE);
	escaped = request_escape(project);
	/* The whole ranking, so the release row is there to compare with. */
	xasprintf(&path, "/v1/best?project=%s&top=100000", escaped);
	free(escaped);
	r = request_call(o, "GET", path, NULL, &all, &err);
	free(path);
	free(project);
	if (r != REQUEST_OK)
		return (request_fail(o, r, err));
	ranking = cJSON_GetObjectItemCaseSensitive(all, "ranking");
	full = cJSON_Duplicate(ranking, 1);
	while (cJSON_GetArraySize(ranking) > o->top)
		cJSON_DeleteItemFromArray(ranking, o->top);
	/* Nothing measured is a "no" (INTERFACE.md), in every format. */
	rc = cJSON_GetArraySize(ranking) > 0 ? EXIT_OK : EXIT_NO;
	if (o->format == FORMAT_JSON) {
		print_json(all);
		cJSON_Delete(all);
		cJSON_Delete(full);
		return (rc);
	}
	t = table_create(9, header);
	cJSON_ArrayForEach(row, ranking) {
		snprintf(rank, sizeof rank, "%d", ++k);
		cell_size(o->format, json_int(row, "file_size", -1), size,
		    sizeof size);
		snprintf(bytes, sizeof bytes, "%lld",
		    (long long)json_int(row, "file_size", -1));
		cell_delta(o->format, json_int(row, "file_size", -1),
		    best_release(full, row), delta, sizeof delta);
		snprintf(run, sizeof run, "%lld",
		    (long long)json_int(row, "run", 0));
		cells[0] = rank;
		cells[1] = json_str(row, "variant_key", "");
		if (strcmp(json_str(row, "kind", "bin"), "bin") == 0)
			snprintf(name, sizeof name, "%s",
			    json_str(row, "artifact", ""));
		else
			snprintf(name, sizeof name, "%s (%s)",
			    json_str(row, "artifact", ""),
			    json_str(row, "kind", ""));
		cells[2] = name;
		cells[3] = size;
		cells[4] = bytes;
		cells[5] = delta;
		cells[6] = run;
		/* A tracked project's rows are at its current commit. */
		snprintf(commit, sizeof commit, "%.12s", json_str(row,
		    "commit", "-"));
		cells[7] = o->format == FORMAT_CSV ? json_str(row, "commit",
		    "") : commit;
		cells[8] = toolchain_label(row, tc, sizeof tc);
		table_add(t, cells);
	}
	if (o->format == FORMAT_TABLE)
		printf("smallest recorded for %s\n", json_str(all, "project",
		    ""));
	table_print(t, o->format, stdout);
	table_free(t);
	if (o->format == FORMAT_TABLE && cJSON_GetArraySize(ranking) > 0)
		print_snippet(cJSON_GetArrayItem(ranking, 0), stdout);
	else if (rc != EXIT_OK)
		fprintf(stderr, "sizemat: nothing measured yet for %s\n",
		    json_str(all, "project", ""));
	cJSON_Delete(all);
	cJSON_Delete(full);
	return (rc);
}
