/*
 * Unit tests for units.c: cargo's unit-graph profiles in the canonical
 * spelling, Cargo's defaults, the project's own settings, and fingerprints
 * that see every unit's profile but not paths or cargo's order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../daemon/sizematd.h"
#include "check_sizematd.h"

/* A unit graph of a bin and one path dependency, as cargo prints it. */
static const char *const graph_fmt =
    "{\"version\":1,\"units\":["
    "{\"pkg_id\":\"path+file://%s/dep#dep@0.1.0\",\"target\":{\"kind\":"
    "[\"lib\"],\"crate_types\":[\"lib\"],\"name\":\"dep\",\"src_path\":"
    "\"%s/dep/src/lib.rs\"},\"profile\":{\"name\":\"release\","
    "\"opt_level\":\"%s\",\"lto\":\"false\",\"codegen_units\":null,"
    "\"debuginfo\":0,\"debug_assertions\":false,\"overflow_checks\":false,"
    "\"incremental\":false,\"panic\":\"abort\",\"strip\":{\"deferred\":"
    "\"None\"}},\"platform\":null,\"mode\":\"build\",\"features\":[],"
    "\"dependencies\":[]},"
    "{\"pkg_id\":\"path+file://%s#app@0.1.0\",\"target\":{\"kind\":"
    "[\"bin\"],\"crate_types\":[\"bin\"],\"name\":\"app\",\"src_path\":"
    "\"%s/src/main.rs\"},\"profile\":{\"name\":\"release\","
    "\"opt_level\":\"z\",\"lto\":\"%s\",\"codegen_units\":1,"
    "\"debuginfo\":0,\"debug_assertions\":false,\"overflow_checks\":false,"
    "\"incremental\":false,\"panic\":\"abort\",\"strip\":{\"resolved\":"
    "{\"Named\":\"symbols\"}}},\"platform\":null,\"mode\":\"build\","
    "\"features\":[\"default\"],\"dependencies\":[{\"index\":0,"
    "\"extern_crate_name\":\"dep\"}]}],\"roots\":[1]}";

/*
 * Returns the graph with the project at path, the dependency's opt-level
 * and the root's lto as cargo spells it.
 */
static char *
graph_lto(const char *path, const char *dep_opt, const char *lto)
{
	char	*g;

	xasprintf(&g, graph_fmt, path, path, dep_opt, path, path, lto);
	return (g);
}

/* As graph_lto, with the root's lto spelled true. */
static char *
graph(const char *path, const char *dep_opt)
{
	return (graph_lto(path, dep_opt, "true"));
}

/* Reads a profile object from JSON text into its canonical form. */
static cJSON *
profile_of(const char *text)
{
	cJSON	*p = cJSON_Parse(text), *o;

	ck_assert_ptr_nonnull(p);
	o = units_profile(p);
	cJSON_Delete(p);
	return (o);
}

/* Returns a key of a canonical profile. */
static const char *
get(const cJSON *o, const char *key)
{
	return (cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key)));
}

START_TEST(test_profile_spelling)
{
	cJSON	*o;

	o = profile_of("{\"opt_level\":\"3\",\"lto\":\"false\","
	    "\"codegen_units\":null,\"debuginfo\":0,\"incremental\":false,"
	    "\"panic\":\"unwind\",\"strip\":{\"resolved\":{\"Named\":"
	    "\"debuginfo\"}}}");
	ck_assert_str_eq(get(o, "codegen-units"), "16");
	ck_assert_str_eq(get(o, "debug"), "none");
	ck_assert_str_eq(get(o, "lto"), "false");
	ck_assert_str_eq(get(o, "strip"), "debuginfo");
	ck_assert_int_eq(cJSON_GetArraySize(o), 8);
	cJSON_Delete(o);

	o = profile_of("{\"opt_level\":\"z\",\"lto\":\"true\","
	    "\"codegen_units\":1,\"debuginfo\":2,\"panic\":\"abort\","
	    "\"strip\":{\"resolved\":\"None\"},\"overflow_checks\":true}");
	ck_assert_str_eq(get(o, "lto"), "fat");
	ck_assert_str_eq(get(o, "codegen-units"), "1");
	ck_assert_str_eq(get(o, "debug"), "full");
	ck_assert_str_eq(get(o, "strip"), "none");
	ck_assert_str_eq(get(o, "overflow-checks"), "true");
	cJSON_Delete(o);

	/* Deferred strip: debuginfo goes only from a build without it. */
	o = profile_of("{\"debuginfo\":\"line-tables-only\",\"incremental\":"
	    "true,\"strip\":{\"deferred\":\"None\"}}");
	ck_assert_str_eq(get(o, "debug"), "line-tables-only");
	ck_assert_str_eq(get(o, "strip"), "none");
	ck_assert_str_eq(get(o, "codegen-units"), "256");
	cJSON_Delete(o);
	o = profile_of("{\"debuginfo\":0,\"strip\":{\"deferred\":\"None\"}}");
	ck_assert_str_eq(get(o, "strip"), "debuginfo");
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_own_settings_and_defaults)
{
	cJSON	*o;

	o = profile_of("{\"opt_level\":\"3\",\"lto\":\"true\","
	    "\"codegen_units\":1,\"debuginfo\":0,\"panic\":\"abort\","
	    "\"strip\":{\"resolved\":{\"Named\":\"debuginfo\"}}}");
	units_own_settings(o);
	ck_assert_int_eq(cJSON_GetArraySize(o), 3);
	ck_assert_str_eq(get(o, "lto"), "fat");
	ck_assert_str_eq(get(o, "codegen-units"), "1");
	ck_assert_str_eq(get(o, "panic"), "abort");
	ck_assert_str_eq(units_cargo_default("strip", o), "debuginfo");
	cJSON_Delete(o);

	/* With debug info, Cargo strips nothing: strip=debuginfo is own. */
	o = profile_of("{\"debuginfo\":1,\"strip\":{\"resolved\":{\"Named\":"
	    "\"debuginfo\"}}}");
	units_own_settings(o);
	ck_assert_str_eq(get(o, "debug"), "limited");
	ck_assert_str_eq(get(o, "strip"), "debuginfo");
	ck_assert_str_eq(units_cargo_default("strip", o), "none");
	cJSON_Delete(o);
	ck_assert_ptr_null(units_cargo_default("features", NULL));
	ck_assert_str_eq(units_value("debug", "2"), "full");
	ck_assert_str_eq(units_value("debug", "line-tables-only"),
	    "line-tables-only");
	ck_assert_str_eq(units_value("opt-level", "2"), "2");
}
END_TEST

START_TEST(test_fingerprint)
{
	struct build_units	 a, b;
	char			*g, *cause = NULL;

	g = graph("/w/target/1/worktree", "3");
	ck_assert_int_eq(units_read(g, "release|default", &a, &cause), 0);
	free(g);
	ck_assert_str_eq(get(a.effective, "opt-level"), "z");
	ck_assert_str_eq(get(a.effective, "lto"), "fat");
	ck_assert_str_eq(get(a.effective, "strip"), "symbols");
	ck_assert_uint_eq(strlen(a.fingerprint), 16);

	/* Another worktree, the same units: the same fingerprint. */
	g = graph("/w/target/2/worktree", "3");
	ck_assert_int_eq(units_read(g, "release|default", &b, &cause), 0);
	free(g);
	ck_assert_str_eq(a.fingerprint, b.fingerprint);
	build_units_clear(&b);

	/* A dependency's own profile counts, not only the root's. */
	g = graph("/w/target/1/worktree", "s");
	ck_assert_int_eq(units_read(g, "release|default", &b, &cause), 0);
	free(g);
	ck_assert_str_ne(a.fingerprint, b.fingerprint);
	ck_assert_str_eq(get(b.effective, "opt-level"), "z");
	build_units_clear(&b);

	/*
	 * lto = true and lto = "fat" are one setting but not one build:
	 * cargo hashes the spelling into -C metadata.
	 */
	g = graph_lto("/w/target/1/worktree", "3", "fat");
	ck_assert_int_eq(units_read(g, "release|default", &b, &cause), 0);
	free(g);
	ck_assert_str_eq(get(b.effective, "lto"), "fat");
	ck_assert_str_ne(a.fingerprint, b.fingerprint);
	build_units_clear(&b);

	/* So do the inputs the graph does not show. */
	g = graph("/w/target/1/worktree", "3");
	ck_assert_int_eq(units_read(g, "location-detail=none|default", &b,
	    &cause), 0);
	free(g);
	ck_assert_str_ne(a.fingerprint, b.fingerprint);
	build_units_clear(&b);
	build_units_clear(&a);
}
END_TEST

/* Returns roots [{pkg_id, name, type}] from "pkg:name:type" triples. */
static cJSON *
roots_of(const char *const *triples)
{
	cJSON	*a = cJSON_CreateArray(), *o;
	char	 pkg[64], name[64], type[16];

	for (; *triples != NULL; triples++) {
		ck_assert_int_eq(sscanf(*triples, "%63[^:]:%63[^:]:%15s", pkg,
		    name, type), 3);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "pkg_id", pkg);
		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "type", type);
		cJSON_AddItemToArray(a, o);
	}
	return (a);
}

START_TEST(test_default_artifact)
{
	static const char *const three[] = { "p1:tiny:bin", "p1:tool:bin",
	    "p1:big:bin", NULL };
	static const char *const two[] = { "p1:app:bin", "p2:tool:bin",
	    NULL };
	static const char *const one[] = { "p1:plugin:cdylib", NULL };
	const char	*meta_named = "{\"packages\":[{\"id\":\"p1\","
	    "\"name\":\"tool\",\"default_run\":null}]}";
	const char	*meta_run = "{\"packages\":[{\"id\":\"p1\","
	    "\"name\":\"tool\",\"default_run\":\"big\"}]}";
	const char	*meta_ws = "{\"packages\":[{\"id\":\"p1\","
	    "\"name\":\"app\"},{\"id\":\"p2\",\"name\":\"tool\"}]}";
	cJSON		*r;
	char		*d;

	/* default-run first, then the binary named like the package. */
	r = roots_of(three);
	d = units_default_artifact(r, meta_run);
	ck_assert_str_eq(d, "big");
	free(d);
	d = units_default_artifact(r, meta_named);
	ck_assert_str_eq(d, "tool");
	free(d);
	/* Without metadata, three binaries leave no default. */
	ck_assert_ptr_null(units_default_artifact(r, NULL));
	cJSON_Delete(r);
	/* Two packages, each with a binary named like it: no default. */
	r = roots_of(two);
	ck_assert_ptr_null(units_default_artifact(r, meta_ws));
	cJSON_Delete(r);
	/* The only artifact. */
	r = roots_of(one);
	d = units_default_artifact(r, NULL);
	ck_assert_str_eq(d, "plugin");
	free(d);
	cJSON_Delete(r);
}
END_TEST

START_TEST(test_units_refusals)
{
	struct build_units	 u;
	char			*cause = NULL;

	ck_assert_int_eq(units_read("not json", "", &u, &cause), -1);
	ck_assert_str_eq(cause, "cargo's unit graph is not JSON");
	free(cause);
	ck_assert_int_eq(units_read("{\"units\":[],\"roots\":[0]}", "", &u,
	    &cause), -1);
	ck_assert_str_eq(cause, "cargo's unit graph has no root unit");
	free(cause);
	ck_assert_ptr_null(u.effective);
}
END_TEST

START_TEST(test_identity_cache)
{
	struct toolchain	 tc;
	struct identities	*ids;
	char			 dir[] = "/tmp/sizemat-check-id-XXXXXX";
	char			 a[512], b[512], bin[512], *ka, *kb;
	const char		*from;
	FILE			*f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	snprintf(bin, sizeof bin, "%s/a/bin", dir);
	ck_assert_int_eq(mkdir(a, 0755), 0);
	ck_assert_int_eq(mkdir(b, 0755), 0);
	ck_assert_int_eq(mkdir(bin, 0755), 0);
	snprintf(bin, sizeof bin, "%s/a/bin/rustc", dir);
	ck_assert_ptr_nonnull(f = fopen(bin, "w"));
	fputs("one", f);
	fclose(f);
	snprintf(bin, sizeof bin, "%s/b/bin", dir);
	ck_assert_int_eq(mkdir(bin, 0755), 0);
	snprintf(bin, sizeof bin, "%s/b/bin/rustc", dir);
	ck_assert_ptr_nonnull(f = fopen(bin, "w"));
	fputs("two", f);
	fclose(f);
	memset(&tc, 0, sizeof tc);
	tc.name = "t";
	tc.rustc_shown = "/nonexistent/rustc";
	tc.rustup = "stable";
	ka = identity_key(&tc, a);
	tc.name = "u";
	kb = identity_key(&tc, b);
	ids = identities_create();
	identities_add(ids, ka, "rustc 1.0.0 (a)", a);
	identities_add(ids, kb, "rustc 2.0.0 (b)", b);
	ck_assert_str_eq(identities_find(ids, kb, &from), "rustc 2.0.0 (b)");
	/* The first toolchain's binary changes: it is probed again. */
	snprintf(bin, sizeof bin, "%s/a/bin/rustc", dir);
	ck_assert_ptr_nonnull(f = fopen(bin, "a"));
	fputs(" updated", f);
	fclose(f);
	ck_assert_ptr_null(identities_find(ids, ka, &from));
	identities_add(ids, ka, "rustc 1.0.1 (a)", a);
	/* The other one, moved to make room, is whole. */
	ck_assert_str_eq(identities_find(ids, kb, &from), "rustc 2.0.0 (b)");
	ck_assert_str_eq(identities_find(ids, ka, &from), "rustc 1.0.1 (a)");
	identities_free(ids);
	free(ka);
	free(kb);
	snprintf(bin, sizeof bin, "rm -rf %s", dir);
	ck_assert_int_eq(system(bin), 0);
}
END_TEST

Suite *
units_suite(void)
{
	Suite	*s = suite_create("units");
	TCase	*core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_profile_spelling);
	tcase_add_test(core, test_own_settings_and_defaults);
	tcase_add_test(core, test_fingerprint);
	tcase_add_test(core, test_default_artifact);
	tcase_add_test(core, test_identity_cache);
	tcase_add_test(limits, test_units_refusals);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return (s);
}
