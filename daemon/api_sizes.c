/*
 * GET /v1/builds/{id}/sizes?by=crate|symbol|section&top=N&artifact=NAME:
 * cargo-bloat's view of any recorded build, from the symbol table stored
 * with it (attrib.c), without building anything. The rows, the
 * unattributed bytes included, add up to the covered sections.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sizematd.h"

/* A row of the answer, before it is sorted and cut. */
struct sizes_row {
	char	*name;
	int64_t	 size;
};

struct sizes {
	struct sizes_row	*v;
	size_t			 n;
};

/* Adds size to a row by name. */
static void
sizes_add(struct sizes *s, const char *name, int64_t size)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].name, name) == 0) {
			s->v[i].size += size;
			return;
		}
	}
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n].name = xstrdup(name);
	s->v[s->n++].size = size;
}

/* Orders rows largest first, then by name. */
static int
sizes_cmp(const void *a, const void *b)
{
	const struct sizes_row	*x = a, *y = b;

	if (x->size != y->size)
		return (x->size > y->size ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/*
 * Returns the rows as JSON, largest first; past top (0: all), the rest
 * folded into one "[N others]" row so that the sum stays.
 */
static cJSON *
sizes_json(struct sizes *s, int top)
{
	cJSON	*rows, *row;
	int64_t	 rest = 0;
	size_t	 i, folded = 0;
	char	 name[64];

	if (s->n > 0)
		qsort(s->v, s->n, sizeof *s->v, sizes_cmp);
	rows = cJSON_CreateArray();
	for (i = 0; i < s->n; i++) {
		if (top > 0 && i >= (size_t)top) {
			rest += s->v[i].size;
			folded++;
		} else {
			row = cJSON_CreateObject();
			cJSON_AddStringToObject(row, "name", s->v[i].name);
			cJSON_AddNumberToObject(row, "size",
			    (double)s->v[i].size);
			cJSON_AddItemToArray(rows, row);
		}
		free(s->v[i].name);
	}
	free(s->v);
	if (folded > 0) {
		snprintf(name, sizeof name, "[%zu others]", folded);
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "name", name);
		cJSON_AddNumberToObject(row, "size", (double)rest);
		cJSON_AddItemToArray(rows, row);
	}
	return (rows);
}

/* Groups an attribution's bytes by crate, symbol or section. */
static void
sizes_group(const struct attribution *at, const char *by, struct sizes *s)
{
	char	*crate;
	size_t	 i;

	memset(s, 0, sizeof *s);
	if (strcmp(by, "section") == 0) {
		for (i = 0; i < at->nsections; i++)
			sizes_add(s, at->sections[i].name,
			    at->sections[i].value);
		return;
	}
	for (i = 0; i < at->n; i++) {
		if (strcmp(by, "crate") == 0) {
			crate = attrib_crate(at->v[i].name);
			sizes_add(s, crate, at->v[i].size);
			free(crate);
		} else
			sizes_add(s, at->v[i].name, at->v[i].size);
	}
	sizes_add(s, "[unattributed]", attrib_unattributed(at));
}

/*
 * Picks the artifact asked for, else the build's default one, else its
 * only one. NULL with a reply when there is no choice to make.
 */
static const cJSON *
sizes_artifact(const cJSON *doc, const char *name, struct http_reply *reply)
{
	const cJSON	*arts, *a;
	const char	*def;
	struct buf	 names;

	arts = cJSON_GetObjectItemCaseSensitive(doc, "artifacts");
	def = name != NULL ? name : json_str(doc, "default_artifact", NULL);
	if (def == NULL && cJSON_GetArraySize(arts) == 1)
		return (cJSON_GetArrayItem(arts, 0));
	cJSON_ArrayForEach(a, arts) {
		if (def != NULL && strcmp(json_str(a, "name", ""), def) == 0)
			return (a);
	}
	buf_init(&names);
	cJSON_ArrayForEach(a, arts)
		buf_printf(&names, "%s%s", names.len ? ", " : "",
		    json_str(a, "name", "?"));
	if (cJSON_GetArraySize(arts) == 0)
		http_reply_error(reply, 409, "not_ready", "build %lld has no "
		    "artifact (it is %s)", (long long)json_int(doc, "id", 0),
		    json_str(doc, "state", "?"));
	else if (name != NULL)
		http_reply_error(reply, 404, "not_found", "build %lld has no "
		    "artifact %s (it has: %s)", (long long)json_int(doc, "id",
		    0), name, names.data);
	else
		http_reply_error(reply, 400, "invalid_request", "build %lld "
		    "has several artifacts (%s): name one with artifact=",
		    (long long)json_int(doc, "id", 0), names.data);
	buf_free(&names);
	return (NULL);
}

/*
 * Reads the artifact's attribution: the stored table, else a kept copy of
 * a build recorded before tables were stored. 0, or -1 with a reply.
 */
static int
sizes_table(struct api *api, const cJSON *doc, const cJSON *art,
    struct attribution *at, struct http_reply *reply)
{
	const cJSON	*m;
	const char	*kept;
	char		*cause;
	long long	 id = (long long)json_int(doc, "id", 0);
	int		 rc;

	rc = store_symbol_table(api->store, id, json_str(art, "name", ""),
	    json_str(art, "kind", NULL), at);
	if (rc != STORE_NOT_FOUND)
		return (api_lookup_fail(reply, rc, "the symbol table of build "
		    "%lld", id));
	kept = json_str(art, "kept_path", NULL);
	m = cJSON_GetObjectItemCaseSensitive(art, "measurements");
	if (cJSON_GetObjectItemCaseSensitive(m, "crate.[unattributed]") ==
	    NULL && kept != NULL && access(kept, R_OK) == 0) {
		if (attrib_read(kept, NULL, at, &cause) != 0) {
			http_reply_error(reply, 500, "internal", "%s", cause);
			free(cause);
			return (-1);
		}
		if (at->has_table)
			return (0);
		attrib_clear(at);
	}
	if (cJSON_GetObjectItemCaseSensitive(m, "crate.[unattributed]") !=
	    NULL)
		http_reply_error(reply, 404, "not_found", "the symbol table of "
		    "build %lld's %s is no longer kept: the daemon keeps it "
		    "for the newest --keep-artifacts builds of each variant "
		    "and builds at a regression's commits (its crate.* "
		    "measurements stay: trend --metric crate.NAME)", id,
		    json_str(art, "name", "?"));
	else
		http_reply_error(reply, 409, "stripped", "build %lld's %s has "
		    "no symbol table (it is stripped, or was recorded before "
		    "tables were kept); its unstripped twin has one: POST "
		    "/v1/builds/%lld/unstripped", id, json_str(art, "name",
		    "?"), id);
	return (-1);
}

void
api_build_sizes(struct api *api, const struct http_request *req, int64_t id,
    struct http_reply *reply)
{
	struct attribution	 at;
	struct sizes		 s;
	const cJSON		*art;
	cJSON			*doc = NULL, *out;
	char			*by, *name;
	int			 top;

	by = http_request_query(req, "by");
	name = http_request_query(req, "artifact");
	if (api_query_int(req, "top", 0, 0, 1000000, &top, reply) != 0)
		goto out;
	if (by != NULL && strcmp(by, "crate") != 0 &&
	    strcmp(by, "symbol") != 0 && strcmp(by, "section") != 0) {
		http_reply_error(reply, 400, "invalid_request", "by: \"%s\" is "
		    "not one of crate, symbol, section", by);
		goto out;
	}
	if (api_lookup_fail(reply, store_build_document(api->store, id, &doc),
	    "build %lld", (long long)id) != 0 ||
	    (art = sizes_artifact(doc, name, reply)) == NULL ||
	    sizes_table(api, doc, art, &at, reply) != 0)
		goto out;
	sizes_group(&at, by != NULL ? by : "crate", &s);
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "build", (double)id);
	cJSON_AddStringToObject(out, "artifact", json_str(art, "name", ""));
	cJSON_AddStringToObject(out, "kind", json_str(art, "kind", ""));
	cJSON_AddStringToObject(out, "by", by != NULL ? by : "crate");
	cJSON_AddNumberToObject(out, "covered", (double)at.covered);
	cJSON_AddNumberToObject(out, "symbols", (double)at.n);
	cJSON_AddItemToObject(out, "rows", sizes_json(&s, top));
	attrib_clear(&at);
	http_reply_json(reply, 200, out);
out:
	cJSON_Delete(doc);
	free(by);
	free(name);
}
