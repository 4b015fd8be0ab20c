/* Unit tests for variant.c: normalisation, canonical keys, env and args. */
#include <stdlib.h>
#include <string.h>

#include "../daemon/sizematd.h"
#include "check_sizematd.h"

/* Normalises a JSON literal for key; returns the value or NULL. */
static char *
norm(const char *key, const char *json, char **cause)
{
	cJSON	*v = cJSON_Parse(json);
	char	*out = NULL, *why = NULL;

	ck_assert_ptr_nonnull(v);
	if (variant_normalise(key, v, &out, &why) != 0)
		out = NULL;
	cJSON_Delete(v);
	if (cause != NULL)
		*cause = why;
	else
		free(why);
	return (out);
}

/* Asserts that key=json normalises to want. */
static void
assert_norm(const char *key, const char *json, const char *want)
{
	char	*got = norm(key, json, NULL);

	ck_assert_msg(got != NULL, "%s=%s was refused", key, json);
	ck_assert_str_eq(got, want);
	free(got);
}

/* Returns the value of NAME in an env list, or NULL. */
static const char *
env_get(const struct strlist *env, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
			return (env->v[i] + n + 1);
	}
	return (NULL);
}

START_TEST(test_normalise_spellings)
{
	assert_norm("lto", "true", "fat");
	assert_norm("lto", "false", "false");
	assert_norm("lto", "\"off\"", "off");
	assert_norm("lto", "\"thin\"", "thin");
	assert_norm("strip", "true", "symbols");
	assert_norm("strip", "false", "none");
	assert_norm("strip", "\"debuginfo\"", "debuginfo");
	assert_norm("debug", "true", "full");
	assert_norm("debug", "false", "none");
	assert_norm("debug", "1", "1");
	assert_norm("opt-level", "3", "3");
	assert_norm("opt-level", "\"3\"", "3");
	assert_norm("opt-level", "\"z\"", "z");
	assert_norm("codegen-units", "16", "16");
	/* Numbers written as strings, for every numeric key. */
	assert_norm("codegen-units", "\"1\"", "1");
	assert_norm("debug", "\"2\"", "2");
	assert_norm("panic", "\"abort\"", "abort");
	assert_norm("overflow-checks", "true", "true");
	assert_norm("debug-assertions", "false", "false");
	assert_norm("panic", "\"immediate-abort\"", "immediate-abort");
	assert_norm("location-detail", "\"none\"", "none");
	assert_norm("location-detail", "[\"column\", \"file\"]",
	    "file,column");
	assert_norm("fmt-debug", "\"shallow\"", "shallow");
	assert_norm("build-std", "[\"std\", \"panic_abort\", \"std\"]",
	    "panic_abort,std");
	assert_norm("build-std-features", "[]", "");
	assert_norm("build-std-features", "[\"optimize_for_size\"]",
	    "optimize_for_size");
	assert_norm("features", "[\"b\", \"a\"]", "a,b");
	assert_norm("default-features", "false", "false");
	assert_norm("target", "\"wasm32-unknown-unknown\"",
	    "wasm32-unknown-unknown");
	assert_norm("toolchain", "\"nightly\"", "nightly");
	assert_norm("rustflags", "[\"-Ctarget-cpu=native\", "
	    "\"-Zshare-generics=y\"]", "-Ctarget-cpu=native -Zshare-generics=y");
}
END_TEST

START_TEST(test_unstable_levers)
{
	struct variant		 v;
	struct build_context	 ctx;
	struct strlist		 env = { NULL, 0 }, args = { NULL, 0 };
	struct strlist		 tcenv = { NULL, 0 };
	char			*cause, *key;

	variant_init(&v);
	ck_assert_int_eq(variant_unstable(&v), 0);
	variant_set(&v, "panic", "immediate-abort");
	ck_assert_int_eq(variant_check(&v, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "needs build-std"));
	free(cause);
	variant_set(&v, "build-std", "panic_abort,std");
	variant_set(&v, "build-std-features", "");
	variant_set(&v, "location-detail", "none");
	variant_set(&v, "fmt-debug", "none");
	variant_set(&v, "opt-level", "z");
	variant_set(&v, "profile", "min-size");
	variant_set(&v, "features", "a,b");
	variant_set(&v, "default-features", "false");
	variant_set(&v, "target", "wasm32-unknown-unknown");
	variant_set(&v, "rustflags", "-Ctarget-cpu=native");
	ck_assert_int_eq(variant_check(&v, &cause), 0);
	ck_assert_int_eq(variant_unstable(&v), 1);
	key = variant_key(&v);
	ck_assert_str_eq(key, "build-std=panic_abort,std,build-std-features=,"
	    "default-features=false,features=a,b,fmt-debug=none,"
	    "location-detail=none,opt-level=z,panic=immediate-abort,"
	    "profile=min-size,rustflags=-Ctarget-cpu=native,"
	    "target=wasm32-unknown-unknown");

	memset(&ctx, 0, sizeof ctx);
	strlist_add(&tcenv, "RUSTC=/usr/bin/rustc");
	ctx.toolchain_env = &tcenv;
	ctx.bootstrap = 1;
	ctx.source_dir = "/s";
	ctx.target_dir = "/t";
	ctx.target = "x86_64-unknown-linux-gnu";
	variant_env(&v, &ctx, &env);
	ck_assert_str_eq(env_get(&env, "RUSTC"), "/usr/bin/rustc");
	ck_assert_str_eq(env_get(&env, "RUSTC_BOOTSTRAP"), "1");
	/* A custom profile's keys; immediate-abort is a flag, not a key. */
	ck_assert_str_eq(env_get(&env, "CARGO_PROFILE_MIN_SIZE_OPT_LEVEL"),
	    "z");
	ck_assert_ptr_null(env_get(&env, "CARGO_PROFILE_MIN_SIZE_PANIC"));
	ck_assert_str_eq(env_get(&env, "RUSTFLAGS"),
	    "--remap-path-prefix=/t=/sizemat/target "
	    "--remap-path-prefix=/s=/sizemat/src -Zlocation-detail=none "
	    "-Zfmt-debug=none -Zunstable-options -Cpanic=immediate-abort "
	    "-Ctarget-cpu=native");
	variant_cargo_args(&v, &ctx, &args);
	ck_assert_uint_eq(args.n, 11);
	ck_assert_str_eq(args.v[1], "--profile");
	ck_assert_str_eq(args.v[2], "min-size");
	ck_assert_str_eq(args.v[5], "wasm32-unknown-unknown");
	ck_assert_str_eq(args.v[6], "--features");
	ck_assert_str_eq(args.v[7], "a,b");
	ck_assert_str_eq(args.v[8], "--no-default-features");
	ck_assert_str_eq(args.v[9], "-Zbuild-std=panic_abort,std");
	ck_assert_str_eq(args.v[10], "-Zbuild-std-features=");

	/* The key reads back into the same settings, list values intact. */
	{
		struct variant	 back, part;

		ck_assert_int_eq(variant_parse_key(key, &back, &cause), 0);
		ck_assert_uint_eq(back.n, v.n);
		ck_assert_str_eq(variant_get(&back, "features"), "a,b");
		ck_assert_str_eq(variant_get(&back, "build-std-features"), "");
		ck_assert_int_eq(variant_parse_key("features=a,b,opt-level=z",
		    &part, &cause), 0);
		ck_assert_int_eq(variant_matches(&back, &part), 1);
		variant_clear(&part);
		ck_assert_int_eq(variant_parse_key("opt-level=s", &part,
		    &cause), 0);
		ck_assert_int_eq(variant_matches(&back, &part), 0);
		variant_clear(&part);
		ck_assert_int_eq(variant_parse_key("ltoo", &part, &cause), -1);
		free(cause);
		variant_clear(&back);
	}
	free(key);
	strlist_free(&tcenv);
	strlist_free(&env);
	strlist_free(&args);
	variant_clear(&v);
}
END_TEST

START_TEST(test_normalise_refusals)
{
	static const char *const bad[][2] = {
		{ "lto", "\"fatt\"" }, { "lto", "1" },
		{ "opt-level", "4" }, { "opt-level", "\"x\"" },
		{ "opt-level", "2.5" }, { "opt-level", "true" },
		{ "codegen-units", "0" }, { "codegen-units", "257" },
		{ "codegen-units", "1.5" }, { "codegen-units", "\"1.5\"" },
		{ "codegen-units", "\"300\"" }, { "codegen-units", "\" 1\"" },
		{ "strip", "\"all\"" }, { "panic", "\"immediate\"" },
		{ "debug", "3" }, { "overflow-checks", "\"yes\"" },
		{ "opt_level", "3" }, { "location-detail", "[\"row\"]" },
		{ "location-detail", "[]" }, { "fmt-debug", "\"some\"" },
		{ "build-std", "[]" }, { "build-std", "\"std\"" },
		{ "features", "[\"a b\"]" }, { "target", "\"x86\"" },
		{ "rustflags", "[\"-Clinker=/bin/evil\"]" },
		{ "rustflags", "[\"-Clink-arg=-s\"]" },
		{ "rustflags", "[\"-Zcodegen-backend=x\"]" },
		{ "rustflags", "[\"--cfg=x\"]" },
		{ "toolchain", "\"a/b\"" }, { "default-features", "\"no\"" },
	};
	char	*cause, *got;
	size_t	 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		got = norm(bad[i][0], bad[i][1], &cause);
		ck_assert_msg(got == NULL, "%s=%s was accepted", bad[i][0],
		    bad[i][1]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
	got = norm("lto", "\"fatt\"", &cause);
	ck_assert_str_eq(cause,
	    "\"fatt\" is not one of false, true, thin, fat, off");
	free(cause);
	got = norm("opt_level", "3", &cause);
	ck_assert_ptr_nonnull(strstr(cause, "unknown key \"opt_level\""));
	ck_assert_ptr_nonnull(strstr(cause, "opt-level"));
	free(cause);
}
END_TEST

START_TEST(test_key)
{
	struct variant	 v;
	char		*key;

	variant_init(&v);
	key = variant_key(&v);
	ck_assert_str_eq(key, "release");
	free(key);
	variant_set(&v, "strip", "symbols");
	variant_set(&v, "panic", "abort");
	variant_set(&v, "opt-level", "z");
	variant_set(&v, "lto", "fat");
	variant_set(&v, "codegen-units", "1");
	key = variant_key(&v);
	ck_assert_str_eq(key,
	    "codegen-units=1,lto=fat,opt-level=z,panic=abort,strip=symbols");
	free(key);
	/* Setting a key again replaces it. */
	variant_set(&v, "opt-level", "s");
	ck_assert_str_eq(variant_get(&v, "opt-level"), "s");
	ck_assert_uint_eq(v.n, 5);
	variant_set(&v, "toolchain", "default");
	key = variant_key(&v);
	ck_assert_ptr_null(strstr(key, "toolchain"));
	free(key);
	variant_set(&v, "toolchain", "nightly");
	key = variant_key(&v);
	ck_assert_str_eq(key, "codegen-units=1,lto=fat,opt-level=s,"
	    "panic=abort,strip=symbols,toolchain=nightly");
	free(key);
	variant_clear(&v);
}
END_TEST

START_TEST(test_env_and_args)
{
	struct variant		 v;
	struct build_context	 ctx;
	struct strlist		 env = { NULL, 0 }, args = { NULL, 0 };

	variant_init(&v);
	variant_set(&v, "lto", "fat");
	variant_set(&v, "codegen-units", "1");
	variant_set(&v, "debug-assertions", "false");
	memset(&ctx, 0, sizeof ctx);
	ctx.source_dir = "/src/app";
	ctx.target_dir = "/w/target/1/2";
	ctx.cargo_home = "/home/u/.cargo";
	ctx.daemon_rustflags = "  -Cdebuginfo=0 -Ctarget-cpu=x86-64 ";
	ctx.target = "x86_64-unknown-linux-gnu";
	variant_env(&v, &ctx, &env);
	ck_assert_str_eq(env_get(&env, "CARGO_PROFILE_RELEASE_LTO"), "fat");
	ck_assert_str_eq(env_get(&env, "CARGO_PROFILE_RELEASE_CODEGEN_UNITS"),
	    "1");
	ck_assert_str_eq(env_get(&env,
	    "CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS"), "false");
	ck_assert_str_eq(env_get(&env, "CARGO_TARGET_DIR"), "/w/target/1/2");
	ck_assert_str_eq(env_get(&env, "CARGO_INCREMENTAL"), "0");
	/* The daemon's own flags first, then the remapping. */
	ck_assert_str_eq(env_get(&env, "RUSTFLAGS"),
	    "-Cdebuginfo=0 -Ctarget-cpu=x86-64 "
	    "--remap-path-prefix=/w/target/1/2=/sizemat/target "
	    "--remap-path-prefix=/src/app=/sizemat/src "
	    "--remap-path-prefix=/home/u/.cargo=/sizemat/cargo");
	ck_assert_ptr_null(env_get(&env, "CARGO_ENCODED_RUSTFLAGS"));
	variant_cargo_args(&v, &ctx, &args);
	ck_assert_uint_eq(args.n, 5);
	ck_assert_str_eq(args.v[0], "build");
	ck_assert_str_eq(args.v[1], "--release");
	ck_assert_str_eq(args.v[2], "--message-format=json-render-diagnostics");
	ck_assert_str_eq(args.v[3], "--target");
	ck_assert_str_eq(args.v[4], "x86_64-unknown-linux-gnu");
	strlist_free(&env);
	strlist_free(&args);
	variant_clear(&v);
}
END_TEST

START_TEST(test_env_encoded_when_paths_have_spaces)
{
	struct variant		 v;
	struct build_context	 ctx;
	struct strlist		 env = { NULL, 0 };

	variant_init(&v);
	memset(&ctx, 0, sizeof ctx);
	ctx.source_dir = "/src/my app";
	ctx.target_dir = "/w/t";
	ctx.target = "x86_64-unknown-linux-gnu";
	variant_env(&v, &ctx, &env);
	ck_assert_ptr_null(env_get(&env, "RUSTFLAGS"));
	ck_assert_str_eq(env_get(&env, "CARGO_ENCODED_RUSTFLAGS"),
	    "--remap-path-prefix=/w/t=/sizemat/target\x1f"
	    "--remap-path-prefix=/src/my app=/sizemat/src");
	strlist_free(&env);
}
END_TEST

Suite *
variant_suite(void)
{
	Suite	*s = suite_create("variant");
	TCase	*core = tcase_create("core"), *limits = tcase_create("limits");

	tcase_add_test(core, test_normalise_spellings);
	tcase_add_test(core, test_key);
	tcase_add_test(core, test_env_and_args);
	tcase_add_test(core, test_unstable_levers);
	tcase_add_test(limits, test_normalise_refusals);
	tcase_add_test(limits, test_env_encoded_when_paths_have_spaces);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return (s);
}
