/*
 * Variants: the settings sizemat applies, their canonical key (INTERFACE.md)
 * and the environment and cargo arguments that apply them.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

enum setting_kind {
	SETTING_OPT_LEVEL,
	SETTING_DEBUG,
	SETTING_STRIP,
	SETTING_LTO,
	SETTING_PANIC,
	SETTING_CODEGEN_UNITS,
	SETTING_BOOL
};

/* Cargo's release-profile keys, sorted by name. */
static const struct setting_def {
	const char		*key;
	const char		*env;
	enum setting_kind	 kind;
	const char		*allowed;
} setting_defs[] = {
	{ "codegen-units", "CARGO_PROFILE_RELEASE_CODEGEN_UNITS",
	  SETTING_CODEGEN_UNITS, "a whole number from 1 to 256" },
	{ "debug", "CARGO_PROFILE_RELEASE_DEBUG", SETTING_DEBUG,
	  "true, false, 0, 1, 2, none, line-directives-only, "
	  "line-tables-only, limited, full" },
	{ "debug-assertions", "CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS",
	  SETTING_BOOL, "true, false" },
	{ "lto", "CARGO_PROFILE_RELEASE_LTO", SETTING_LTO,
	  "false, true, thin, fat, off" },
	{ "opt-level", "CARGO_PROFILE_RELEASE_OPT_LEVEL", SETTING_OPT_LEVEL,
	  "0, 1, 2, 3, s, z" },
	{ "overflow-checks", "CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS",
	  SETTING_BOOL, "true, false" },
	{ "panic", "CARGO_PROFILE_RELEASE_PANIC", SETTING_PANIC,
	  "unwind, abort" },
	{ "strip", "CARGO_PROFILE_RELEASE_STRIP", SETTING_STRIP,
	  "true, false, none, debuginfo, symbols" },
};
#define NSETTING_DEFS (sizeof setting_defs / sizeof setting_defs[0])

/* Finds the definition of a setting by key. */
static const struct setting_def *
variant_def(const char *key)
{
	size_t	 i;

	for (i = 0; i < NSETTING_DEFS; i++) {
		if (strcmp(setting_defs[i].key, key) == 0)
			return (&setting_defs[i]);
	}
	return (NULL);
}

/* Tells whether key is a setting a variant may set. */
int
variant_known_key(const char *key)
{
	return (variant_def(key) != NULL);
}

/* Returns the known keys as one comma-separated line, for messages. */
const char *
variant_known_keys(void)
{
	static char	 line[512];
	size_t		 i;

	if (line[0] == '\0') {
		for (i = 0; i < NSETTING_DEFS; i++) {
			if (i > 0)
				strncat(line, ", ", sizeof line - strlen(line) - 1);
			strncat(line, setting_defs[i].key,
			    sizeof line - strlen(line) - 1);
		}
	}
	return (line);
}

/* Tells whether s is one of the NULL-terminated words. */
static int
variant_one_of(const char *s, const char *const *words)
{
	for (; *words != NULL; words++) {
		if (strcmp(s, *words) == 0)
			return (1);
	}
	return (0);
}

/* Reads a JSON number that must be a whole number within [lo, hi]. */
static int
variant_whole(const cJSON *v, int lo, int hi, int *out)
{
	double	 d;

	if (!cJSON_IsNumber(v))
		return (-1);
	d = v->valuedouble;
	if (d != floor(d) || d < lo || d > hi)
		return (-1);
	*out = (int)d;
	return (0);
}

/*
 * Normalises one setting's JSON value to its canonical spelling, or explains
 * in cause why the value is not allowed.
 */
int
variant_normalise(const char *key, const cJSON *v, char **out, char **cause)
{
	static const char *const opt_words[] =
	    { "0", "1", "2", "3", "s", "z", NULL };
	static const char *const debug_words[] = { "none",
	    "line-directives-only", "line-tables-only", "limited", "full",
	    NULL };
	static const char *const strip_words[] =
	    { "none", "debuginfo", "symbols", NULL };
	static const char *const lto_words[] = { "off", "thin", "fat", NULL };
	static const char *const panic_words[] = { "unwind", "abort", NULL };
	const struct setting_def	*def;
	char				*shown;
	int				 n;

	*out = NULL;
	if ((def = variant_def(key)) == NULL) {
		xasprintf(cause, "unknown key \"%s\"; known keys: %s", key,
		    variant_known_keys());
		return (-1);
	}
	switch (def->kind) {
	case SETTING_OPT_LEVEL:
		if (variant_whole(v, 0, 3, &n) == 0)
			xasprintf(out, "%d", n);
		else if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, opt_words))
			*out = xstrdup(v->valuestring);
		break;
	case SETTING_DEBUG:
		if (cJSON_IsBool(v))
			*out = xstrdup(cJSON_IsTrue(v) ? "full" : "none");
		else if (variant_whole(v, 0, 2, &n) == 0)
			xasprintf(out, "%d", n);
		else if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, debug_words))
			*out = xstrdup(v->valuestring);
		break;
	case SETTING_STRIP:
		if (cJSON_IsBool(v))
			*out = xstrdup(cJSON_IsTrue(v) ? "symbols" : "none");
		else if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, strip_words))
			*out = xstrdup(v->valuestring);
		break;
	case SETTING_LTO:
		if (cJSON_IsBool(v))
			*out = xstrdup(cJSON_IsTrue(v) ? "fat" : "false");
		else if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, lto_words))
			*out = xstrdup(v->valuestring);
		break;
	case SETTING_PANIC:
		if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, panic_words))
			*out = xstrdup(v->valuestring);
		break;
	case SETTING_CODEGEN_UNITS:
		if (variant_whole(v, 1, 256, &n) == 0)
			xasprintf(out, "%d", n);
		break;
	case SETTING_BOOL:
		if (cJSON_IsBool(v))
			*out = xstrdup(cJSON_IsTrue(v) ? "true" : "false");
		break;
	}
	if (*out != NULL)
		return (0);
	shown = cJSON_PrintUnformatted(v);
	if (def->kind == SETTING_CODEGEN_UNITS)
		xasprintf(cause, "%s is not %s", shown ? shown : "value",
		    def->allowed);
	else
		xasprintf(cause, "%s is not one of %s", shown ? shown : "value",
		    def->allowed);
	cJSON_free(shown);
	return (-1);
}

/* Makes an empty variant: the project's own release profile. */
void
variant_init(struct variant *v)
{
	memset(v, 0, sizeof *v);
}

/* Frees a variant's settings. */
void
variant_clear(struct variant *v)
{
	size_t	 i;

	for (i = 0; i < v->n; i++) {
		free(v->key[i]);
		free(v->value[i]);
	}
	v->n = 0;
}

/* Copies src into dst, which must be empty or initialised. */
void
variant_copy(struct variant *dst, const struct variant *src)
{
	size_t	 i;

	variant_clear(dst);
	for (i = 0; i < src->n; i++)
		variant_set(dst, src->key[i], src->value[i]);
}

/* Sets key to an already normalised value, keeping the keys sorted. */
void
variant_set(struct variant *v, const char *key, const char *value)
{
	size_t	 i;
	int	 c;

	for (i = 0; i < v->n; i++) {
		c = strcmp(v->key[i], key);
		if (c == 0) {
			free(v->value[i]);
			v->value[i] = xstrdup(value);
			return;
		}
		if (c > 0)
			break;
	}
	if (v->n == VARIANT_MAX_SETTINGS)
		fatalx("variant: more than %d settings", VARIANT_MAX_SETTINGS);
	memmove(&v->key[i + 1], &v->key[i], (v->n - i) * sizeof v->key[0]);
	memmove(&v->value[i + 1], &v->value[i],
	    (v->n - i) * sizeof v->value[0]);
	v->key[i] = xstrdup(key);
	v->value[i] = xstrdup(value);
	v->n++;
}

/* Returns the value set for key, or NULL. */
const char *
variant_get(const struct variant *v, const char *key)
{
	size_t	 i;

	for (i = 0; i < v->n; i++) {
		if (strcmp(v->key[i], key) == 0)
			return (v->value[i]);
	}
	return (NULL);
}

/* Returns the canonical key: sorted key=value pairs, or "release". */
char *
variant_key(const struct variant *v)
{
	struct buf	 b;
	size_t		 i;

	if (v->n == 0)
		return (xstrdup("release"));
	buf_init(&b);
	for (i = 0; i < v->n; i++) {
		if (strcmp(v->key[i], "toolchain") == 0 &&
		    strcmp(v->value[i], "default") == 0)
			continue;
		buf_printf(&b, "%s%s=%s", b.len ? "," : "", v->key[i],
		    v->value[i]);
	}
	if (b.len == 0)
		buf_addstr(&b, "release");
	return (b.data);
}

/* Returns the settings as a JSON object of strings. */
cJSON *
variant_to_json(const struct variant *v)
{
	cJSON	*o;
	size_t	 i;

	o = cJSON_CreateObject();
	for (i = 0; i < v->n; i++)
		cJSON_AddStringToObject(o, v->key[i], v->value[i]);
	return (o);
}

/* Reads stored settings: a JSON object of already normalised strings. */
int
variant_from_json(struct variant *v, const cJSON *o, char **cause)
{
	const cJSON	*item;

	variant_init(v);
	if (!cJSON_IsObject(o)) {
		*cause = xstrdup("settings must be a JSON object");
		return (-1);
	}
	cJSON_ArrayForEach(item, o) {
		if (!cJSON_IsString(item)) {
			xasprintf(cause, "%s: stored value is not a string",
			    item->string);
			variant_clear(v);
			return (-1);
		}
		variant_set(v, item->string, item->valuestring);
	}
	return (0);
}

/* Tells whether a flag needs CARGO_ENCODED_RUSTFLAGS to survive intact. */
static int
variant_has_space(const char *s)
{
	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			return (1);
	}
	return (0);
}

/*
 * Adds to env every variable the build sets beyond the daemon's own
 * environment: the profile keys, the target dir, CARGO_INCREMENTAL=0 and
 * RUSTFLAGS (the daemon's own, then path remapping, then the variant's).
 */
void
variant_env(const struct variant *v, const struct build_context *ctx,
    struct strlist *env)
{
	const struct setting_def	*def;
	struct strlist			 flags = { NULL, 0 };
	struct buf			 joined;
	const char			*p;
	char				*word;
	size_t				 i, len;
	int				 encoded = 0;

	for (i = 0; i < v->n; i++) {
		if ((def = variant_def(v->key[i])) != NULL)
			strlist_addf(env, "%s=%s", def->env, v->value[i]);
	}
	strlist_addf(env, "CARGO_TARGET_DIR=%s", ctx->target_dir);
	strlist_add(env, "CARGO_INCREMENTAL=0");

	/* Cargo splits RUSTFLAGS on spaces; so does this. */
	for (p = ctx->daemon_rustflags; p != NULL && *p != '\0'; p += len) {
		p += strspn(p, " \t\n");
		if ((len = strcspn(p, " \t\n")) > 0) {
			word = xstrndup(p, len);
			strlist_add(&flags, word);
			free(word);
		}
	}
	strlist_addf(&flags, "--remap-path-prefix=%s=/sizemat/target",
	    ctx->target_dir);
	strlist_addf(&flags, "--remap-path-prefix=%s=/sizemat/src",
	    ctx->source_dir);
	if (ctx->cargo_home != NULL)
		strlist_addf(&flags, "--remap-path-prefix=%s=/sizemat/cargo",
		    ctx->cargo_home);

	buf_init(&joined);
	for (i = 0; i < flags.n; i++) {
		if (variant_has_space(flags.v[i]))
			encoded = 1;
	}
	for (i = 0; i < flags.n; i++) {
		if (i > 0)
			buf_addstr(&joined, encoded ? "\x1f" : " ");
		buf_addstr(&joined, flags.v[i]);
	}
	strlist_addf(env, "%s=%s",
	    encoded ? "CARGO_ENCODED_RUSTFLAGS" : "RUSTFLAGS", joined.data);
	buf_free(&joined);
	strlist_free(&flags);
}

/* Adds the cargo arguments of a build of this variant. */
void
variant_cargo_args(const struct variant *v, const struct build_context *ctx,
    struct strlist *args)
{
	(void)v;
	strlist_add(args, "build");
	strlist_add(args, "--release");
	strlist_add(args, "--message-format=json-render-diagnostics");
	strlist_add(args, "--target");
	strlist_add(args, ctx->target);
}
