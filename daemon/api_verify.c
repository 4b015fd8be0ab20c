/*
 * Reproducibility: POST /v1/runs/{id}/verify builds each done build of a
 * run again in a fresh target dir (verify.c); GET /v1/runs/{id}/verify
 * says, per variant, whether the bytes are identical, and where they are
 * not, by how much, in which sections and which symbols.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sizematd.h"

/* POST /v1/runs/{id}/verify: queues the run's done builds again. */
void
api_verify_start(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	struct plan_error	 err = { 0, NULL, NULL };
	cJSON			*out;
	int64_t			 child;

	(void)req;
	if (verify_queue(api->planner, id, &child, &err) != 0) {
		api_plan_fail(reply, &err);
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "run", (double)id);
	cJSON_AddNumberToObject(out, "verify_run", (double)child);
	http_reply_json(reply, 201, out);
}

/* Tells whether two builds' artifacts have the same bytes, each of them. */
static int
api_verify_same(const cJSON *a, const cJSON *b)
{
	const cJSON	*x, *y;
	int		 n = 0;

	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(a,
	    "artifacts")) {
		cJSON_ArrayForEach(y, cJSON_GetObjectItemCaseSensitive(b,
		    "artifacts")) {
			if (strcmp(json_str(x, "name", ""), json_str(y,
			    "name", "")) == 0 && strcmp(json_str(x, "kind",
			    ""), json_str(y, "kind", "")) == 0)
				break;
		}
		if (y == NULL || json_str(x, "sha256", NULL) == NULL ||
		    strcmp(json_str(x, "sha256", ""), json_str(y, "sha256",
		    "")) != 0)
			return (0);
		n++;
	}
	return (n == cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b,
	    "artifacts")));
}

/* Returns the kept copy of a build's first artifact, or NULL. */
static const char *
api_verify_kept(const cJSON *build)
{
	return (json_str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    build, "artifacts"), 0), "kept_path", NULL));
}

/*
 * The sections whose bytes differ between the first artifacts of build a
 * and its verify build b: from the sha256 the store has of each section,
 * else (builds measured before it had them) from the kept copies; null
 * when neither can tell.
 */
static cJSON *
api_verify_sections(struct api *api, int64_t a, int64_t b, const cJSON *da,
    const cJSON *db)
{
	const cJSON	*art;
	const char	*ka = api_verify_kept(da), *kb = api_verify_kept(db);
	cJSON		*rows;

	art = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(da,
	    "artifacts"), 0);
	if (store_section_changes(api->store, a, b, json_str(art, "name", ""),
	    json_str(art, "kind", ""), &rows) != 0)
		return (cJSON_CreateNull());
	if (rows != NULL)
		return (rows);
	if (ka == NULL || kb == NULL || access(ka, R_OK) != 0 ||
	    access(kb, R_OK) != 0)
		return (cJSON_CreateNull());
	return (diff_section_bytes(ka, kb));
}

/*
 * Says how a build and its verify build compare: identical, or the file
 * size's change and the sections and symbols that differ (of the first
 * artifact both have; the diff's rows).
 */
static void
api_verify_compare(struct api *api, int64_t a, int64_t b, cJSON *entry)
{
	const cJSON	*art;
	cJSON		*da = NULL, *db = NULL, *diff;

	if (store_build_document(api->store, a, &da) != STORE_OK ||
	    store_build_document(api->store, b, &db) != STORE_OK) {
		cJSON_AddNullToObject(entry, "identical");
		goto out;
	}
	if (api_verify_same(da, db)) {
		cJSON_AddTrueToObject(entry, "identical");
		cJSON_AddNumberToObject(entry, "bytes_delta", 0);
		cJSON_AddArrayToObject(entry, "sections");
		cJSON_AddArrayToObject(entry, "symbols");
		goto out;
	}
	cJSON_AddFalseToObject(entry, "identical");
	diff = diff_builds(da, db, 20, api_symbols, api);
	art = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(diff,
	    "artifacts"), 0);
	cJSON_AddNumberToObject(entry, "bytes_delta", json_num(art, "b", 0) -
	    json_num(art, "a", 0));
	/* By content: a time stamp changes bytes, not sizes. */
	cJSON_AddItemToObject(entry, "sections", api_verify_sections(api,
	    a, b, da, db));
	if (cJSON_GetObjectItemCaseSensitive(art, "symbols") != NULL)
		cJSON_AddItemToObject(entry, "symbols", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(art, "symbols"), 1));
	else
		cJSON_AddArrayToObject(entry, "symbols");
	cJSON_Delete(diff);
out:
	cJSON_Delete(da);
	cJSON_Delete(db);
}

/* GET /v1/runs/{id}/verify: the newest verification of a run. */
void
api_verify_get(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	const cJSON	*b, *v;
	cJSON		*doc = NULL, *vdoc = NULL, *out, *list, *e;
	int64_t		 vid;
	int		 all = 1, rc;

	(void)req;
	if ((rc = store_verify_run(api->store, id, &vid)) == STORE_NOT_FOUND) {
		http_reply_error(reply, 404, "not_found", "run %lld was never "
		    "verified: POST /v1/runs/%lld/verify (sizemat verify %lld)",
		    (long long)id, (long long)id, (long long)id);
		return;
	}
	if (api_lookup_fail(reply, rc, "the verification of run %lld",
	    (long long)id) != 0 ||
	    api_lookup_fail(reply, store_run_document(api->store, id, &doc),
	    "run %lld", (long long)id) != 0 ||
	    api_lookup_fail(reply, store_run_document(api->store, vid,
	    &vdoc), "run %lld", (long long)vid) != 0)
		goto out;
	out = cJSON_CreateObject();
	e = cJSON_AddObjectToObject(out, "verify");
	cJSON_AddNumberToObject(e, "run", (double)id);
	cJSON_AddNumberToObject(e, "verify_run", (double)vid);
	cJSON_AddStringToObject(e, "state", json_str(
	    cJSON_GetObjectItemCaseSensitive(vdoc, "run"), "state", "?"));
	list = cJSON_AddArrayToObject(e, "builds");
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds")) {
		if (strcmp(json_str(b, "state", ""), "done") != 0)
			continue;
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(vdoc,
		    "builds")) {
			if (strcmp(json_str(v, "variant_key", ""), json_str(b,
			    "variant_key", "")) == 0)
				break;
		}
		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "build", json_num(b, "id", 0));
		cJSON_AddStringToObject(e, "variant_key", json_str(b,
		    "variant_key", ""));
		cJSON_AddNumberToObject(e, "verify_build", json_num(v, "id",
		    0));
		cJSON_AddStringToObject(e, "state", json_str(v, "state", "?"));
		if (v != NULL && strcmp(json_str(v, "state", ""), "done") == 0)
			api_verify_compare(api, json_int(b, "id", 0),
			    json_int(v, "id", 0), e);
		else
			cJSON_AddNullToObject(e, "identical");
		all &= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e,
		    "identical"));
		cJSON_AddItemToArray(list, e);
	}
	cJSON_AddBoolToObject(cJSON_GetObjectItemCaseSensitive(out, "verify"),
	    "reproducible", all);
	http_reply_json(reply, 200, out);
out:
	cJSON_Delete(doc);
	cJSON_Delete(vdoc);
}
