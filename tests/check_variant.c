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
	assert_norm("panic", "\"abort\"", "abort");
	assert_norm("overflow-checks", "true", "true");
	assert_norm("debug-assertions", "false", "false");
}
END_TEST

START_TEST(test_normalise_refusals)
{
	static const char *const bad[][2] = {
		{ "lto", "\"fatt\"" }, { "lto", "1" },
		{ "opt-level", "4" }, { "opt-level", "\"x\"" },
		{ "opt-level", "2.5" }, { "opt-level", "true" },
		{ "codegen-units", "0" }, { "codegen-units", "257" },
		{ "codegen-units", "1.5" }, { "codegen-units", "\"1\"" },
		{ "strip", "\"all\"" }, { "panic", "\"immediate\"" },
		{ "debug", "3" }, { "overflow-checks", "\"yes\"" },
		{ "opt_level", "3" },
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
	tcase_add_test(limits, test_normalise_refusals);
	tcase_add_test(limits, test_env_encoded_when_paths_have_spaces);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return (s);
}
