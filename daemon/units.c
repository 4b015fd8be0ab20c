/*
 * Unit graphs: what cargo says it would build (`cargo build --unit-graph`),
 * read into the effective profile of the root unit, in INTERFACE.md's
 * spelling, and a fingerprint of every unit's effective inputs, so that two
 * variants that would compile the same thing are known to be one build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/*
 * Cargo's release profile when a project sets nothing, in the order of the
 * effective object. strip follows debug (Cargo strips debuginfo from a
 * build without debug info), so it has no fixed default here.
 */
static const struct {
	const char	*key;
	const char	*value;
} units_defaults[] = {
	{ "codegen-units", "16" },
	{ "debug", "none" },
	{ "debug-assertions", "false" },
	{ "lto", "false" },
	{ "opt-level", "3" },
	{ "overflow-checks", "false" },
	{ "panic", "unwind" },
	{ "strip", NULL },
};
#define UNITS_NKEYS (sizeof units_defaults / sizeof units_defaults[0])

/* Returns the debug level cargo names by number or word, as a word. */
static const char *
units_debug(const cJSON *d)
{
	static const char *const levels[] = { "none", "limited", "full" };

	if (cJSON_IsNumber(d) && d->valueint >= 0 && d->valueint <= 2)
		return (levels[d->valueint]);
	if (cJSON_IsString(d))
		return (d->valuestring);
	return ("none");
}

/*
 * Returns what strip does: {"resolved": {"Named": "symbols"}} and
 * {"resolved": "None"} say it; {"deferred": ...} leaves it to cargo, which
 * strips debuginfo from a unit built without debug info.
 */
static const char *
units_strip(const cJSON *s, const char *debug, char *out, size_t len)
{
	const cJSON	*r, *named;
	const char	*word = "none";
	char		*p;

	if ((r = cJSON_GetObjectItemCaseSensitive(s, "resolved")) != NULL) {
		named = cJSON_GetObjectItemCaseSensitive(r, "Named");
		if (cJSON_IsString(named))
			word = named->valuestring;
		else if (cJSON_IsString(r))
			word = r->valuestring;
	} else if (strcmp(debug, "none") == 0)
		word = "debuginfo";
	snprintf(out, len, "%s", word);
	for (p = out; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	return (out);
}

/*
 * Returns a unit's profile as canonical key/values: opt-level, lto
 * ("true" is fat), codegen-units (rustc's default when cargo passes none:
 * 16, or 256 for an incremental build), panic, strip, debug,
 * overflow-checks and debug-assertions.
 */
cJSON *
units_profile(const cJSON *profile)
{
	const cJSON	*p, *cgu, *lto;
	const char	*debug, *s;
	char		 n[16], strip[32];
	cJSON		*o;

	o = cJSON_CreateObject();
	cgu = cJSON_GetObjectItemCaseSensitive(profile, "codegen_units");
	if (cJSON_IsNumber(cgu))
		snprintf(n, sizeof n, "%d", cgu->valueint);
	else
		snprintf(n, sizeof n, "%d", cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(profile, "incremental")) ?
		    256 : 16);
	cJSON_AddStringToObject(o, "codegen-units", n);
	debug = units_debug(cJSON_GetObjectItemCaseSensitive(profile,
	    "debuginfo"));
	cJSON_AddStringToObject(o, "debug", debug);
	cJSON_AddStringToObject(o, "debug-assertions", cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(profile, "debug_assertions")) ?
	    "true" : "false");
	lto = cJSON_GetObjectItemCaseSensitive(profile, "lto");
	s = cJSON_IsString(lto) ? lto->valuestring : "false";
	cJSON_AddStringToObject(o, "lto", strcmp(s, "true") == 0 ? "fat" : s);
	p = cJSON_GetObjectItemCaseSensitive(profile, "opt_level");
	cJSON_AddStringToObject(o, "opt-level", cJSON_IsString(p) ?
	    p->valuestring : "3");
	cJSON_AddStringToObject(o, "overflow-checks", cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(profile, "overflow_checks")) ?
	    "true" : "false");
	p = cJSON_GetObjectItemCaseSensitive(profile, "panic");
	cJSON_AddStringToObject(o, "panic", cJSON_IsString(p) ?
	    p->valuestring : "unwind");
	cJSON_AddStringToObject(o, "strip", units_strip(
	    cJSON_GetObjectItemCaseSensitive(profile, "strip"), debug, strip,
	    sizeof strip));
	return (o);
}

/*
 * Returns the value Cargo's release profile gives a key when the project
 * sets nothing, judged beside an effective profile (strip follows its
 * debug); NULL for a key the effective profile does not carry.
 */
const char *
units_cargo_default(const char *key, const cJSON *effective)
{
	const char	*debug;
	size_t		 i;

	for (i = 0; i < UNITS_NKEYS; i++) {
		if (strcmp(units_defaults[i].key, key) != 0)
			continue;
		if (units_defaults[i].value != NULL)
			return (units_defaults[i].value);
		debug = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    effective, "debug"));
		return (debug == NULL || strcmp(debug, "none") == 0 ?
		    "debuginfo" : "none");
	}
	return (NULL);
}

/*
 * Returns a variant's value in the effective profile's spelling: debug
 * levels given as numbers become words.
 */
const char *
units_value(const char *key, const char *value)
{
	static const char *const levels[] = { "none", "limited", "full" };

	if (strcmp(key, "debug") == 0 && value[0] >= '0' && value[0] <= '2' &&
	    value[1] == '\0')
		return (levels[value[0] - '0']);
	return (value);
}

/*
 * Keeps of a project's effective profile only what differs from Cargo's
 * release defaults: what the project sets itself.
 */
void
units_own_settings(cJSON *profile)
{
	cJSON		*item, *next;
	const char	*def;

	for (item = profile != NULL ? profile->child : NULL; item != NULL;
	    item = next) {
		next = item->next;
		def = units_cargo_default(item->string, profile);
		if (def != NULL && cJSON_IsString(item) &&
		    strcmp(def, item->valuestring) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(profile,
			    item->string);
	}
}

/* Returns what follows '#' in a package id: "name@version". */
static const char *
units_package(const cJSON *unit)
{
	const char	*id, *hash;

	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(unit,
	    "pkg_id"));
	if (id == NULL)
		return ("?");
	hash = strrchr(id, '#');
	return (hash != NULL ? hash + 1 : id);
}

/* Appends a JSON value's compact text to b. */
static void
units_add_json(struct buf *b, const cJSON *v)
{
	char	*s;

	if (v == NULL) {
		buf_addstr(b, "-");
		return;
	}
	s = cJSON_PrintUnformatted(v);
	buf_addstr(b, s != NULL ? s : "-");
	cJSON_free(s);
}

/*
 * Appends one unit's line to the fingerprint: its package (without its
 * path, which differs from one worktree to the next), target, mode,
 * platform, features, canonical profile and dependencies by name. lto is
 * also kept as cargo spells it: `lto = true` and `lto = "fat"` are the same
 * setting but not the same build (cargo hashes the spelling into -C
 * metadata, and on hexyl the binaries differ by 16 bytes).
 */
static void
units_line(struct buf *b, const cJSON *units, const cJSON *unit)
{
	const cJSON	*target, *dep, *d;
	cJSON		*profile;

	target = cJSON_GetObjectItemCaseSensitive(unit, "target");
	buf_printf(b, "%s|", units_package(unit));
	units_add_json(b, cJSON_GetObjectItemCaseSensitive(target, "kind"));
	buf_printf(b, "|%s|", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(target, "name")));
	units_add_json(b, cJSON_GetObjectItemCaseSensitive(target,
	    "crate_types"));
	buf_addstr(b, "|");
	units_add_json(b, cJSON_GetObjectItemCaseSensitive(unit, "mode"));
	buf_addstr(b, "|");
	units_add_json(b, cJSON_GetObjectItemCaseSensitive(unit, "platform"));
	buf_addstr(b, "|");
	units_add_json(b, cJSON_GetObjectItemCaseSensitive(unit, "features"));
	buf_addstr(b, "|");
	profile = units_profile(cJSON_GetObjectItemCaseSensitive(unit,
	    "profile"));
	units_add_json(b, profile);
	cJSON_Delete(profile);
	buf_printf(b, "|lto:%s", json_str(cJSON_GetObjectItemCaseSensitive(unit,
	    "profile"), "lto", "-"));
	cJSON_ArrayForEach(dep, cJSON_GetObjectItemCaseSensitive(unit,
	    "dependencies")) {
		d = cJSON_GetArrayItem(units, cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(dep, "index")));
		buf_printf(b, "|%s:%s", d != NULL ? units_package(d) : "?",
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(d, "target"), "name")));
	}
}

/*
 * Counts the root units that make what sizemat measures: a binary (an
 * example's too), a cdylib, dylib or staticlib.
 */
static int
units_measured(const cJSON *units, const cJSON *roots, cJSON **list)
{
	static const char *const kinds[] = { "bin", "cdylib", "dylib",
	    "staticlib", NULL };
	const cJSON	*r, *t, *unit, *target;
	const char *const *k;
	cJSON		*o;
	int		 n = 0;

	*list = cJSON_CreateArray();
	cJSON_ArrayForEach(r, roots) {
		unit = cJSON_GetArrayItem(units, (int)cJSON_GetNumberValue(r));
		target = cJSON_GetObjectItemCaseSensitive(unit, "target");
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(target,
		    "crate_types")) {
			for (k = kinds; *k != NULL; k++) {
				if (cJSON_IsString(t) &&
				    strcmp(t->valuestring, *k) == 0)
					break;
			}
			if (*k == NULL)
				continue;
			/* What it makes, for the default artifact. */
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "pkg_id", json_str(unit,
			    "pkg_id", ""));
			cJSON_AddStringToObject(o, "name", json_str(target,
			    "name", ""));
			cJSON_AddStringToObject(o, "type", *k);
			cJSON_AddItemToArray(*list, o);
			n++;
			break;
		}
	}
	return (n);
}

/*
 * Returns the artifact a command takes when none is named (INTERFACE.md):
 * the package's default-run, else the binary named like its package, else
 * the only one; NULL when several remain. roots are what units_read
 * found, metadata is cargo metadata's answer (names, default-run).
 */
char *
units_default_artifact(const cJSON *roots, const char *metadata)
{
	const cJSON	*r, *pkg;
	cJSON		*doc = metadata != NULL ? cJSON_Parse(metadata) : NULL;
	const char	*found = NULL, *run, *name;
	char		*out = NULL;
	int		 pass, n;

	for (pass = 0; pass < 3 && found == NULL; pass++) {
		n = 0;
		cJSON_ArrayForEach(r, roots) {
			pkg = NULL;
			cJSON_ArrayForEach(pkg, cJSON_GetObjectItemCaseSensitive(
			    doc, "packages")) {
				if (strcmp(json_str(pkg, "id", ""), json_str(r,
				    "pkg_id", "")) == 0)
					break;
			}
			run = json_str(pkg, "default_run", NULL);
			name = json_str(pkg, "name", NULL);
			if ((pass == 0 && run != NULL && strcmp(run, json_str(r,
			    "name", "")) == 0) || (pass == 1 && name != NULL &&
			    strcmp(json_str(r, "type", ""), "bin") == 0 &&
			    strcmp(name, json_str(r, "name", "")) == 0) ||
			    pass == 2) {
				found = json_str(r, "name", NULL);
				n++;
			}
		}
		if (n > 1)
			found = NULL;	/* several: none is the default */
	}
	if (found != NULL)
		out = xstrdup(found);
	cJSON_Delete(doc);
	return (out);
}

/* Orders two lines of a fingerprint. */
static int
units_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Reads cargo's unit graph: the root unit's effective profile, and a
 * fingerprint of every unit (sorted, so cargo's order does not matter)
 * together with extra, the inputs the graph does not show (the variant's
 * rustc flags, toolchain, post steps). Returns 0, or -1 with a cause.
 */
int
units_read(const char *text, const char *extra, struct build_units *out,
    char **cause)
{
	cJSON		*doc;
	const cJSON	*units, *roots, *unit, *root;
	struct strlist	 lines = { NULL, 0 };
	struct buf	 b;
	size_t		 i;
	char		 hex[17];

	memset(out, 0, sizeof *out);
	if ((doc = cJSON_Parse(text)) == NULL) {
		*cause = xstrdup("cargo's unit graph is not JSON");
		return (-1);
	}
	units = cJSON_GetObjectItemCaseSensitive(doc, "units");
	roots = cJSON_GetObjectItemCaseSensitive(doc, "roots");
	root = cJSON_GetArrayItem(units, (int)cJSON_GetNumberValue(
	    cJSON_GetArrayItem(roots, 0)));
	if (!cJSON_IsArray(units) || root == NULL) {
		*cause = xstrdup("cargo's unit graph has no root unit");
		cJSON_Delete(doc);
		return (-1);
	}
	out->effective = units_profile(cJSON_GetObjectItemCaseSensitive(root,
	    "profile"));
	out->measured = units_measured(units, roots, &out->roots);
	buf_init(&b);
	cJSON_ArrayForEach(unit, units) {
		buf_reset(&b);
		units_line(&b, units, unit);
		strlist_add(&lines, b.data);
	}
	qsort(lines.v, lines.n, sizeof *lines.v, units_cmp);
	buf_reset(&b);
	for (i = 0; i < lines.n; i++)
		buf_printf(&b, "%s\n", lines.v[i]);
	buf_printf(&b, "%s\n", extra);
	snprintf(hex, sizeof hex, "%016llx",
	    (unsigned long long)units_hash(b.data));
	out->fingerprint = xstrdup(hex);
	buf_free(&b);
	strlist_free(&lines);
	cJSON_Delete(doc);
	return (0);
}

/* Returns a 64-bit FNV-1a hash of s. */
uint64_t
units_hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (h);
}

/* Frees what units_read filled in. */
void
build_units_clear(struct build_units *u)
{
	cJSON_Delete(u->effective);
	cJSON_Delete(u->project);
	cJSON_Delete(u->roots);
	free(u->default_artifact);
	free(u->fingerprint);
	memset(u, 0, sizeof *u);
}
