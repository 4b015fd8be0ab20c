/*
 * What cargo metadata says about a project before anything is queued:
 * whether it has a target sizemat can measure, and the package cargo
 * builds by default.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"
#include "builder_private.h"

/* Tells whether a cargo target kind is one sizemat measures. */
static int
builder_measured_kind(const char *kind)
{
	return (strcmp(kind, "bin") == 0 || strcmp(kind, "cdylib") == 0 ||
	    strcmp(kind, "staticlib") == 0 || strcmp(kind, "dylib") == 0);
}

/*
 * Asks the default toolchain's cargo (cargo metadata --no-deps, blocking)
 * whether the project, or its package, has a target sizemat can measure:
 * a binary, cdylib, dylib or staticlib. Returns 1, 0 with what to do in
 * cause (its examples named), or -1 when cargo could not say: the builds
 * then tell. *root is the package of the project's own Cargo.toml (what
 * cargo builds without -p), or NULL for a virtual workspace.
 */
int
builder_measurable(const struct toolchains *tcs, const char *project,
    const char *package, char **root, char **cause)
{
	const struct toolchain	*tc = toolchains_find(tcs, NULL);
	struct strlist		 argv = { NULL, 0 };
	const cJSON		*pkg, *target, *kind;
	struct buf		 examples;
	cJSON			*doc;
	char			*out, *why = NULL;
	char			*manifest;
	int			 found = 0;

	*root = NULL;
	if (tc == NULL || tc->problem != NULL)
		return (-1);
	toolchain_cargo_argv(tc, &argv);
	strlist_add(&argv, "metadata");
	strlist_add(&argv, "--no-deps");
	strlist_add(&argv, "--offline");
	strlist_add(&argv, "--format-version=1");
	strlist_addf(&argv, "--manifest-path=%s/Cargo.toml", project);
	out = command_capture_max(&argv, &tc->env, 16 << 20, &why);
	strlist_free(&argv);
	free(why);
	if (out == NULL || (doc = cJSON_Parse(out)) == NULL) {
		free(out);
		return (-1);
	}
	free(out);
	buf_init(&examples);
	buf_addstr(&examples, "");
	xasprintf(&manifest, "%s/Cargo.toml", project);
	cJSON_ArrayForEach(pkg, cJSON_GetObjectItemCaseSensitive(doc,
	    "packages")) {
		if (*root == NULL && strcmp(json_str(pkg, "manifest_path", ""),
		    manifest) == 0)
			*root = xstrdup(json_str(pkg, "name", ""));
		if (package != NULL && strcmp(package, json_str(pkg, "name",
		    "")) != 0)
			continue;
		cJSON_ArrayForEach(target, cJSON_GetObjectItemCaseSensitive(pkg,
		    "targets")) {
			cJSON_ArrayForEach(kind,
			    cJSON_GetObjectItemCaseSensitive(target, "kind")) {
				if (!cJSON_IsString(kind))
					continue;
				if (builder_measured_kind(kind->valuestring))
					found = 1;
				else if (strcmp(kind->valuestring, "example") ==
				    0)
					buf_printf(&examples, "%s%s",
					    examples.len ? ", " : "",
					    json_str(target, "name", ""));
			}
		}
	}
	cJSON_Delete(doc);
	free(manifest);
	if (!found)
		xasprintf(cause, "%s%s%s has no binary, cdylib or staticlib "
		    "target, only a library, whose .rlib is not what ships; "
		    "measure it through one of its examples with --example "
		    "NAME%s%s%s, or add a [[bin]]", project, package ? ": "
		    "package " : "", package ? package : "", examples.len ?
		    " (" : "", examples.data, examples.len ? ")" : "");
	buf_free(&examples);
	return (found);
}
