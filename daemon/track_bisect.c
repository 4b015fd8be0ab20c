/*
 * Bisections on the loop: once git has listed a bisection's commits,
 * each step picks the next commit to measure, queues its build and,
 * when the answer is known, records the culprit.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"
#include "track_private.h"

/* Commits a bisection works through, as an array of ids. */
struct track_bisect_look {
	struct store	*store;
	int64_t		 project_id;
	const cJSON	*commits;
	int64_t		 variant_id;
	const char	*artifact;
};

static enum commit_outcome
track_bisect_look(size_t i, int64_t *size, void *arg)
{
	struct track_bisect_look	*l = arg;

	return (store_commit_outcome(l->store, l->project_id,
	    cJSON_GetStringValue(cJSON_GetArrayItem(l->commits, (int)i)),
	    l->variant_id, l->artifact, size));
}

/* The answer of a bisection, as stored and shown. */
static cJSON *
track_bisect_result(struct track *t, const cJSON *doc, int64_t project_id,
    const struct bisect_step *s)
{
	const cJSON	*commits = cJSON_GetObjectItemCaseSensitive(doc,
			    "commits");
	cJSON		*r, *skipped;
	size_t		 i;

	r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "culprit", store_commit_json(t->store,
	    project_id, cJSON_GetStringValue(cJSON_GetArrayItem(commits,
	    (int)s->index))));
	cJSON_AddItemToObject(r, "base", store_commit_json(t->store,
	    project_id, cJSON_GetStringValue(cJSON_GetArrayItem(commits,
	    (int)s->base))));
	cJSON_AddNumberToObject(r, "base_size", (double)s->base_size);
	cJSON_AddNumberToObject(r, "size", (double)s->size);
	cJSON_AddNumberToObject(r, "bytes", (double)(s->size - s->base_size));
	cJSON_AddNumberToObject(r, "percent", s->base_size > 0 ?
	    (double)(s->size - s->base_size) * 100.0 / (double)s->base_size :
	    0);
	skipped = cJSON_AddArrayToObject(r, "skipped");
	for (i = 0; s->skipped != NULL && i < (size_t)cJSON_GetArraySize(
	    commits); i++) {
		if (s->skipped[i])
			cJSON_AddItemToArray(skipped, store_commit_json(
			    t->store, project_id, cJSON_GetStringValue(
			    cJSON_GetArrayItem(commits, (int)i))));
	}
	cJSON_AddNumberToObject(r, "commits", cJSON_GetArraySize(commits));
	return (r);
}

/*
 * A bisection started before anything was measured, with no variant
 * named: the project's matrix is measured at good first, and the smallest
 * variant there is bisected. Returns 1 once it has a variant, 0 while it
 * waits; a good commit where nothing builds ends it.
 */
static int
track_bisect_seed(struct track *t, int64_t id, const cJSON *doc,
    const struct tracked_project *p)
{
	struct matrix		*m;
	struct variant		 over;
	struct run_plan		 run;
	struct plan_error	 err = { 0, NULL, NULL };
	const char		*good = json_str(doc, "good", "");
	char			*cause;
	int64_t			 run_id;
	int			 runs, rc;

	/* Every variant at good first, so the smallest is the smallest. */
	if (store_commit_pending(t->store, p->id, good))
		return (0);
	if ((rc = store_bisection_seed(t->store, id, &runs)) != 0)
		return (rc);
	if (runs > 0) {
		store_bisection_finish(t->store, id, "failed", NULL, "no "
		    "variant of the project's matrix builds at the good "
		    "commit; give --good a commit that builds");
		return (0);
	}
	if (plan_matrix(t->planner, p->matrix, &m, &cause) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL, cause);
		free(cause);
		return (0);
	}
	memset(&run, 0, sizeof run);
	run.project = p->path;
	run.project_id = p->id;
	run.rev = good;
	run.kind = "bisect";
	run.bisection_id = id;
	variant_init(&over);
	if (p->toolchain != NULL)
		variant_set(&over, "toolchain", p->toolchain);
	if (plan_queue_matrix(t->planner, &run, m, &over, &run_id,
	    &err) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL,
		    err.message);
		plan_error_clear(&err);
	} else
		log_info("bisection %lld: run %lld measures the matrix at "
		    "good %.12s to pick the smallest variant", (long long)id,
		    (long long)run_id, good);
	variant_clear(&over);
	matrix_free(m);
	return (0);
}

/* Tells whether the project's matrix opts in to RUSTC_BOOTSTRAP. */
static int
track_bootstrap(struct track *t, const struct tracked_project *p)
{
	struct matrix	*m;
	char		*cause;
	int		 bootstrap;

	if (plan_matrix(t->planner, p->matrix, &m, &cause) != 0) {
		free(cause);
		return (0);
	}
	bootstrap = matrix_bootstrap(m);
	matrix_free(m);
	return (bootstrap);
}

/* Queues a bisection's probe: its variant built at a commit. */
static void
track_bisect_probe(struct track *t, int64_t id,
    const struct tracked_project *p, const char *key, const char *commit)
{
	struct variant		 v;
	struct run_plan		 run;
	struct plan_error	 err = { 0, NULL, NULL };
	char			*cause, *source;
	int64_t			 run_id;

	if (variant_parse_key(key, &v, &cause) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL, cause);
		free(cause);
		return;
	}
	memset(&run, 0, sizeof run);
	run.project = p->path;
	run.project_id = p->id;
	run.matrix = "bisect";
	run.shape = "axes";
	xasprintf(&source, "{\"bisection\":%lld}", (long long)id);
	run.source = source;
	run.rev = commit;
	run.kind = "bisect";
	run.bisection_id = id;
	if (plan_queue(t->planner, &run, &v, NULL, NULL, 1,
	    track_bootstrap(t, p), &run_id, &err) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL,
		    err.message);
		plan_error_clear(&err);
	} else
		log_info("bisection %lld: run %lld builds %.12s",
		    (long long)id, (long long)run_id, commit);
	free(source);
	variant_clear(&v);
}

/* Adds name to list unless it is there. */
static void
track_add_once(struct strlist *list, const char *name)
{
	size_t	 i;

	for (i = 0; i < list->n; i++) {
		if (strcmp(list->v[i], name) == 0)
			return;
	}
	strlist_add(list, name);
}

/* Tells whether an artifact grew past the limit from good to bad. */
static int
track_crossed(const cJSON *good, const cJSON *bad, const char *name,
    const struct size_limit *lim)
{
	const cJSON	*g = cJSON_GetObjectItemCaseSensitive(good, name);
	const cJSON	*b = cJSON_GetObjectItemCaseSensitive(bad, name);

	return (cJSON_IsNumber(g) && cJSON_IsNumber(b) && limit_exceeded(lim,
	    (int64_t)g->valuedouble, (int64_t)b->valuedouble));
}

/*
 * Chooses what a bisection started without an artifact bisects, once its
 * variant is built at good and, when it makes several artifacts, at bad
 * (INTERFACE.md): every artifact that grew past the threshold, the default
 * artifact first; when none did, the default (else the first), whose
 * bisection then says so. Returns 1 to go on (chosen, or good is not
 * built yet: the search builds it first), 0 while it waits for bad.
 */
static int
track_bisect_choose(struct track *t, int64_t id, const cJSON *doc,
    const struct tracked_project *p, const struct size_limit *lim)
{
	const cJSON		*commits, *e;
	const char		*bad;
	struct strlist		 names = { NULL, 0 };
	enum commit_outcome	 out;
	cJSON			*good_sizes, *bad_sizes = NULL;
	char			*good_default, *bad_default = NULL;
	int64_t			 variant_id = json_int(doc, "variant_id", 0);
	int			 rc = 1;

	commits = cJSON_GetObjectItemCaseSensitive(doc, "commits");
	bad = cJSON_GetStringValue(cJSON_GetArrayItem(commits,
	    cJSON_GetArraySize(commits) - 1));
	if (store_commit_artifacts(t->store, p->id, cJSON_GetStringValue(
	    cJSON_GetArrayItem(commits, 0)), variant_id, &good_sizes,
	    &good_default) != OUTCOME_DONE || bad == NULL)
		goto out;
	/* One artifact: that one, and bad is built only if the answer needs it. */
	if (cJSON_GetArraySize(good_sizes) == 1) {
		strlist_add(&names, good_sizes->child->string);
		store_bisection_choose(t->store, id, &names);
		goto out;
	}
	out = store_commit_artifacts(t->store, p->id, bad, variant_id,
	    &bad_sizes, &bad_default);
	if (out == OUTCOME_NONE || out == OUTCOME_PENDING) {
		if (out == OUTCOME_NONE)
			track_bisect_probe(t, id, p, json_str(doc,
			    "variant_key", ""), bad);
		rc = 0;
		goto out;
	}
	if (good_default != NULL && track_crossed(good_sizes, bad_sizes,
	    good_default, lim))
		track_add_once(&names, good_default);
	cJSON_ArrayForEach(e, good_sizes) {
		if (track_crossed(good_sizes, bad_sizes, e->string, lim))
			track_add_once(&names, e->string);
	}
	if (names.n == 0 && good_default != NULL)
		strlist_add(&names, good_default);
	else if (names.n == 0 && cJSON_GetArraySize(good_sizes) > 0)
		strlist_add(&names, good_sizes->child->string);
	if (names.n > 0 && store_bisection_choose(t->store, id, &names) == 0 &&
	    names.n > 1)
		log_info("bisection %lld: %zu artifacts grew past %s; each is "
		    "bisected", (long long)id, names.n, json_str(doc,
		    "threshold", ""));
out:
	strlist_free(&names);
	cJSON_Delete(good_sizes);
	cJSON_Delete(bad_sizes);
	free(good_default);
	free(bad_default);
	return (rc);
}

/* Moves a running bisection on: queues its next probe, or ends it. */
void
track_bisect(struct track *t, int64_t id)
{
	struct track_bisect_look l;
	struct bisect_step	 s;
	struct tracked_project	 p;
	struct size_limit	 lim;
	const cJSON		*also;
	cJSON			*doc, *result;
	const char		*key, *commit, *state;
	char			*cause;

	if ((doc = store_bisection_document(t->store, id)) == NULL)
		return;
	state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc,
	    "state"));
	memset(&p, 0, sizeof p);
	if (state == NULL || strcmp(state, "running") != 0 ||
	    store_project_by_id(t->store, (int64_t)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(doc, "project_id")), &p) != 1) {
		cJSON_Delete(doc);
		return;
	}
	if (limit_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    doc, "threshold")), &lim, &cause) != 0) {
		store_bisection_finish(t->store, id, "failed", NULL, cause);
		free(cause);
		goto out;
	}
	if (json_int(doc, "variant_id", 0) == 0) {
		if (track_bisect_seed(t, id, doc, &p) != 1)
			goto out;
		cJSON_Delete(doc);
		if ((doc = store_bisection_document(t->store, id)) == NULL)
			goto out;
	}
	/* Without an artifact: those that crossed, once good and bad are. */
	if (strcmp(json_str(doc, "artifact", ""), "") == 0) {
		if (track_bisect_choose(t, id, doc, &p, &lim) != 1)
			goto out;
		cJSON_Delete(doc);
		if ((doc = store_bisection_document(t->store, id)) == NULL)
			goto out;
		cJSON_ArrayForEach(also, cJSON_GetObjectItemCaseSensitive(doc,
		    "also"))
			track_bisect(t, (int64_t)also->valuedouble);
	}
	l.store = t->store;
	l.project_id = p.id;
	l.commits = cJSON_GetObjectItemCaseSensitive(doc, "commits");
	l.variant_id = (int64_t)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(doc, "variant_id"));
	l.artifact = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc,
	    "artifact"));
	key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc,
	    "variant_key"));
	bisect_replay((size_t)cJSON_GetArraySize(l.commits), &lim,
	    track_bisect_look, &l, &s);
	commit = cJSON_GetStringValue(cJSON_GetArrayItem(l.commits,
	    (int)s.index));
	switch (s.what) {
	case BISECT_WAIT:
		break;
	case BISECT_BUILD:
		track_bisect_probe(t, id, &p, key, commit);
		break;
	case BISECT_FOUND:
		result = track_bisect_result(t, doc, p.id, &s);
		store_bisection_finish(t->store, id, "done", result, NULL);
		cJSON_Delete(result);
		log_info("bisection %lld: %.12s is the first commit over the "
		    "threshold", (long long)id, commit);
		if (store_regression_add(t->store, p.id, commit,
		    cJSON_GetStringValue(cJSON_GetArrayItem(l.commits,
		    (int)s.base)), l.variant_id, l.artifact, s.base_size,
		    s.size, cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(doc, "threshold")),
		    "bisect") > 0 && p.name != NULL)
			track_alerts(t, &p);
		break;
	case BISECT_NONE:
		result = cJSON_CreateObject();
		cJSON_AddNullToObject(result, "culprit");
		store_bisection_finish(t->store, id, "done", result,
		    s.message);
		cJSON_Delete(result);
		log_info("bisection %lld: no culprit: %s", (long long)id,
		    s.message);
		break;
	case BISECT_ERROR:
		store_bisection_finish(t->store, id, "failed", NULL,
		    s.message);
		log_info("bisection %lld: %s", (long long)id, s.message);
		break;
	}
	bisect_step_clear(&s);
out:
	tracked_project_clear(&p);
	cJSON_Delete(doc);
}

/* Moves every running bisection on. */
void
track_bisect_all(struct track *t)
{
	int64_t	*ids;
	size_t	 n, i;

	store_bisections_running(t->store, &ids, &n);
	for (i = 0; i < n; i++)
		track_bisect(t, ids[i]);
	free(ids);
}
