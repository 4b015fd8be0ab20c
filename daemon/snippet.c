/*
 * What to paste to build a variant by hand, rendered once for the client,
 * the dashboard and the build log: the build's profile as a Cargo.toml
 * section, and the build as shell lines and the cargo command. With the
 * build's effective profile both list every profile setting, so that
 * they reproduce the size over whatever the project's own profile says;
 * without it, the settings the variant made.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/* Environment that is the daemon's, not the build's: never pasted. */
static const char *const snippet_own[] = {
	"CARGO_TARGET_DIR", "CARGO_INCREMENTAL", "CARGO_ENCODED_RUSTFLAGS",
	NULL
};

/* Appends a value in single quotes, as a shell reads it back unchanged. */
void
snippet_quote(struct buf *b, const char *value)
{
	const char	*p;

	buf_addstr(b, "'");
	for (p = value; *p != '\0'; p++) {
		if (*p == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_add(b, p, 1);
	}
	buf_addstr(b, "'");
}

/* Appends a TOML value: numbers and booleans bare, anything else quoted. */
static void
snippet_toml_value(struct buf *b, const char *v)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0 ||
	    (*v != '\0' && strspn(v, "0123456789") == strlen(v)))
		buf_addstr(b, v);
	else
		buf_printf(b, "\"%s\"", v);
}

/*
 * Appends a profile key as an environment name's part: "codegen-units" is
 * "CODEGEN_UNITS", or back to the key when to_key.
 */
static void
snippet_key(struct buf *b, const char *s, int to_key)
{
	char	 c;

	for (; *s != '\0'; s++) {
		if (to_key)
			c = *s == '_' ? '-' : (char)tolower((unsigned char)*s);
		else
			c = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
		buf_add(b, &c, 1);
	}
}

/* Tells whether an environment entry is the daemon's, not the build's. */
static int
snippet_is_own(const char *name)
{
	const char *const	*p;

	for (p = snippet_own; *p != NULL; p++) {
		if (strcmp(*p, name) == 0)
			return (1);
	}
	return (0);
}

/* Appends RUSTFLAGS without the daemon's path remapping. */
static void
snippet_rustflags(struct buf *b, const char *flags)
{
	struct buf	 kept;
	const char	*p;
	size_t		 len;

	buf_init(&kept);
	buf_addstr(&kept, "");
	for (p = flags; *p != '\0'; p += len) {
		p += strspn(p, " ");
		if ((len = strcspn(p, " ")) == 0)
			continue;
		if (strncmp(p, "--remap-path-prefix", 19) != 0)
			buf_printf(&kept, "%s%.*s", kept.len ? " " : "",
			    (int)len, p);
	}
	if (kept.len > 0) {
		buf_addstr(b, "export RUSTFLAGS=");
		snippet_quote(b, kept.data);
		buf_addstr(b, "\n");
	}
	buf_free(&kept);
}

/* The Cargo.toml section, or NULL when the build sets no profile key. */
static char *
snippet_toml(const cJSON *eff, const cJSON *env, const char *profile,
    const char *prefix)
{
	struct buf	 b;
	const cJSON	*e;
	size_t		 len = strlen(prefix);

	buf_init(&b);
	if (eff != NULL) {
		buf_printf(&b, "# Cargo.toml: every setting of the build's "
		    "profile\n[profile.%s]\n", profile);
		cJSON_ArrayForEach(e, eff) {
			buf_printf(&b, "%s = ", e->string);
			snippet_toml_value(&b, cJSON_GetStringValue(e) ?
			    cJSON_GetStringValue(e) : "");
			buf_addstr(&b, "\n");
		}
		return (b.data);
	}
	cJSON_ArrayForEach(e, env) {
		if (!cJSON_IsString(e) || strncmp(e->string, prefix, len) != 0)
			continue;
		if (b.len == 0)
			buf_printf(&b, "# Cargo.toml\n[profile.%s]\n", profile);
		snippet_key(&b, e->string + len, 1);
		buf_addstr(&b, " = ");
		snippet_toml_value(&b, e->valuestring);
		buf_addstr(&b, "\n");
	}
	if (b.len == 0) {
		buf_free(&b);
		return (NULL);
	}
	return (b.data);
}

/* The shell lines: the profile's variables, the rest, the command. */
static char *
snippet_shell(const cJSON *build, const cJSON *eff, const cJSON *env,
    const char *prefix)
{
	struct buf	 b;
	const cJSON	*e, *a;
	size_t		 len = strlen(prefix);

	buf_init(&b);
	buf_addstr(&b, "# or for one build, in the shell:\n");
	cJSON_ArrayForEach(e, eff) {
		buf_printf(&b, "export %s", prefix);
		snippet_key(&b, e->string, 0);
		buf_addstr(&b, "=");
		snippet_quote(&b, cJSON_GetStringValue(e) ?
		    cJSON_GetStringValue(e) : "");
		buf_addstr(&b, "\n");
	}
	cJSON_ArrayForEach(e, env) {
		if (!cJSON_IsString(e) || snippet_is_own(e->string) ||
		    (eff != NULL && strncmp(e->string, prefix, len) == 0))
			continue;
		if (strcmp(e->string, "RUSTFLAGS") == 0) {
			snippet_rustflags(&b, e->valuestring);
			continue;
		}
		buf_printf(&b, "export %s=", e->string);
		snippet_quote(&b, e->valuestring);
		buf_addstr(&b, "\n");
	}
	buf_addstr(&b, json_str(cJSON_GetObjectItemCaseSensitive(build,
	    "toolchain"), "cargo", "cargo"));
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(build,
	    "cargo_args")) {
		if (cJSON_IsString(a) && strcmp(a->valuestring,
		    "--message-format=json-render-diagnostics") != 0)
			buf_printf(&b, " %s", a->valuestring);
	}
	buf_addstr(&b, "\n");
	return (b.data);
}

/*
 * Adds "snippet": {"toml", "shell"} to a build of a results document or a
 * best row (one with its env, cargo_args, effective profile and variant);
 * toml is null when the build sets no profile key. Nothing for a build
 * that never ran.
 */
void
snippet_add(cJSON *build)
{
	const cJSON	*env, *eff;
	cJSON		*o;
	const char	*profile;
	char		*prefix, *toml, *shell;
	struct buf	 p;

	env = cJSON_GetObjectItemCaseSensitive(build, "env");
	if (!cJSON_IsObject(env))
		return;
	eff = cJSON_GetObjectItemCaseSensitive(build, "effective");
	if (!cJSON_IsObject(eff) || eff->child == NULL)
		eff = NULL;
	/* The variant's profile names its keys: CARGO_PROFILE_<NAME>_<KEY>. */
	profile = json_str(cJSON_GetObjectItemCaseSensitive(build, "variant"),
	    "profile", "release");
	buf_init(&p);
	buf_addstr(&p, "CARGO_PROFILE_");
	snippet_key(&p, profile, 0);
	buf_addstr(&p, "_");
	prefix = p.data;
	toml = snippet_toml(eff, env, profile, prefix);
	shell = snippet_shell(build, eff, env, prefix);
	o = cJSON_AddObjectToObject(build, "snippet");
	if (toml != NULL)
		cJSON_AddStringToObject(o, "toml", toml);
	else
		cJSON_AddNullToObject(o, "toml");
	cJSON_AddStringToObject(o, "shell", shell);
	free(toml);
	free(shell);
	free(prefix);
}
