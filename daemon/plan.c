/*
 * Planning a run: checks each variant against the daemon's toolchains and
 * records the run with its queued builds. The API, the schedules, checks
 * and bisections all queue their runs through here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/* Sets an error: an HTTP status, a code and a message. */
void
plan_error(struct plan_error *e, int status, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;

	free(e->message);
	e->status = status;
	e->code = code;
	va_start(ap, fmt);
	if (vasprintf(&e->message, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
}

/* Frees an error's message. */
void
plan_error_clear(struct plan_error *e)
{
	free(e->message);
	memset(e, 0, sizeof *e);
}

/*
 * Sets *known to whether a toolchain is this daemon's, or a live daemon's
 * that builds and shares its store. 0, or -1 when the database failed.
 */
int
plan_toolchain_known(const struct planner *p, const char *name, int *known)
{
	char	*caps;

	*known = toolchains_find(p->toolchains, name) != NULL;
	if (*known)
		return (0);
	if (store_fleet_caps(p->store, &caps) != 0)
		return (-1);
	*known = toolchain_caps_has(caps, name, "");
	free(caps);
	return (0);
}

/*
 * Whether one daemon's caps can build variant v with toolchain name: 0,
 * with *bootstrap set as plan_check_variant sets it; -1 with the error.
 */
static int
plan_check_caps(const struct planner *p, const char *caps,
    const struct variant *v, const char *key, const char *name,
    int opted_in, int *bootstrap, struct plan_error *err)
{
	const char	*target = variant_get(v, "target");
	char		*triple;
	int		 has;

	*bootstrap = 0;
	if (target != NULL && variant_get(v, "build-std") == NULL &&
	    !toolchain_caps_has(caps, name, "/any")) {
		xasprintf(&triple, "/%s", target);
		has = toolchain_caps_has(caps, name, triple);
		free(triple);
		if (!has) {
			plan_error(err, 400, "missing_target", "variant %s: "
			    "toolchain %s has no standard library for %s here "
			    "nor on the daemons sharing the store that have it;"
			    " install it, or build it from source with "
			    "\"build-std\"", key, name, target);
			return (-1);
		}
	}
	if (variant_unstable(v) && !toolchain_caps_has(caps, name,
	    "!nightly")) {
		if (!opted_in && p->unstable == NULL &&
		    !toolchain_caps_has(caps, name, "!bootstrap")) {
			plan_error(err, 400, "needs_nightly", "variant %s uses "
			    "unstable options, and toolchain %s is not a "
			    "nightly on the daemons that have it. Either build "
			    "with a nightly toolchain, or opt in to "
			    "RUSTC_BOOTSTRAP=1 with \"unstable\": \"bootstrap\" "
			    "in the matrix, the toolchain's definition or the "
			    "daemon's config", key, name);
			return (-1);
		}
		*bootstrap = 1;
	}
	return (0);
}

/*
 * Checks a variant this daemon cannot build itself against what each
 * other daemon sharing its store can (toolchains_caps): 0 when one can,
 * with *bootstrap set as that daemon's toolchain needs; -1 with the error
 * when those with the toolchain cannot build the variant, or the database
 * failed; 1 when none has the toolchain (or the store is this daemon's
 * alone).
 */
static int
plan_check_fleet(const struct planner *p, const struct variant *v,
    const char *key, const char *name, int opted_in, int *bootstrap,
    struct plan_error *err)
{
	char	*all, *rest, *caps;
	int	 rc = 1;

	*bootstrap = 0;
	if (store_fleet_caps(p->store, &all) != 0) {
		plan_error(err, 500, "database", "cannot read what the daemons "
		    "sharing the store can build (the daemon's log says why)");
		return (-1);
	}
	rest = all;
	while (rc != 0 && (caps = strsep(&rest, "\n")) != NULL) {
		if (!toolchain_caps_has(caps, name, ""))
			continue;
		rc = plan_check_caps(p, caps, v, key, name, opted_in,
		    bootstrap, err);
	}
	free(all);
	if (rc == 0)
		plan_error_clear(err);	/* another daemon could not */
	return (rc);
}

/*
 * Checks one variant against the daemon's toolchains: the toolchain is
 * known, unstable options have a nightly or an opt-in, the target has a
 * standard library. A toolchain or target this daemon lacks may be the
 * other daemons' sharing its store (plan_check_fleet): they build it.
 * Sets *bootstrap when the build needs RUSTC_BOOTSTRAP.
 */
static int
plan_check_variant(const struct planner *p, const struct variant *v,
    int opted_in, int *bootstrap, struct plan_error *err)
{
	const struct toolchain	*tc;
	const char		*name, *target;
	char			*key, *names, *why;
	int			 rc = -1;

	*bootstrap = 0;
	key = variant_key(v);
	if (variant_check(v, &why) != 0) {
		plan_error(err, 400, "invalid_matrix", "variant %s: %s", key,
		    why);
		free(why);
		goto out;
	}
	name = variant_get(v, "toolchain");
	if ((tc = toolchains_find(p->toolchains, name)) == NULL) {
		if ((rc = plan_check_fleet(p, v, key, name != NULL ? name :
		    "default", opted_in, bootstrap, err)) != 1)
			goto out;
		rc = -1;
		names = toolchains_names(p->toolchains);
		plan_error(err, 400, "unknown_toolchain", "variant %s: "
		    "toolchain \"%s\" is not known to this daemon%s; known: %s "
		    "('sizemat toolchains' lists them; define others in the "
		    "daemon's config under \"toolchains\")", key,
		    name != NULL ? name : "default", store_shared(p->store) ?
		    " nor to a live daemon sharing its store" : "", names);
		free(names);
		goto out;
	}
	if (tc->problem != NULL) {
		/* Others may build it; if none does, it is unavailable. */
		if ((rc = plan_check_fleet(p, v, key, tc->name, opted_in,
		    bootstrap, err)) == 1)
			rc = 0;
		goto out;
	}
	target = variant_get(v, "target");
	if (target != NULL && variant_get(v, "build-std") == NULL &&
	    !toolchain_has_target(tc, target)) {
		if ((rc = plan_check_fleet(p, v, key, tc->name, opted_in,
		    bootstrap, err)) != 1)
			goto out;
		rc = -1;
		plan_error(err, 400, "missing_target", "variant %s: toolchain "
		    "%s has no standard library for %s; %s, or build it from "
		    "source with \"build-std\"", key, tc->name, target,
		    tc->rustup != NULL ? "add it with 'rustup target add' for "
		    "that toolchain" : "install that target's standard "
		    "library");
		goto out;
	}
	if (variant_unstable(v) && !tc->id.nightly) {
		if (!opted_in && !tc->bootstrap && p->unstable == NULL) {
			plan_error(err, 400, "needs_nightly", "variant %s uses "
			    "unstable options, and toolchain %s is %s, not a "
			    "nightly. Either build with a nightly toolchain "
			    "(--toolchain NAME, 'sizemat toolchains' lists "
			    "them), or opt in to RUSTC_BOOTSTRAP=1 with "
			    "\"unstable\": \"bootstrap\" in the matrix, the "
			    "toolchain's definition or the daemon's config",
			    key, tc->name, tc->id.version);
			goto out;
		}
		*bootstrap = 1;
	}
	rc = 0;
out:
	free(key);
	return (rc);
}

/*
 * Spells a variant's features as cargo reads them for the package it
 * builds (its "package", else the project's own: a path project's root
 * package, a tracked project's at its branch head): "PKG/feat" is "feat"
 * there, so that both spellings are one variant.
 */
static void
plan_own_features(struct variant *v, const char *root)
{
	const char	*features = variant_get(v, "features");
	const char	*pkg = variant_get(v, "package"), *f;
	cJSON		*list;
	char		*name, *value, *cause;
	size_t		 len, plen;
	int		 changed = 0;

	if (pkg == NULL)
		pkg = root;
	if (features == NULL || pkg == NULL)
		return;
	plen = strlen(pkg);
	list = cJSON_CreateArray();
	for (f = features; *f != '\0'; f += len) {
		f += strspn(f, ",");
		if ((len = strcspn(f, ",")) == 0)
			continue;
		name = xstrndup(f, len);
		if (strncmp(name, pkg, plen) == 0 && name[plen] == '/') {
			cJSON_AddItemToArray(list, cJSON_CreateString(name +
			    plen + 1));
			changed = 1;
		} else
			cJSON_AddItemToArray(list, cJSON_CreateString(name));
		free(name);
	}
	if (changed && variant_normalise("features", list, &value,
	    &cause) == 0) {
		variant_set(v, "features", value);
		free(value);
	} else if (changed)
		free(cause);
	cJSON_Delete(list);
}

/*
 * Makes a variant's key canonical: toolchain "default" is dropped, and so
 * is, in a path project's run, a rustup toolchain that is the same rustc
 * as the default one (rustup's "stable", usually); features are spelled
 * for the package built. A tracked project keeps the toolchain it names:
 * its series must not change key when that toolchain moves on.
 */
static void
plan_canonical(const struct planner *p, const struct run_plan *run,
    const char *package, struct variant *v)
{
	const struct toolchain	*tc;
	const char		*name = variant_get(v, "toolchain");

	tc = name != NULL ? toolchains_find(p->toolchains, name) : NULL;
	if (name != NULL && (strcmp(name, "default") == 0 ||
	    (run->project_id == 0 && tc != NULL &&
	    strcmp(tc->origin, "rustup") == 0 && toolchain_same(tc,
	    toolchains_find(p->toolchains, NULL)))))
		variant_unset(v, "toolchain");
	plan_own_features(v, package);
}

/*
 * How long a build of a variant is expected to take when the project has
 * no recorded wall time for it (the store uses the recorded one), for
 * starting the longest first: a rule, in units far below any recorded
 * time so that the builds measured before keep their order: build-std 8,
 * fat LTO 4, codegen-units=1 2, thin LTO 1, added up.
 */
static int64_t
plan_expected_ms(const struct variant *v)
{
	const char	*lto = variant_get(v, "lto");
	const char	*cgu = variant_get(v, "codegen-units");
	int64_t		 ms = 0;

	if (variant_get(v, "build-std") != NULL)
		ms += 8;
	if (lto != NULL && (strcmp(lto, "fat") == 0 || strcmp(lto,
	    "true") == 0))
		ms += 4;
	else if (lto != NULL && strcmp(lto, "thin") == 0)
		ms += 1;
	if (cgu != NULL && strcmp(cgu, "1") == 0)
		ms += 2;
	return (ms);
}

/*
 * Checks variants against the daemon and queues them as one run, each
 * under its canonical key (plan_canonical); a variant whose key is one
 * already queued is the same build, queued once. Returns -1 with the
 * error when one cannot be built here.
 */
int
plan_queue(const struct planner *p, const struct run_plan *run,
    struct variant *vars, const char *const *steps, char *const *posts,
    size_t n, int opted_in, int64_t *id, struct plan_error *err)
{
	struct build_plan	*plans;
	struct tracked_project	 tp;
	char			*key, **keys, *cause;
	size_t			 i, j, m = 0;
	int			 rc = -1;

	/* A tracked project's package is the one at its branch head. */
	memset(&tp, 0, sizeof tp);
	if (run->project_id != 0 && run->package == NULL)
		store_project_by_id(p->store, run->project_id, &tp);
	plans = xcalloc(n, sizeof *plans);
	keys = xcalloc(n, sizeof *keys);
	for (i = 0; i < n; i++) {
		plan_canonical(p, run, run->package != NULL ? run->package :
		    tp.package, &vars[i]);
		key = variant_key(&vars[i]);
		for (j = 0; j < m && strcmp(keys[j], key) != 0; j++)
			;
		if (j < m) {
			free(key);
			continue;
		}
		if (plan_check_variant(p, &vars[i], opted_in,
		    &plans[m].bootstrap, err) != 0) {
			free(key);
			goto out;
		}
		plans[m].variant = &vars[i];
		plans[m].step = steps != NULL ? steps[i] : NULL;
		plans[m].post = posts != NULL ? posts[i] : NULL;
		plans[m].target_dir = run->fresh ?
		    builder_fresh_target_dir(p->workdir, run->project, key) :
		    builder_target_dir(p->workdir, run->project, key);
		plans[m].expected_ms = plan_expected_ms(&vars[i]);
		keys[m++] = key;
	}
	if (store_run_create(p->store, run, plans, m, id, &cause) != 0) {
		plan_error(err, 500, "database", "%s", cause);
		free(cause);
		goto out;
	}
	queue_kick(p->queue);
	if (run->rev != NULL && p->prepare != NULL)
		p->prepare(p->prepare_arg);
	rc = 0;
out:
	for (i = 0; i < m; i++) {
		free(plans[i].target_dir);
		free(keys[i]);
	}
	free(plans);
	free(keys);
	tracked_project_clear(&tp);
	return (rc);
}

/*
 * Expands a matrix into its variants with the run-wide settings of over on
 * top, and queues them.
 */
int
plan_queue_matrix(const struct planner *p, struct run_plan *run,
    const struct matrix *m, const struct variant *over, int64_t *id,
    struct plan_error *err)
{
	return (plan_queue_variants(p, run, m, NULL, 0, over, id, err));
}

/*
 * Queues variants of an axes or ladder matrix as one run, with the
 * run-wide settings of over on top: all of them (only NULL), each with
 * its ladder step and post steps; or the n variants of only (points of an
 * axes matrix a search picked), with the matrix's post steps.
 */
int
plan_queue_variants(const struct planner *p, struct run_plan *run,
    const struct matrix *m, const struct variant *only, size_t n,
    const struct variant *over, int64_t *id, struct plan_error *err)
{
	struct variant	*vars;
	const char	**steps;
	char		**posts, *source;
	size_t		 i, j;
	int		 rc;

	if (only == NULL)
		n = matrix_count(m);
	vars = xcalloc(n, sizeof *vars);
	steps = xcalloc(n, sizeof *steps);
	posts = xcalloc(n, sizeof *posts);
	for (i = 0; i < n; i++) {
		variant_init(&vars[i]);
		variant_copy(&vars[i], only != NULL ? &only[i] :
		    matrix_variant(m, i));
		for (j = 0; over != NULL && j < over->n; j++)
			variant_set(&vars[i], over->key[j], over->value[j]);
		steps[i] = only != NULL ? NULL : matrix_step(m, i);
		posts[i] = matrix_post_steps(m, only != NULL ? 0 : i);
	}
	source = matrix_source_json(m);
	run->matrix = matrix_name(m);
	run->shape = matrix_shape(m);
	run->timeout_s = matrix_timeout(m);
	run->verify = matrix_verify(m);
	/* A run's own benchmark (run --bench) takes the matrix's place. */
	if (run->bench == NULL)
		run->bench = matrix_bench(m);
	run->source = source;
	rc = plan_queue(p, run, vars, steps, posts, n, matrix_bootstrap(m), id,
	    err);
	run->source = NULL;
	free(source);
	for (i = 0; i < n; i++) {
		free(posts[i]);
		variant_clear(&vars[i]);
	}
	free(vars);
	free(steps);
	free(posts);
	return (rc);
}

/*
 * Checks every variant of a matrix, with over on top, as a run of it
 * would be checked; for a search, which builds some of them later.
 */
int
plan_check_matrix(const struct planner *p, const struct matrix *m,
    const struct variant *over, struct plan_error *err)
{
	struct variant	 v;
	size_t		 i, j;
	int		 bootstrap, rc = 0;

	variant_init(&v);
	for (i = 0; i < matrix_count(m) && rc == 0; i++) {
		variant_copy(&v, matrix_variant(m, i));
		for (j = 0; j < over->n; j++)
			variant_set(&v, over->key[j], over->value[j]);
		rc = plan_check_variant(p, &v, matrix_bootstrap(m), &bootstrap,
		    err);
	}
	variant_clear(&v);
	return (rc);
}

/*
 * The reuse rule: a variant (its key, and its toolchain's name) at a
 * commit of a tracked project may take the latest done build of the same
 * variant there made by the rustc its toolchain has now, instead of being
 * built. A toolchain that cannot build says nothing about its version: the
 * variant is built, and the build reports why not. STORE_OK with the
 * build's id, STORE_NOT_FOUND when it must be built.
 */
enum store_result
plan_reusable(const struct planner *p, int64_t project_id, const char *commit,
    const char *key, const char *toolchain, int64_t *build)
{
	const struct toolchain	*tc;

	*build = 0;
	tc = toolchains_find(p->toolchains, toolchain != NULL ? toolchain :
	    "default");
	if (tc == NULL || tc->problem != NULL || tc->id.version == NULL)
		return (STORE_NOT_FOUND);
	return (store_build_done_with(p->store, project_id, commit, key,
	    tc->id.version, build));
}

/*
 * The reuse rule as the store asks it when a run's commit is resolved
 * (struct reuse_rule; arg is the planner): a forced run builds anew.
 */
int64_t
plan_reuse_from(struct store *st, const struct queued_build *b,
    const void *arg)
{
	int64_t	 id;

	(void)st;
	if (b->forced)
		return (0);
	switch (plan_reusable(arg, b->project_id, b->commit, b->variant_key,
	    json_str(b->settings, "toolchain", NULL), &id)) {
	case STORE_OK:
		return (id);
	case STORE_NOT_FOUND:
		return (0);
	default:
		return (-1);
	}
}

/*
 * The key a variant is queued under in a run (plan_canonical): the
 * variant is changed to its canonical form. The caller frees the key.
 */
char *
plan_variant_key(const struct planner *p, const struct run_plan *run,
    struct variant *v)
{
	plan_canonical(p, run, run->package, v);
	return (variant_key(v));
}

/*
 * Loads a tracked project's matrix: a name from the profiles directory,
 * or the JSON of a matrix given when the project was added. NULL text is
 * "default".
 */
int
plan_matrix(const struct planner *p, const char *text, struct matrix **m,
    char **cause)
{
	cJSON	*doc;

	if (text == NULL || *text != '{')
		return (matrix_find(p->profiles, text != NULL ? text :
		    "default", p->max_builds, m, cause));
	if ((doc = cJSON_Parse(text)) == NULL) {
		*cause = xstrdup("the project's matrix is not valid JSON");
		return (-1);
	}
	*m = matrix_parse(doc, "the project's matrix", p->max_builds, cause);
	cJSON_Delete(doc);
	return (*m != NULL ? 0 : -1);
}
