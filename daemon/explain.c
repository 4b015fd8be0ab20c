/*
 * What each setting buys: for one variant of a run (the smallest, or one
 * named), undo each of its settings alone and compare with that neighbour's
 * size, using the builds the project already has. Neighbours that were
 * never built are handed back to be queued as a run linked to this one.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/* Settings that say what is built or with what, not how: never undone. */
static const char *const explain_fixed[] = { "toolchain", "target",
    "package", "bin", "example", "profile", NULL };

/* Tells whether a key is one explain never undoes. */
static int
explain_is_fixed(const char *key)
{
	const char *const	*k;

	for (k = explain_fixed; *k != NULL; k++) {
		if (strcmp(*k, key) == 0)
			return (1);
	}
	return (0);
}

/*
 * Makes n the neighbour of variant v without its setting i. A profile key
 * is set explicitly to the value the project would otherwise get (what its
 * own profile says, else Cargo's default), or to Cargo's default where the
 * project already has v's value: dropping the key would fall back on the
 * project's value and compare a setting with itself. Other settings are
 * dropped. project is what the project's profile sets, or NULL when the
 * build's unit graph was not read; effective is the build's effective
 * profile (Cargo's default strip follows its debug). Returns where the
 * neighbour's value
 * comes from ("project", "cargo-default" or "unset"), or NULL when the
 * project and Cargo both give v's value: there is nothing to compare.
 */
static const char *
explain_neighbour(const struct variant *v, size_t i, const cJSON *project,
    const cJSON *effective, struct variant *n)
{
	const char	*key = v->key[i], *own, *def;
	const char	*value = units_value(key, v->value[i]);

	variant_init(n);
	variant_copy(n, v);
	if (project == NULL || !variant_is_profile_key(key) ||
	    (def = units_cargo_default(key, effective != NULL ? effective :
	    project)) == NULL) {
		variant_unset(n, key);
		return ("unset");
	}
	own = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(project,
	    key));
	if (own != NULL && strcmp(own, value) != 0) {
		variant_set(n, key, own);
		return ("project");
	}
	if (strcmp(def, value) != 0) {
		variant_set(n, key, def);
		return ("cargo-default");
	}
	return (NULL);
}

/* Returns a build's artifact of that name, or NULL. */
static const cJSON *
explain_artifact(const cJSON *build, const char *name)
{
	const cJSON	*a;

	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(build,
	    "artifacts")) {
		if (strcmp(json_str(a, "name", ""), name) == 0)
			return (a);
	}
	return (NULL);
}

/*
 * Returns the artifact to explain: the one named, else the run's default
 * (INTERFACE.md: default-run, else the binary named like the package, else
 * the only one); NULL with a 409 and the names when several remain.
 */
static const char *
explain_which(const cJSON *doc, const char *named, int *status, char **cause)
{
	const cJSON	*b, *a;
	const char	*name, *only = NULL;
	struct strlist	 seen = { NULL, 0 };
	struct buf	 names;
	size_t		 i;

	if (named != NULL)
		return (named);
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds")) {
		if ((name = json_str(b, "default_artifact", NULL)) != NULL)
			return (name);
	}
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds")) {
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(b,
		    "artifacts")) {
			name = json_str(a, "name", "");
			for (i = 0; i < seen.n && strcmp(seen.v[i], name); i++)
				;
			if (i < seen.n)
				continue;
			strlist_add(&seen, name);
			if (only == NULL)
				only = name;
		}
	}
	*status = 409;
	if (seen.n == 0)
		*cause = xstrdup("the run has no done build to explain");
	else if (seen.n > 1) {
		buf_init(&names);
		for (i = 0; i < seen.n; i++)
			buf_printf(&names, "%s%s", i ? ", " : "", seen.v[i]);
		xasprintf(cause, "the run makes several artifacts (%s) and none "
		    "is its default (no default-run, none named like its "
		    "package); choose one with --artifact", names.data);
		buf_free(&names);
		only = NULL;
	}
	strlist_free(&seen);
	return (only);
}

/*
 * Picks the build to explain: the one the selector names (a full key, a
 * subset of key=value pairs, or a step name, matching exactly one done
 * build), else the smallest done build of the artifact.
 */
static const cJSON *
explain_pick(const cJSON *doc, const char *selector, const char *artifact,
    int *status, char **cause)
{
	const cJSON	*b, *a, *found = NULL;
	struct variant	 part, v;
	struct buf	 names;
	int		 matches = 0;
	char		*why;

	buf_init(&names);
	buf_addstr(&names, "");
	variant_init(&part);
	if (selector != NULL && variant_parse_key(selector, &part, &why) != 0)
		free(why);	/* not key=value pairs: maybe a step name */
	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(doc, "builds")) {
		const char *state = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(b, "state"));
		const char *key = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(b, "variant_key"));
		const char *step = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(b, "step"));

		if (state == NULL || strcmp(state, "done") != 0 ||
		    (a = explain_artifact(b, artifact)) == NULL)
			continue;
		buf_printf(&names, "%s%s", names.len ? ", " : "", key);
		if (selector == NULL) {
			if (found == NULL || json_int(a, "file_size", 0) <
			    json_int(explain_artifact(found, artifact),
			    "file_size", 0))
				found = b;
			continue;
		}
		if (strcmp(selector, key) == 0 ||
		    (step != NULL && strcmp(selector, step) == 0)) {
			found = b;
			matches = 1;
			break;
		}
		if (part.n > 0 && variant_from_json(&v,
		    cJSON_GetObjectItemCaseSensitive(b, "variant"), &why) == 0) {
			if (variant_matches(&v, &part)) {
				found = b;
				matches++;
			}
			variant_clear(&v);
		} else if (part.n > 0)
			free(why);
	}
	variant_clear(&part);
	if (found == NULL || matches > 1) {
		*status = selector != NULL ? 400 : 409;
		if (selector == NULL)
			xasprintf(cause, "the run has no done build of %s to "
			    "explain", artifact);
		else
			xasprintf(cause, "--variant %s %s; the run's done "
			    "variants: %s", selector, matches > 1 ? "matches "
			    "more than one variant" : "matches none",
			    names.len ? names.data : "none");
		found = NULL;
	}
	buf_free(&names);
	return (found);
}

/* What explaining one build needs for each of its settings. */
struct explain_ctx {
	struct store		*st;
	int64_t			 run_id;
	const cJSON		*build;
	const cJSON		*own;		/* the project's profile */
	const char		*aname;
	const char		*akind;
	int64_t			 size;
	struct variant		**missing;	/* neighbours to build */
	size_t			*nmissing;
};

/*
 * One row of an explanation: setting i of v, compared with the neighbour
 * that has it as the project would otherwise have it; a neighbour not
 * built yet joins the missing ones.
 */
static cJSON *
explain_setting(struct explain_ctx *x, const struct variant *v, size_t i)
{
	struct variant	 n;
	const char	*from, *ownv;
	cJSON		*row;
	char		*key, *why;
	int64_t		 nsize, nbuild;
	int		 pending, rc;

	row = cJSON_CreateObject();
	cJSON_AddStringToObject(row, "key", v->key[i]);
	cJSON_AddStringToObject(row, "value", v->value[i]);
	from = explain_neighbour(v, i, x->own,
	    cJSON_GetObjectItemCaseSensitive(x->build, "effective"), &n);
	key = variant_key(&n);
	cJSON_AddStringToObject(row, "without", key);
	cJSON_AddStringToObject(row, "instead", from != NULL &&
	    strcmp(from, "unset") != 0 ? variant_get(&n, v->key[i]) :
	    from != NULL ? "unset" : v->value[i]);
	cJSON_AddStringToObject(row, "instead_from", from != NULL ? from :
	    "project");
	ownv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x->own,
	    v->key[i]));
	cJSON_AddBoolToObject(row, "project_has", ownv != NULL &&
	    strcmp(ownv, units_value(v->key[i], v->value[i])) == 0);
	if (from == NULL) {
		/* The project and Cargo both give this value. */
		cJSON_AddStringToObject(row, "state", "same");
		cJSON_AddNumberToObject(row, "saves", 0);
	} else if (variant_check(&n, &why) != 0) {
		/* build-std under immediate-abort, say. */
		cJSON_AddStringToObject(row, "state", "inseparable");
		cJSON_AddStringToObject(row, "reason", why);
		free(why);
	} else if ((rc = store_variant_result(x->st, x->run_id, key,
	    x->aname, x->akind, &nbuild, &nsize, &pending)) == STORE_ERROR) {
		cJSON_AddStringToObject(row, "state", "error");
	} else if (rc == STORE_OK && !pending) {
		cJSON_AddStringToObject(row, "state", "done");
		cJSON_AddNumberToObject(row, "build", (double)nbuild);
		cJSON_AddNumberToObject(row, "file_size", (double)nsize);
		cJSON_AddNumberToObject(row, "saves", (double)(nsize - x->size));
	} else if (rc == STORE_OK) {
		cJSON_AddStringToObject(row, "state", "pending");
		cJSON_AddNumberToObject(row, "build", (double)nbuild);
	} else {
		cJSON_AddStringToObject(row, "state", "queued");
		*x->missing = xreallocarray(*x->missing, *x->nmissing + 1,
		    sizeof **x->missing);
		variant_init(&(*x->missing)[*x->nmissing]);
		variant_copy(&(*x->missing)[(*x->nmissing)++], &n);
	}
	free(key);
	variant_clear(&n);
	return (row);
}

/*
 * Explains one variant of a run. Returns the document, with the neighbours
 * that have no build yet in *missing (the caller queues them), or NULL with
 * an HTTP status and cause.
 */
cJSON *
explain_run(struct store *st, const cJSON *doc, const char *selector,
    const char *artifact, struct variant **missing, size_t *nmissing,
    int *bootstrap, int *status, char **cause)
{
	const cJSON		*b, *a, *run, *own;
	const char		*aname;
	struct variant		 v;
	struct explain_ctx	 x;
	cJSON			*out, *list, *row;
	size_t			 i;

	*missing = NULL;
	*nmissing = 0;
	run = cJSON_GetObjectItemCaseSensitive(doc, "run");
	if ((aname = explain_which(doc, artifact, status, cause)) == NULL ||
	    (b = explain_pick(doc, selector, aname, status, cause)) == NULL)
		return (NULL);
	if (variant_from_json(&v, cJSON_GetObjectItemCaseSensitive(b,
	    "variant"), cause) != 0) {
		*status = 500;
		return (NULL);
	}
	*bootstrap = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b,
	    "bootstrap"));
	a = explain_artifact(b, aname);
	own = cJSON_GetObjectItemCaseSensitive(b, "project_profile");
	if (!cJSON_IsObject(own))
		own = NULL;
	x.st = st;
	x.run_id = (int64_t)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(run, "id"));
	x.build = b;
	x.own = own;
	x.aname = aname;
	x.akind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a,
	    "kind"));
	x.size = (int64_t)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(a, "file_size"));
	x.missing = missing;
	x.nmissing = nmissing;

	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "run", (double)x.run_id);
	cJSON_AddStringToObject(out, "project", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(run, "project")));
	cJSON_AddNumberToObject(out, "build", cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(b, "id")));
	cJSON_AddStringToObject(out, "variant_key", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(b, "variant_key")));
	cJSON_AddItemToObject(out, "toolchain", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(b, "toolchain"), 1));
	cJSON_AddBoolToObject(out, "bootstrap", *bootstrap);
	cJSON_AddStringToObject(out, "artifact", aname);
	cJSON_AddStringToObject(out, "kind", x.akind);
	cJSON_AddNumberToObject(out, "file_size", (double)x.size);
	cJSON_AddItemToObject(out, "project_profile", own != NULL ?
	    cJSON_Duplicate(own, 1) : cJSON_CreateNull());
	list = cJSON_AddArrayToObject(out, "settings");
	for (i = 0; i < v.n; i++) {
		if (explain_is_fixed(v.key[i]))
			continue;
		row = explain_setting(&x, &v, i);
		cJSON_AddItemToArray(list, row);
	}
	variant_clear(&v);
	return (out);
}
