/*
 * Variants: the settings sizemat applies, their canonical key (INTERFACE.md)
 * and the environment and cargo arguments that apply them;
 * variant_select.c reads keys and selectors back.
 */
#include <ctype.h>
#include <math.h>
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
	SETTING_BOOL,
	SETTING_NAME,		/* a toolchain, package, bin or profile name */
	SETTING_TARGET,		/* a target triple */
	SETTING_LOCATION,	/* "none" or a list of file, line, column */
	SETTING_FMT_DEBUG,
	SETTING_LIST,		/* a sorted set of names, may be empty */
	SETTING_CRATES,		/* a sorted set of names, not empty */
	SETTING_RUSTFLAGS	/* allowed rustc flags, in order */
};

/* How a setting reaches cargo. */
enum setting_route {
	ROUTE_PROFILE,		/* CARGO_PROFILE_<PROFILE>_<env> */
	ROUTE_RUSTFLAGS,	/* a rustc flag in RUSTFLAGS */
	ROUTE_CARGO,		/* a cargo argument */
	ROUTE_TOOLCHAIN		/* which cargo and rustc run */
};

/*
 * Every key a variant may set, sorted by name. Unstable ones need a nightly
 * toolchain or RUSTC_BOOTSTRAP=1.
 */
static const struct setting_def {
	const char		*key;
	const char		*env;
	enum setting_kind	 kind;
	enum setting_route	 route;
	int			 unstable;
	const char		*allowed;
} setting_defs[] = {
	{ "bin", NULL, SETTING_NAME, ROUTE_CARGO, 0,
	  "a binary target's name" },
	{ "build-std", NULL, SETTING_CRATES, ROUTE_CARGO, 1,
	  "a non-empty list of standard-library crates, for example "
	  "[\"std\", \"panic_abort\"]" },
	{ "build-std-features", NULL, SETTING_LIST, ROUTE_CARGO, 1,
	  "a list of standard-library features, may be empty, for example "
	  "[\"optimize_for_size\"]" },
	{ "codegen-units", "CODEGEN_UNITS", SETTING_CODEGEN_UNITS,
	  ROUTE_PROFILE, 0, "a whole number from 1 to 256" },
	{ "debug", "DEBUG", SETTING_DEBUG, ROUTE_PROFILE, 0,
	  "true, false, 0, 1, 2, none, line-directives-only, "
	  "line-tables-only, limited, full" },
	{ "debug-assertions", "DEBUG_ASSERTIONS", SETTING_BOOL, ROUTE_PROFILE,
	  0, "true, false" },
	{ "default-features", NULL, SETTING_BOOL, ROUTE_CARGO, 0,
	  "true, false" },
	{ "example", NULL, SETTING_NAME, ROUTE_CARGO, 0,
	  "an example target's name: a library measured through it" },
	{ "features", NULL, SETTING_LIST, ROUTE_CARGO, 0,
	  "a list of feature names, may be empty" },
	{ "fmt-debug", NULL, SETTING_FMT_DEBUG, ROUTE_RUSTFLAGS, 1,
	  "full, shallow, none" },
	{ "location-detail", NULL, SETTING_LOCATION, ROUTE_RUSTFLAGS, 1,
	  "\"none\" or a list of file, line, column" },
	{ "lto", "LTO", SETTING_LTO, ROUTE_PROFILE, 0,
	  "false, true, thin, fat, off" },
	{ "opt-level", "OPT_LEVEL", SETTING_OPT_LEVEL, ROUTE_PROFILE, 0,
	  "0, 1, 2, 3, s, z" },
	{ "overflow-checks", "OVERFLOW_CHECKS", SETTING_BOOL, ROUTE_PROFILE,
	  0, "true, false" },
	{ "package", NULL, SETTING_NAME, ROUTE_CARGO, 0,
	  "a package of the workspace" },
	{ "panic", "PANIC", SETTING_PANIC, ROUTE_PROFILE, 0,
	  "unwind, abort, immediate-abort" },
	{ "profile", NULL, SETTING_NAME, ROUTE_CARGO, 0,
	  "the name of a Cargo profile" },
	{ "rustflags", NULL, SETTING_RUSTFLAGS, ROUTE_RUSTFLAGS, 0,
	  "a list of rustc flags" },
	{ "strip", "STRIP", SETTING_STRIP, ROUTE_PROFILE, 0,
	  "true, false, none, debuginfo, symbols" },
	{ "target", NULL, SETTING_TARGET, ROUTE_CARGO, 0,
	  "a target triple, for example wasm32-unknown-unknown" },
	{ "toolchain", NULL, SETTING_NAME, ROUTE_TOOLCHAIN, 0,
	  "default, a rustup toolchain or one the daemon defines" },
};
#define NSETTING_DEFS (sizeof setting_defs / sizeof setting_defs[0])

/*
 * rustc flags a variant may add: the codegen options that change what is
 * emitted, and the unstable size options. Never linker or plugin options.
 */
static const char *const rustflag_allowed[] = {
	"-Ccode-model", "-Ccodegen-units", "-Cdebug-assertions",
	"-Cdebuginfo", "-Cembed-bitcode", "-Cforce-frame-pointers",
	"-Cforce-unwind-tables", "-Clink-dead-code", "-Clto",
	"-Cno-redzone", "-Cno-vectorize-loops", "-Cno-vectorize-slp",
	"-Copt-level", "-Coverflow-checks", "-Cpanic", "-Crelocation-model",
	"-Cstrip", "-Csymbol-mangling-version", "-Ctarget-cpu",
	"-Ctarget-feature", "-Zfmt-debug", "-Zinline-mir",
	"-Zinline-mir-threshold", "-Zlocation-detail", "-Zmir-opt-level",
	"-Zshare-generics", "-Zunstable-options", "-Zvirtual-function-elimination",
	NULL
};

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
	static char	 line[1024];
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

/*
 * Reads a whole number within [lo, hi]: a JSON number, or the same written
 * as a string of decimal digits ("1"), as opt-level allows.
 */
static int
variant_whole(const cJSON *v, int lo, int hi, int *out)
{
	double	 d;
	char	*end;

	if (cJSON_IsString(v) && v->valuestring[0] >= '0' &&
	    v->valuestring[0] <= '9' && strlen(v->valuestring) <= 9) {
		d = strtod(v->valuestring, &end);
		if (*end != '\0')
			return (-1);
	} else if (cJSON_IsNumber(v))
		d = v->valuedouble;
	else
		return (-1);
	if (d != floor(d) || d < lo || d > hi)
		return (-1);
	*out = (int)d;
	return (0);
}

/* Tells whether s is a name: letters, digits and the given punctuation. */
static int
variant_word(const char *s, const char *punct)
{
	if (*s == '\0' || strlen(s) > 128)
		return (0);
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr(punct, *s) == NULL)
			return (0);
	}
	return (1);
}

/* Compares two strings for qsort. */
static int
variant_strcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Reads a JSON list of names into one comma-joined value, sorted and
 * without repeats; an empty list gives "".
 */
static int
variant_name_list(const cJSON *v, int allow_empty, char **out, char **why)
{
	const cJSON	*item;
	char		**names;
	struct buf	 b;
	size_t		 n = 0, i;

	if (!cJSON_IsArray(v))
		return (-1);
	names = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *names);
	cJSON_ArrayForEach(item, v) {
		if (!cJSON_IsString(item) ||
		    !variant_word(item->valuestring, "_-/+.")) {
			free(names);
			*why = xstrdup("entries must be names (letters, "
			    "digits, _ - / + .)");
			return (-1);
		}
		names[n++] = item->valuestring;
	}
	if (n == 0 && !allow_empty) {
		free(names);
		*why = xstrdup("the list must not be empty");
		return (-1);
	}
	qsort(names, n, sizeof *names, variant_strcmp);
	buf_init(&b);
	buf_addstr(&b, "");
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		buf_printf(&b, "%s%s", b.len ? "," : "", names[i]);
	}
	free(names);
	*out = b.data;
	return (0);
}

/* Reads location-detail: "none", or a list of file, line and column. */
static int
variant_location(const cJSON *v, char **out)
{
	static const char *const parts[] = { "file", "line", "column" };
	const cJSON	*item;
	struct buf	 b;
	int		 seen[3] = { 0, 0, 0 }, i;

	if (cJSON_IsString(v) && strcmp(v->valuestring, "none") == 0) {
		*out = xstrdup("none");
		return (0);
	}
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return (-1);
	cJSON_ArrayForEach(item, v) {
		for (i = 0; i < 3; i++) {
			if (cJSON_IsString(item) &&
			    strcmp(item->valuestring, parts[i]) == 0)
				break;
		}
		if (i == 3)
			return (-1);
		seen[i] = 1;
	}
	buf_init(&b);
	for (i = 0; i < 3; i++) {
		if (seen[i])
			buf_printf(&b, "%s%s", b.len ? "," : "", parts[i]);
	}
	*out = b.data;
	return (0);
}

/* Checks one rustc flag against the allow-list. */
static int
variant_rustflag(const char *flag, char **why)
{
	struct buf	 names;
	size_t		 len, i;

	len = strcspn(flag, "=");
	if (strncmp(flag, "-C", 2) == 0 || strncmp(flag, "-Z", 2) == 0) {
		char	*name = xstrndup(flag, len);
		int	 ok = variant_one_of(name, rustflag_allowed);

		free(name);
		if (ok && !strchr(flag, ' '))
			return (0);
	}
	buf_init(&names);
	for (i = 0; rustflag_allowed[i] != NULL; i++)
		buf_printf(&names, "%s%s", i ? ", " : "", rustflag_allowed[i]);
	xasprintf(why, "\"%s\" is not an allowed flag; write -Cname=value or "
	    "-Zname=value with one of %s (linker and plugin options are "
	    "never allowed)", flag, names.data);
	buf_free(&names);
	return (-1);
}

/* Reads rustflags: a list of allowed flags, joined by spaces in order. */
static int
variant_rustflags(const cJSON *v, char **out, char **why)
{
	const cJSON	*item;
	struct buf	 b;

	if (!cJSON_IsArray(v))
		return (-1);
	buf_init(&b);
	buf_addstr(&b, "");
	cJSON_ArrayForEach(item, v) {
		if (!cJSON_IsString(item)) {
			buf_free(&b);
			return (-1);
		}
		if (variant_rustflag(item->valuestring, why) != 0) {
			buf_free(&b);
			return (-1);
		}
		buf_printf(&b, "%s%s", b.len ? " " : "", item->valuestring);
	}
	*out = b.data;
	return (0);
}

/*
 * A setting's value in its one spelling (INTERFACE.md), or NULL when the
 * value is not one the key takes; *why says more for lists and flags.
 */
static char *
variant_value(const struct setting_def *def, const cJSON *v, char **why)
{
	static const char *const opt_words[] =
	    { "0", "1", "2", "3", "s", "z", NULL };
	static const char *const debug_words[] = { "none",
	    "line-directives-only", "line-tables-only", "limited", "full",
	    NULL };
	static const char *const strip_words[] =
	    { "none", "debuginfo", "symbols", NULL };
	static const char *const lto_words[] = { "off", "thin", "fat", NULL };
	static const char *const panic_words[] =
	    { "unwind", "abort", "immediate-abort", NULL };
	static const char *const fmt_words[] =
	    { "full", "shallow", "none", NULL };
	char	*out = NULL;
	int	 n;

	switch (def->kind) {
	case SETTING_OPT_LEVEL:
		if (variant_whole(v, 0, 3, &n) == 0)
			xasprintf(&out, "%d", n);
		else if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, opt_words))
			out = xstrdup(v->valuestring);
		break;
	case SETTING_DEBUG:
		if (cJSON_IsBool(v))
			out = xstrdup(cJSON_IsTrue(v) ? "full" : "none");
		else if (variant_whole(v, 0, 2, &n) == 0)
			xasprintf(&out, "%d", n);
		else if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, debug_words))
			out = xstrdup(v->valuestring);
		break;
	case SETTING_STRIP:
		if (cJSON_IsBool(v))
			out = xstrdup(cJSON_IsTrue(v) ? "symbols" : "none");
		else if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, strip_words))
			out = xstrdup(v->valuestring);
		break;
	case SETTING_LTO:
		if (cJSON_IsBool(v))
			out = xstrdup(cJSON_IsTrue(v) ? "fat" : "false");
		else if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, lto_words))
			out = xstrdup(v->valuestring);
		break;
	case SETTING_PANIC:
		if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, panic_words))
			out = xstrdup(v->valuestring);
		break;
	case SETTING_CODEGEN_UNITS:
		if (variant_whole(v, 1, 256, &n) == 0)
			xasprintf(&out, "%d", n);
		break;
	case SETTING_BOOL:
		if (cJSON_IsBool(v))
			out = xstrdup(cJSON_IsTrue(v) ? "true" : "false");
		break;
	case SETTING_NAME:
		if (cJSON_IsString(v) && variant_word(v->valuestring, "_-.+"))
			out = xstrdup(v->valuestring);
		break;
	case SETTING_TARGET:
		if (cJSON_IsString(v) && variant_word(v->valuestring, "_-.") &&
		    strchr(v->valuestring, '-') != NULL)
			out = xstrdup(v->valuestring);
		break;
	case SETTING_LOCATION:
		variant_location(v, &out);
		break;
	case SETTING_FMT_DEBUG:
		if (cJSON_IsString(v) &&
		    variant_one_of(v->valuestring, fmt_words))
			out = xstrdup(v->valuestring);
		break;
	case SETTING_LIST:
	case SETTING_CRATES:
		variant_name_list(v, def->kind == SETTING_LIST, &out, why);
		break;
	case SETTING_RUSTFLAGS:
		variant_rustflags(v, &out, why);
		break;
	}
	return (out);
}

/*
 * Normalises one setting's JSON value to its canonical spelling, or explains
 * in cause why the value is not allowed.
 */
int
variant_normalise(const char *key, const cJSON *v, char **out, char **cause)
{
	const struct setting_def	*def;
	char				*shown, *why = NULL;

	*out = NULL;
	if ((def = variant_def(key)) == NULL) {
		xasprintf(cause, "unknown key \"%s\"; known keys: %s", key,
		    variant_known_keys());
		return (-1);
	}
	if ((*out = variant_value(def, v, &why)) != NULL)
		return (0);
	shown = cJSON_PrintUnformatted(v);
	if (why != NULL)
		xasprintf(cause, "%s: %s", shown ? shown : "value", why);
	else if (def->kind == SETTING_OPT_LEVEL || def->kind == SETTING_DEBUG ||
	    def->kind == SETTING_STRIP || def->kind == SETTING_LTO ||
	    def->kind == SETTING_PANIC || def->kind == SETTING_BOOL ||
	    def->kind == SETTING_FMT_DEBUG)
		xasprintf(cause, "%s is not one of %s", shown ? shown : "value",
		    def->allowed);
	else
		xasprintf(cause, "%s is not %s", shown ? shown : "value",
		    def->allowed);
	free(why);
	cJSON_free(shown);
	return (-1);
}

/*
 * Checks what only the whole variant can tell: settings that need another.
 */
int
variant_check(const struct variant *v, char **cause)
{
	const char	*std = variant_get(v, "build-std");

	if (std == NULL && variant_get(v, "build-std-features") != NULL) {
		*cause = xstrdup("build-std-features needs build-std (for "
		    "example \"build-std\": [\"std\", \"panic_abort\"])");
		return (-1);
	}
	if (std == NULL && strcmp(variant_get(v, "panic") ? variant_get(v,
	    "panic") : "", "immediate-abort") == 0) {
		*cause = xstrdup("panic=immediate-abort needs build-std (for "
		    "example \"build-std\": [\"std\", \"panic_abort\"]): the "
		    "prebuilt standard library cannot abort immediately");
		return (-1);
	}
	return (0);
}

/* Tells whether a variant uses an option that needs a nightly rustc. */
int
variant_unstable(const struct variant *v)
{
	const struct setting_def	*def;
	size_t				 i;

	for (i = 0; i < v->n; i++) {
		if ((def = variant_def(v->key[i])) == NULL)
			continue;
		if (def->unstable)
			return (1);
		if (def->kind == SETTING_PANIC &&
		    strcmp(v->value[i], "immediate-abort") == 0)
			return (1);
		if (def->kind == SETTING_RUSTFLAGS &&
		    (strncmp(v->value[i], "-Z", 2) == 0 ||
		    strstr(v->value[i], " -Z") != NULL))
			return (1);
	}
	return (0);
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

/* Removes key from the variant, if it is set. */
void
variant_unset(struct variant *v, const char *key)
{
	size_t	 i;

	for (i = 0; i < v->n; i++) {
		if (strcmp(v->key[i], key) != 0)
			continue;
		free(v->key[i]);
		free(v->value[i]);
		memmove(&v->key[i], &v->key[i + 1],
		    (v->n - i - 1) * sizeof v->key[0]);
		memmove(&v->value[i], &v->value[i + 1],
		    (v->n - i - 1) * sizeof v->value[0]);
		v->n--;
		return;
	}
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

/* Tells whether a key travels as a CARGO_PROFILE_* variable. */
int
variant_is_profile_key(const char *key)
{
	const struct setting_def	*def = variant_def(key);

	return (def != NULL && def->route == ROUTE_PROFILE);
}

/*
 * Returns the canonical key of the settings that do not travel as profile
 * variables (rustc flags, cargo arguments, the toolchain; panic set to
 * immediate-abort, a rustc flag), or "release" when there are none.
 */
char *
variant_nonprofile_key(const struct variant *v)
{
	struct variant	 rest;
	char		*key;
	size_t		 i;

	variant_init(&rest);
	for (i = 0; i < v->n; i++) {
		if (!variant_is_profile_key(v->key[i]) ||
		    strcmp(v->value[i], "immediate-abort") == 0)
			variant_set(&rest, v->key[i], v->value[i]);
	}
	key = variant_key(&rest);
	variant_clear(&rest);
	return (key);
}

/*
 * Returns the key of a variant's release baseline: the same settings of
 * what is built and with what (features, package, bin or example, target,
 * custom profile, toolchain), no profile key or lever: "release" when it
 * has none. A size "vs release" compares only with that build.
 */
char *
variant_baseline_key(const struct variant *v)
{
	static const char *const same[] = { "bin", "default-features",
	    "example", "features", "package", "profile", "target",
	    "toolchain", NULL };
	const char *const	*k;
	struct variant		 base;
	char			*key;
	size_t			 i;

	variant_init(&base);
	for (i = 0; i < v->n; i++) {
		for (k = same; *k != NULL && strcmp(*k, v->key[i]) != 0; k++)
			;
		if (*k != NULL)
			variant_set(&base, v->key[i], v->value[i]);
	}
	key = variant_key(&base);
	variant_clear(&base);
	return (key);
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

/* Returns the profile a variant builds with: "release" unless it names one. */
static const char *
variant_profile(const struct variant *v)
{
	const char	*p = variant_get(v, "profile");

	return (p != NULL ? p : "release");
}

/* Splits words on spaces into a list, as Cargo splits RUSTFLAGS. */
static void
variant_split(const char *s, struct strlist *out)
{
	size_t	 len;
	char	*word;

	for (; s != NULL && *s != '\0'; s += len) {
		s += strspn(s, " \t\n");
		if ((len = strcspn(s, " \t\n")) > 0) {
			word = xstrndup(s, len);
			strlist_add(out, word);
			free(word);
		}
	}
}

/*
 * Adds to env every variable the build sets beyond the daemon's own
 * environment: the toolchain's, the profile keys, the target dir,
 * CARGO_INCREMENTAL=0, RUSTC_BOOTSTRAP when opted in, and RUSTFLAGS (the
 * daemon's own, then path remapping, then the variant's).
 */
void
variant_env(const struct variant *v, const struct build_context *ctx,
    struct strlist *env)
{
	const struct setting_def	*def;
	struct strlist			 flags = { NULL, 0 };
	struct buf			 joined;
	char				*prefix, *p;
	const char			*value;
	size_t				 i;
	int				 encoded = 0;

	if (ctx->toolchain_env != NULL) {
		for (i = 0; i < ctx->toolchain_env->n; i++)
			strlist_add(env, ctx->toolchain_env->v[i]);
	}
	xasprintf(&prefix, "CARGO_PROFILE_%s_", variant_profile(v));
	for (p = prefix; *p != '\0'; p++)
		*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	for (i = 0; i < v->n; i++) {
		def = variant_def(v->key[i]);
		if (def == NULL || def->route != ROUTE_PROFILE)
			continue;
		if (def->kind == SETTING_PANIC &&
		    strcmp(v->value[i], "immediate-abort") == 0)
			continue;
		strlist_addf(env, "%s%s=%s", prefix, def->env, v->value[i]);
	}
	free(prefix);
	strlist_addf(env, "CARGO_TARGET_DIR=%s", ctx->target_dir);
	strlist_add(env, "CARGO_INCREMENTAL=0");
	/* At a commit: the same numbers whenever it is built again. */
	if (ctx->commit_time > 0)
		strlist_addf(env, "SOURCE_DATE_EPOCH=%lld",
		    (long long)ctx->commit_time);
	if (ctx->bootstrap)
		strlist_add(env, "RUSTC_BOOTSTRAP=1");

	variant_split(ctx->daemon_rustflags, &flags);
	strlist_addf(&flags, "--remap-path-prefix=%s=/sizemat/target",
	    ctx->target_dir);
	strlist_addf(&flags, "--remap-path-prefix=%s=/sizemat/src",
	    ctx->source_dir);
	if (ctx->cargo_home != NULL)
		strlist_addf(&flags, "--remap-path-prefix=%s=/sizemat/cargo",
		    ctx->cargo_home);
	if ((value = variant_get(v, "location-detail")) != NULL)
		strlist_addf(&flags, "-Zlocation-detail=%s", value);
	if ((value = variant_get(v, "fmt-debug")) != NULL)
		strlist_addf(&flags, "-Zfmt-debug=%s", value);
	if ((value = variant_get(v, "panic")) != NULL &&
	    strcmp(value, "immediate-abort") == 0) {
		strlist_add(&flags, "-Zunstable-options");
		strlist_add(&flags, "-Cpanic=immediate-abort");
	}
	variant_split(variant_get(v, "rustflags"), &flags);

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

/* Returns the target triple a variant builds for: its own, else the host. */
static const char *
variant_target(const struct variant *v, const char *host)
{
	const char	*t = variant_get(v, "target");

	return (t != NULL ? t : host);
}

/* Adds the cargo arguments of a build of this variant. */
void
variant_cargo_args(const struct variant *v, const struct build_context *ctx,
    struct strlist *args)
{
	const char	*value;

	strlist_add(args, "build");
	if ((value = variant_get(v, "profile")) != NULL) {
		strlist_add(args, "--profile");
		strlist_add(args, value);
	} else
		strlist_add(args, "--release");
	strlist_add(args, "--message-format=json-render-diagnostics");
	if (ctx->locked)
		strlist_add(args, "--locked");
	strlist_add(args, "--target");
	strlist_add(args, variant_target(v, ctx->target));
	if ((value = variant_get(v, "package")) != NULL) {
		strlist_add(args, "--package");
		strlist_add(args, value);
	}
	if ((value = variant_get(v, "bin")) != NULL) {
		strlist_add(args, "--bin");
		strlist_add(args, value);
	}
	if ((value = variant_get(v, "example")) != NULL) {
		strlist_add(args, "--example");
		strlist_add(args, value);
	}
	if ((value = variant_get(v, "features")) != NULL && *value != '\0') {
		strlist_add(args, "--features");
		strlist_add(args, value);
	}
	if ((value = variant_get(v, "default-features")) != NULL &&
	    strcmp(value, "false") == 0)
		strlist_add(args, "--no-default-features");
	if ((value = variant_get(v, "build-std")) != NULL)
		strlist_addf(args, "-Zbuild-std=%s", value);
	if ((value = variant_get(v, "build-std-features")) != NULL)
		strlist_addf(args, "-Zbuild-std-features=%s", value);
}
