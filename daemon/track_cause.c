/*
 * Why a regression grew: the crates and the symbols that grew or appeared
 * most between its two commits (base and culprit, or the ends of a range),
 * from the symbol tables stored with the builds there (attrib.c). A
 * stripped variant has none: its unstripped twin's (the same settings with
 * strip=none) are read instead, and the twin is queued at a commit where
 * it was never built, so that the explanation follows.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sizematd.h"
#include "track_private.h"

#define TRACK_CAUSES_TOP	10

/* Returns the key of a stripped variant's twin; NULL when not stripped. */
static char *
track_twin_key(const cJSON *row)
{
	struct variant	 v;
	const char	*strip;
	char		*cause, *key = NULL;

	if (variant_from_json(&v, cJSON_GetObjectItemCaseSensitive(row,
	    "variant"), &cause) != 0) {
		free(cause);
		return (NULL);
	}
	strip = variant_get(&v, "strip");
	if (strip != NULL && strcmp(strip, "symbols") == 0) {
		variant_set(&v, "strip", "none");
		key = variant_key(&v);
	}
	variant_clear(&v);
	return (key);
}

/* Queues a variant (by key) at a commit, to explain a regression. */
static void
track_queue_twin(struct track *t, const struct tracked_project *p,
    const char *key, const char *commit)
{
	struct variant		 v;
	struct run_plan		 run;
	struct plan_error	 err = { 0, NULL, NULL };
	char			*cause;
	int64_t			 run_id;

	if (variant_parse_key(key, &v, &cause) != 0) {
		log_warn("project %s: %s: %s", p->name, key, cause);
		free(cause);
		return;
	}
	memset(&run, 0, sizeof run);
	run.project = p->path;
	run.project_id = p->id;
	run.matrix = "unstripped";
	run.shape = "axes";
	run.source = "{\"explain\":\"regression\"}";
	run.rev = commit;
	run.kind = "explain";	/* never a series of its own to alert on */
	if (plan_queue(t->planner, &run, &v, NULL, NULL, 1,
	    track_bootstrap(t, p), &run_id, &err) != 0) {
		log_warn("project %s: cannot queue %s at %.12s to explain a "
		    "regression: %s", p->name, key, commit, err.message);
		plan_error_clear(&err);
	} else
		log_info("project %s: run %lld builds %s at %.12s for its "
		    "symbols", p->name, (long long)run_id, key, commit);
	variant_clear(&v);
}

/*
 * Reads the table of a regression's artifact at one of its commits: the
 * variant's own, else its twin's. Returns 0 with *at (*twin set when the
 * twin's), 1 while the twin is on its way (queued now if queue and it
 * never was), -1 when there is none to have.
 */
static int
track_cause_table(struct track *t, const struct tracked_project *p,
    const cJSON *row, const char *commit, const char *twin_key, int queue,
    struct attribution *at, int *twin)
{
	const char	*artifact = json_str(row, "artifact", "");
	int64_t		 build;
	int		 pending;

	*twin = 0;
	if (store_commit_table(t->store, p->id, commit, json_str(row,
	    "variant_key", ""), artifact, &build, at) == STORE_OK)
		return (0);
	if (twin_key == NULL)
		return (-1);
	*twin = 1;
	if (store_commit_table(t->store, p->id, commit, twin_key, artifact,
	    &build, at) == STORE_OK)
		return (0);
	switch (store_commit_variant(t->store, p->id, commit, twin_key,
	    &pending)) {
	case STORE_OK:
		return (pending ? 1 : -1);
	case STORE_NOT_FOUND:
		if (!queue)
			return (-1);
		track_queue_twin(t, p, twin_key, commit);
		return (1);
	default:
		return (-1);
	}
}

/*
 * Adds "causes" to a regression row: {"crates": [...], "symbols": [...]}
 * (with "from": "unstripped twin" when the twin's tables were read), or
 * null with "causes_note" saying why there is none. Returns 1 when an
 * unstripped twin it needs is still to be built (queued now when queue is
 * set and it never was), else 0.
 */
int
track_cause(struct track *t, const struct tracked_project *p, cJSON *row,
    int queue)
{
	struct attribution	 a, b;
	cJSON			*causes;
	char			*twin_key;
	const char		*base = json_str(row, "base_commit", "");
	int			 ra, rb, ta, tb;

	cJSON_DeleteItemFromObjectCaseSensitive(row, "causes");
	twin_key = track_twin_key(row);
	ra = track_cause_table(t, p, row, base, twin_key, queue, &a, &ta);
	rb = track_cause_table(t, p, row, json_str(row, "commit", ""),
	    twin_key, queue, &b, &tb);
	free(twin_key);
	if (ra == 0 && rb == 0) {
		causes = diff_causes(&a, &b, TRACK_CAUSES_TOP);
		if (ta || tb)
			cJSON_AddStringToObject(causes, "from",
			    "unstripped twin");
		cJSON_AddItemToObject(row, "causes", causes);
	} else {
		cJSON_AddNullToObject(row, "causes");
		cJSON_AddStringToObject(row, "causes_note", ra > 0 || rb > 0 ?
		    "the unstripped twin is being built at the regression's "
		    "commits" : "no symbol table is kept at the regression's "
		    "commits (a stripped variant whose twin did not build, or "
		    "builds recorded before tables were kept)");
	}
	if (ra == 0)
		attrib_clear(&a);
	if (rb == 0)
		attrib_clear(&b);
	return (ra > 0 || rb > 0);
}

/*
 * Adds to a row of a variant's artifact what verify found of it: "jitter"
 * (the largest size change between a build and its rebuild, null when
 * never verified) and "nondeterministic" (its bytes changed).
 */
void
track_jitter(struct track *t, const struct tracked_project *p, cJSON *row)
{
	int64_t	jitter;
	int	differs;

	cJSON_DeleteItemFromObjectCaseSensitive(row, "jitter");
	cJSON_DeleteItemFromObjectCaseSensitive(row, "nondeterministic");
	if (store_variant_jitter(t->store, p->id, json_str(row, "variant_key",
	    ""), json_str(row, "artifact", ""), &jitter, &differs) ==
	    STORE_OK)
		cJSON_AddNumberToObject(row, "jitter", (double)jitter);
	else {
		cJSON_AddNullToObject(row, "jitter");
		differs = 0;
	}
	cJSON_AddBoolToObject(row, "nondeterministic", differs);
}

/*
 * Adds to every row of a list of regressions its causes, whether a
 * justification accepts it and what verify found of its variant; returns
 * how many wait for an unstripped twin.
 */
int
track_causes(struct track *t, const struct tracked_project *p, cJSON *rows,
    int queue)
{
	cJSON	*row;
	int	 waiting = 0;

	cJSON_ArrayForEach(row, rows) {
		waiting += track_cause(t, p, row, queue);
		track_accepted(t, p, row, 0);
		track_jitter(t, p, row);
	}
	return (waiting);
}

/*
 * One line of a regression's top causes: "crate serde +12.3 KiB, fn
 * app::render +2.1 KiB", or NULL when it has none.
 */
char *
track_cause_line(const cJSON *row)
{
	const cJSON	*causes, *c;
	struct buf	 b;
	int		 n;

	causes = cJSON_GetObjectItemCaseSensitive(row, "causes");
	if (!cJSON_IsObject(causes))
		return (NULL);
	buf_init(&b);
	n = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(causes,
	    "crates")) {
		if (n++ == 3)
			break;
		buf_printf(&b, "%scrate %s +%lld B", b.len ? ", " : "",
		    json_str(c, "name", "?"), (long long)json_int(c, "delta",
		    0));
	}
	n = 0;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(causes,
	    "symbols")) {
		if (n++ == 3)
			break;
		buf_printf(&b, "%s%s +%lld B", b.len ? ", " : "",
		    json_str(c, "name", "?"), (long long)json_int(c, "delta",
		    0));
	}
	if (b.len == 0) {
		buf_free(&b);
		return (NULL);
	}
	return (b.data);
}

/* Returns the value of a trailer (key compared as git does) or NULL. */
static char *
track_trailer_value(const char *trailers, const char *key)
{
	const char	*p, *end;
	size_t		 klen = strlen(key);

	for (p = trailers; p != NULL && *p != '\0'; p = end) {
		end = p + strcspn(p, "\x1e");
		if ((size_t)(end - p) > klen + 1 &&
		    strncasecmp(p, key, klen) == 0 && p[klen] == ':') {
			p += klen + 1;
			p += strspn(p, " \t");
			return (xstrndup(p, (size_t)(end - p)));
		}
		if (*end == '\x1e')
			end++;
	}
	return (NULL);
}

/*
 * Adds "accepted" to a regression or a comparison's row: {"text",
 * "commit"} when a commit it covers carries the project's justification
 * trailer (Size-Justification: by default), else null. A regression covers
 * its culprit, or every commit of its range (after base_commit, up to
 * commit); with head_only, only commit (a check's head).
 */
void
track_accepted(struct track *t, const struct tracked_project *p, cJSON *row,
    int head_only)
{
	const char	*key = p->trailer != NULL ? p->trailer :
			    TRACK_DEFAULT_TRAILER;
	const char	*base = json_str(row, "base_commit", "");
	char		*at, *parent, *trailers, *text = NULL;
	int		 steps = 0;

	cJSON_DeleteItemFromObjectCaseSensitive(row, "accepted");
	at = *key != '\0' ? xstrdup(json_str(row, "commit", "")) : NULL;
	while (at != NULL && *at != '\0' && strcmp(at, base) != 0 &&
	    steps++ < 10000 && store_commit_trailers(t->store, p->id, at,
	    &parent, &trailers) == STORE_OK) {
		text = track_trailer_value(trailers, key);
		free(trailers);
		if (text != NULL || head_only) {
			free(parent);
			break;
		}
		free(at);
		at = parent;
	}
	if (text != NULL) {
		cJSON	*o = cJSON_AddObjectToObject(row, "accepted");

		cJSON_AddStringToObject(o, "text", text);
		cJSON_AddStringToObject(o, "commit", at);
		free(text);
	} else
		cJSON_AddNullToObject(row, "accepted");
	free(at);
}
