/*
 * libFuzzer harness: a build's outcome (as JSON: state, error, artifacts
 * with names, sizes, sections and measurements) -> the store -> the
 * results document. The document must be JSON again, and must give back
 * each artifact's file_size as it was recorded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/sizematd.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct store	*store;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char	 dir[] = "/tmp/sizemat-fuzz-results-XXXXXX";
	char		*path, *cause;

	(void)argc;
	(void)argv;
	log_init(-1);
	if (mkdtemp(dir) == NULL)
		abort();
	xasprintf(&path, "%s/db", dir);
	if ((store = store_open(path, &cause)) == NULL) {
		fprintf(stderr, "fuzz_results: %s\n", cause);
		exit(1);
	}
	free(path);
	return (0);
}

/* Reads a whole number of bytes, or 0 when the input gives none. */
static int64_t
fuzz_int(const cJSON *item)
{
	if (!cJSON_IsNumber(item) || !(item->valuedouble > -1e15 &&
	    item->valuedouble < 1e15))
		return (0);
	return ((int64_t)item->valuedouble);
}

/* Reads one named measurement list of the input into a. */
static void
fuzz_measurements(const cJSON *o, struct measurement **v, size_t *n)
{
	const cJSON	*item;

	cJSON_ArrayForEach(item, o) {
		if (!cJSON_IsNumber(item) || item->string == NULL)
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[*n].name = xstrdup(item->string);
		(*v)[*n].value = fuzz_int(item);
		(*n)++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const states[] = { "done", "failed", "timeout",
	    "cancelled", "unavailable" };
	struct variant		 v;
	struct build_plan	 plan;
	struct run_plan		 run;
	struct build_outcome	 o;
	struct artifact		 arts[4];
	const cJSON		*a, *item;
	cJSON			*doc, *res, *back, *b, *got;
	char			*cause = NULL, *text;
	int64_t			 run_id, build_id, fence;
	size_t			 n = 0, i;

	if ((doc = cJSON_ParseWithLength((const char *)data, size)) == NULL)
		return (0);
	memset(&o, 0, sizeof o);
	memset(arts, 0, sizeof arts);
	item = cJSON_GetObjectItemCaseSensitive(doc, "state");
	o.state = states[cJSON_IsNumber(item) ?
	    (unsigned)item->valueint % 5 : 0];
	item = cJSON_GetObjectItemCaseSensitive(doc, "error");
	o.error = cJSON_IsString(item) ? item->valuestring : NULL;
	o.wall_ms = 1;
	o.cpu_ms = -1;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(doc,
	    "artifacts")) {
		if (n == 4)
			break;
		item = cJSON_GetObjectItemCaseSensitive(a, "name");
		arts[n].name = xstrdup(cJSON_IsString(item) ?
		    item->valuestring : "a");
		item = cJSON_GetObjectItemCaseSensitive(a, "kind");
		arts[n].kind = xstrdup(cJSON_IsString(item) ?
		    item->valuestring : "bin");
		arts[n].path = xstrdup("/nonexistent/artifact");
		item = cJSON_GetObjectItemCaseSensitive(a, "file_size");
		arts[n].file_size = fuzz_int(item);
		fuzz_measurements(cJSON_GetObjectItemCaseSensitive(a,
		    "sections"), &arts[n].sections, &arts[n].nsections);
		fuzz_measurements(cJSON_GetObjectItemCaseSensitive(a,
		    "measurements"), &arts[n].measurements,
		    &arts[n].nmeasurements);
		n++;
	}
	o.artifacts = arts;
	o.nartifacts = n;

	variant_init(&v);
	variant_set(&v, "opt-level", "z");
	memset(&plan, 0, sizeof plan);
	plan.variant = &v;
	plan.target_dir = "/nonexistent/target";
	memset(&run, 0, sizeof run);
	run.project = "/nonexistent/project";
	run.matrix = "fuzz";
	run.shape = "axes";
	run.source = "{}";
	if (store_run_create(store, &run, &plan, 1, &run_id, &cause) != 0)
		abort();
	res = store_run_document(store, run_id);
	build_id = (int64_t)cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "builds"),
	    0), "id")->valuedouble;
	cJSON_Delete(res);
	if (store_build_start(store, build_id, 30, &fence) != 0)
		abort();
	if (store_build_finish(store, build_id, fence, &o) == 0) {
		/* Rendered, printed and read back, sizes unchanged. */
		res = store_run_document(store, run_id);
		text = cJSON_PrintUnformatted(res);
		if ((back = cJSON_Parse(text)) == NULL)
			abort();
		b = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(back,
		    "builds"), 0);
		i = 0;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(b,
		    "artifacts")) {
			got = cJSON_GetObjectItemCaseSensitive(a, "file_size");
			for (i = 0; i < n; i++) {
				if (strcmp(arts[i].name, cJSON_GetStringValue(
				    cJSON_GetObjectItemCaseSensitive(a,
				    "name"))) == 0 && strcmp(arts[i].kind,
				    cJSON_GetStringValue(
				    cJSON_GetObjectItemCaseSensitive(a,
				    "kind"))) == 0)
					break;
			}
			if (i < n && (double)arts[i].file_size !=
			    cJSON_GetNumberValue(got))
				abort();
		}
		cJSON_Delete(back);
		cJSON_free(text);
		cJSON_Delete(res);
	}
	for (i = 0; i < n; i++)
		artifact_clear(&arts[i]);
	variant_clear(&v);
	cJSON_Delete(doc);
	return (0);
}
