/*
 * The search's replay (daemon/search.c) against size models whose minimum
 * is known by trying the whole grid: each model is separable plus an
 * opt-level x lto interaction, the shape the certificate is built for.
 * The harness plays the queue: it builds what a step asks for, never the
 * same variant twice, and replays until the search is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/sizematd.h"
#include "check_sizematd.h"

#define GRID \
	"{\"name\": \"grid\", \"shape\": \"axes\", \"axes\": {" \
	"\"opt-level\": [2, 3, \"s\", \"z\"], \"lto\": [\"off\", \"thin\"," \
	" \"fat\"], \"codegen-units\": [1, 16], \"panic\": [\"unwind\"," \
	" \"abort\"], \"strip\": [\"none\", \"symbols\"]}"

/* A size model: a cost per axis value and per (opt-level, lto) pair. */
struct model {
	int64_t		 opt[4], lto[3], cgu[2], panic[2], strip[2];
	int64_t		 pair[4][3];
	int64_t		 oc[4][2];	/* opt-level x codegen-units */
	int		 fail_abort;	/* panic=abort does not build */
	int		 slow[4][3];	/* opt-level x lto outside a limit */
};

/* What the harness has built: variant keys and their outcome. */
struct built {
	struct strlist	 keys;
	int64_t		 values[512];
	int		 failed[512];
	size_t		 builds;
};

struct harness {
	const struct model	*model;
	struct built		 b;
};

static size_t
axis_index(const struct variant *v, const char *key, const char *const *vals)
{
	const char	*have = variant_get(v, key);
	size_t		 i;

	for (i = 0; vals[i] != NULL; i++) {
		if (have != NULL && strcmp(have, vals[i]) == 0)
			return (i);
	}
	ck_abort_msg("%s: unexpected value %s", key, have ? have : "none");
	return (0);
}

/* The model's size of a variant; -1 when it does not build. */
static int64_t
model_size(const struct model *md, const struct variant *v)
{
	static const char *const opts[] = { "2", "3", "s", "z", NULL };
	static const char *const ltos[] = { "off", "thin", "fat", NULL };
	static const char *const cgus[] = { "1", "16", NULL };
	static const char *const panics[] = { "unwind", "abort", NULL };
	static const char *const strips[] = { "none", "symbols", NULL };
	size_t	 o, l, p, g;

	o = axis_index(v, "opt-level", opts);
	g = axis_index(v, "codegen-units", cgus);
	l = axis_index(v, "lto", ltos);
	p = axis_index(v, "panic", panics);
	if (md->fail_abort && p == 1)
		return (-1);
	return (1000000 + md->opt[o] + md->lto[l] + md->pair[o][l] +
	    md->cgu[g] + md->oc[o][g] + md->panic[p] +
	    md->strip[axis_index(v, "strip", strips)]);
}

/* Whether a variant is outside the model's speed limit. */
static int
model_slow(const struct model *md, const struct variant *v)
{
	static const char *const opts[] = { "2", "3", "s", "z", NULL };
	static const char *const ltos[] = { "off", "thin", "fat", NULL };

	return (md->slow[axis_index(v, "opt-level", opts)]
	    [axis_index(v, "lto", ltos)]);
}

static enum commit_outcome
harness_outcome(const struct variant *v, int64_t *value, void *arg)
{
	struct harness	*h = arg;
	char		*key = variant_key(v);
	size_t		 i;

	for (i = 0; i < h->b.keys.n; i++) {
		if (strcmp(h->b.keys.v[i], key) == 0)
			break;
	}
	free(key);
	if (i == h->b.keys.n)
		return (OUTCOME_NONE);
	*value = h->b.values[i];
	if (h->b.failed[i])
		return (OUTCOME_FAILED);
	return (model_slow(h->model, v) ? OUTCOME_EXCLUDED : OUTCOME_DONE);
}

/* Builds what the step asks for; a variant built twice fails the test. */
static void
harness_build(struct harness *h, const struct search_step *s)
{
	struct variant	 probe;
	int64_t		 size, unused;
	size_t		 i;
	char		*key;

	for (i = 0; i < s->nbuild; i++) {
		variant_init(&probe);
		variant_copy(&probe, &s->build[i]);
		ck_assert_int_eq(harness_outcome(&probe, &unused, h),
		    OUTCOME_NONE);
		size = model_size(h->model, &probe);
		key = variant_key(&probe);
		strlist_add(&h->b.keys, key);
		free(key);
		h->b.values[h->b.keys.n - 1] = size;
		h->b.failed[h->b.keys.n - 1] = size < 0;
		h->b.builds++;
		variant_clear(&probe);
	}
}

/* Runs a search on a model to its end; s is the step that ends it. */
static void
harness_search(struct harness *h, const struct model *md,
    const struct matrix *m, struct search_step *s)
{
	int	 rounds = 0;

	memset(h, 0, sizeof *h);
	h->model = md;
	for (;;) {
		search_replay(m, harness_outcome, h, s);
		ck_assert_int_ne(s->what, SEARCH_WAIT);
		if (s->what == SEARCH_DONE)
			return;
		ck_assert_int_gt(s->nbuild, 0);
		harness_build(h, s);
		search_step_clear(s);
		ck_assert_int_lt(++rounds, 200);
	}
}

/* Frees what a search and its harness hold. */
static void
harness_clear(struct harness *h, struct search_step *s)
{
	search_step_clear(s);
	strlist_free(&h->b.keys);
}

/*
 * A crate as the write-ups describe one: lto fat, codegen-units 1, panic
 * abort and strip symbols each save; opt-level s a little more than z.
 */
static void
hand_model(struct model *md)
{
	static const struct model hand = {
		.opt = { 80000, 100000, 5000, 10000 }, .lto = { 120000, 60000,
		0 }, .cgu = { 0, 30000 }, .panic = { 50000, 0 }, .strip = {
		200000, 0 }
	};

	*md = hand;
}

/* The smallest size over the whole grid, by trying every point. */
static int64_t
grid_minimum(const struct matrix *m, const struct model *md)
{
	struct variant	 v;
	int64_t		 best = -1, size;
	size_t		 i;

	variant_init(&v);
	for (i = 0; i < matrix_count(m); i++) {
		variant_copy(&v, matrix_variant(m, i));
		size = model_size(md, &v);
		if (size >= 0 && !model_slow(md, &v) && (best < 0 ||
		    size < best))
			best = size;
	}
	variant_clear(&v);
	return (best);
}

static struct matrix *
grid(const char *extra)
{
	struct matrix	*m;
	cJSON		*doc;
	char		*text, *cause = NULL;

	xasprintf(&text, "%s%s}", GRID, extra);
	doc = cJSON_Parse(text);
	ck_assert_ptr_nonnull(doc);
	m = matrix_parse(doc, "test", 1000, &cause);
	ck_assert_msg(m != NULL, "%s", cause ? cause : "");
	cJSON_Delete(doc);
	free(text);
	return (m);
}

/*
 * A random model: costs up to scale, opt-level x lto costs up to pair,
 * opt-level x codegen-units costs up to oc.
 */
static void
random_model(struct model *md, unsigned int *seed, int scale, int pair,
    int oc)
{
	size_t	 i, j;

	memset(md, 0, sizeof *md);
	for (i = 0; i < 4; i++)
		md->opt[i] = rand_r(seed) % scale;
	for (i = 0; i < 3; i++)
		md->lto[i] = rand_r(seed) % scale;
	for (i = 0; i < 2; i++) {
		md->cgu[i] = rand_r(seed) % scale;
		md->panic[i] = rand_r(seed) % scale;
		md->strip[i] = rand_r(seed) % scale;
	}
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 3; j++)
			md->pair[i][j] = rand_r(seed) % pair;
		for (j = 0; j < 2; j++)
			md->oc[i][j] = oc > 0 ? rand_r(seed) % oc : 0;
	}
}

START_TEST(test_search_finds_the_grid_minimum)
{
	struct matrix		*m = grid("");
	struct model		 md;
	struct harness		 h;
	struct search_step	 s;
	unsigned int		 seed = 7;
	size_t			 trial, total = 0, most = 0;

	ck_assert_int_eq(matrix_count(m), 96);
	for (trial = 0; trial < 200; trial++) {
		random_model(&md, &seed, 100000, trial % 2 ? 60000 : 5000,
		    trial % 3 ? 0 : 2000);
		harness_search(&h, &md, m, &s);
		ck_assert(s.has_best);
		ck_assert(s.certified);
		ck_assert_int_eq(s.best_value, grid_minimum(m, &md));
		ck_assert_int_eq(model_size(&md, &s.best), s.best_value);
		total += h.b.builds;
		if (h.b.builds > most)
			most = h.b.builds;
		harness_clear(&h, &s);
	}
	fprintf(stderr, "search: 200 models of a 96-variant grid: %.1f builds "
	    "on average, %zu at most\n", (double)total / 200, most);
	/* Strong random interactions cost moves; none runs away. */
	ck_assert_int_le(total, 200 * 30);
	ck_assert_int_le(most, 40);
	matrix_free(m);
}
END_TEST

/* The write-ups' start is right: the certificate alone is left to build. */
START_TEST(test_search_from_a_good_start_builds_little)
{
	struct matrix		*m = grid("");
	struct model		 md;
	struct harness		 h;
	struct search_step	 s;

	hand_model(&md);
	harness_search(&h, &md, m, &s);
	/* opt-level s, not z: the descent moves off the write-ups' z. */
	ck_assert_str_eq(variant_get(&s.best, "opt-level"), "s");
	ck_assert_str_eq(variant_get(&s.best, "lto"), "fat");
	ck_assert_int_eq(s.best_value, grid_minimum(m, &md));
	/*
	 * The certificate (opt-level x codegen-units, the other single-axis
	 * neighbours, opt-level x lto) is 18 builds, and nothing else was.
	 */
	ck_assert_int_eq(h.b.builds, 18);
	ck_assert_int_eq(s.ncert, 18);
	harness_clear(&h, &s);
	matrix_free(m);
}
END_TEST

START_TEST(test_search_steps_around_what_fails)
{
	struct matrix		*m = grid("");
	struct model		 md;
	struct harness		 h;
	struct search_step	 s;
	size_t			 i, failed = 0;
	int64_t			 v;

	hand_model(&md);
	md.fail_abort = 1;
	harness_search(&h, &md, m, &s);
	ck_assert_str_eq(variant_get(&s.best, "panic"), "unwind");
	ck_assert_int_eq(s.best_value, grid_minimum(m, &md));
	/* The failed neighbour is part of the certificate, as failed. */
	for (i = 0; i < s.ncert; i++)
		failed += harness_outcome(&s.cert[i], &v, &h) == OUTCOME_FAILED;
	ck_assert_int_ge(failed, 1);
	harness_clear(&h, &s);
	matrix_free(m);
}
END_TEST

/* Of two variants of the same size, the one closer to Cargo's release. */
START_TEST(test_search_ties_prefer_fewer_settings)
{
	struct matrix		*m = grid("");
	struct model		 md;
	struct harness		 h;
	struct search_step	 s;

	hand_model(&md);
	md.cgu[1] = 0;	/* codegen-units 16 costs nothing */
	harness_search(&h, &md, m, &s);
	ck_assert_str_eq(variant_get(&s.best, "codegen-units"), "16");
	/* A tie is no move: nothing is looked at again for it. */
	ck_assert_int_eq(h.b.builds, 18);
	harness_clear(&h, &s);
	/* codegen-units 16 a little smaller: looked at first, no rebuild. */
	md.cgu[1] = -100;
	md.opt[2] = 20000;	/* and z stays */
	harness_search(&h, &md, m, &s);
	ck_assert_str_eq(variant_get(&s.best, "codegen-units"), "16");
	ck_assert_int_eq(s.best_value, grid_minimum(m, &md));
	ck_assert_int_eq(h.b.builds, 18);
	harness_clear(&h, &s);
	matrix_free(m);
}
END_TEST

/*
 * The bundled demo crate's numbers: at codegen-units 1, opt-level s is
 * the smallest (298,896 B); at 16, z (299,440 B), which also beats z at 1
 * (299,472 B). One axis at a time from z and 1 ends at z and 16.
 */
START_TEST(test_search_sees_opt_level_through_codegen_units)
{
	struct matrix		*m = grid("");
	struct model		 md;
	struct harness		 h;
	struct search_step	 s;

	hand_model(&md);
	md.opt[2] = md.opt[3] = 0;
	md.cgu[0] = md.cgu[1] = 0;
	md.oc[3][0] = 299472 - 298896;		/* z, 1 */
	md.oc[3][1] = 299440 - 298896;		/* z, 16 */
	md.oc[2][1] = 299456 - 298896;		/* s, 16 */
	harness_search(&h, &md, m, &s);
	ck_assert_int_eq(s.best_value, grid_minimum(m, &md));
	ck_assert_str_eq(variant_get(&s.best, "opt-level"), "s");
	ck_assert_str_eq(variant_get(&s.best, "codegen-units"), "1");
	ck_assert_int_le(h.b.builds, 18);
	harness_clear(&h, &s);
	matrix_free(m);
}
END_TEST

/* An excluded start: the search begins at the first allowed point. */
START_TEST(test_search_with_the_start_excluded)
{
	struct matrix		*m = grid(", \"exclude\": [{\"opt-level\": "
	    "\"z\", \"lto\": \"fat\"}]");
	struct model		 md;
	struct harness		 h;
	struct search_step	 s;
	unsigned int		 seed = 11;
	size_t			 trial;

	for (trial = 0; trial < 50; trial++) {
		random_model(&md, &seed, 100000, 5000, 0);
		md.pair[3][2] = -500000;	/* the excluded point */
		harness_search(&h, &md, m, &s);
		ck_assert(s.certified);
		ck_assert_int_eq(s.best_value, grid_minimum(m, &md));
		ck_assert(!(strcmp(variant_get(&s.best, "opt-level"), "z") ==
		    0 && strcmp(variant_get(&s.best, "lto"), "fat") == 0));
		harness_clear(&h, &s);
	}
	matrix_free(m);
}
END_TEST

/*
 * Limits: variants outside them (the slow opt-levels, and lto fat at one
 * of them) are no candidates, and the answer is the smallest of those
 * within, as the whole grid says, whatever the start.
 */
START_TEST(test_search_within_limits)
{
	struct matrix		*m = grid("");
	struct model		 md;
	struct harness		 h;
	struct search_step	 s;
	unsigned int		 seed = 29;
	size_t			 trial, o, l, builds = 0;

	for (trial = 0; trial < 250; trial++) {
		random_model(&md, &seed, 100000, 5000, 3000);
		/* s and z too slow, as on a crate whose loops vectorise. */
		for (o = 2; o < 4; o++) {
			for (l = 0; l < 3; l++)
				md.slow[o][l] = trial % 3 != 0;
		}
		md.slow[1][rand_r(&seed) % 3] = trial % 2;
		harness_search(&h, &md, m, &s);
		ck_assert(s.has_best);
		ck_assert_int_eq(s.best_value, grid_minimum(m, &md));
		ck_assert(!model_slow(&md, &s.best));
		builds += h.b.builds;
		harness_clear(&h, &s);
	}
	printf("search within limits: 250 models of a 96-variant grid: "
	    "%.1f builds on average\n", (double)builds / 250);
	/* It still builds less than the grid on average. */
	ck_assert_int_lt(builds / 250, 96);
	matrix_free(m);
}
END_TEST

/* Limits as a request gives them, and what is within them. */
START_TEST(test_search_limits_parse)
{
	struct search_limits	 l;
	cJSON			*o;
	char			*cause = NULL;
	int			 noise;

	o = cJSON_Parse("{\"max_slowdown\": \"10%\", \"max_build_time\": "
	    "\"2x\"}");
	ck_assert_int_eq(search_limits_parse(o, &l, &cause), 0);
	cJSON_Delete(o);
	ck_assert(search_limits_active(&l));
	ck_assert_str_eq(l.speed_metric, "bench.instructions");
	ck_assert_str_eq(l.baseline, "release");
	ck_assert_int_eq(search_limits_within(&l, 110, 200, 100, 100), 1);
	ck_assert_int_eq(search_limits_within(&l, 111, 200, 100, 100), 0);
	ck_assert_int_eq(search_limits_within(&l, 100, 201, 100, 100), 0);
	ck_assert_int_eq(search_limits_within(&l, -1, 100, 100, 100), -1);
	search_limits_clear(&l);
	ck_assert(!search_limits_active(&l));
	/* A check's speed limit; a median wall time inside the spread. */
	o = cJSON_Parse("{\"max_slowdown\": \"5%\", \"speed_metric\": "
	    "\"bench.wall_ms\"}");
	ck_assert_int_eq(search_limits_parse(o, &l, &cause), 0);
	cJSON_Delete(o);
	ck_assert_int_eq(search_limits_slower(&l, 100, 105, 110, 95, &noise),
	    0);
	ck_assert_int_eq(noise, 0);
	ck_assert_int_eq(search_limits_slower(&l, 100, 120, 130, 104, &noise),
	    0);
	ck_assert_int_eq(noise, 1);
	ck_assert_int_eq(search_limits_slower(&l, 100, 120, 103, 112, &noise),
	    1);
	ck_assert_int_eq(noise, 0);
	search_limits_clear(&l);
	o = cJSON_Parse("{\"max_slowdown\": \"5%\"}");
	ck_assert_int_eq(search_limits_parse(o, &l, &cause), 0);
	cJSON_Delete(o);
	/* Instructions: no spread, the limit alone decides. */
	ck_assert_int_eq(search_limits_slower(&l, 100, 120, 130, 104, &noise),
	    1);
	ck_assert_int_eq(noise, 0);
	search_limits_clear(&l);
	o = cJSON_Parse("{\"max_slowdown\": \"10\"}");
	ck_assert_int_eq(search_limits_parse(o, &l, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "max_slowdown: \"10\" is not a "
	    "percentage"));
	free(cause);
	cause = NULL;
	cJSON_Delete(o);
	search_limits_clear(&l);
	o = cJSON_Parse("{\"baseline\": \"opt-level=3\"}");
	ck_assert_int_eq(search_limits_parse(o, &l, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "baseline: applies to"));
	free(cause);
	cJSON_Delete(o);
	search_limits_clear(&l);
}
END_TEST

Suite *
search_suite(void)
{
	Suite	*s = suite_create("search");
	TCase	*tc = tcase_create("replay");

	tcase_add_test(tc, test_search_finds_the_grid_minimum);
	tcase_add_test(tc, test_search_from_a_good_start_builds_little);
	tcase_add_test(tc, test_search_steps_around_what_fails);
	tcase_add_test(tc, test_search_ties_prefer_fewer_settings);
	tcase_add_test(tc, test_search_sees_opt_level_through_codegen_units);
	tcase_add_test(tc, test_search_with_the_start_excluded);
	tcase_add_test(tc, test_search_within_limits);
	tcase_add_test(tc, test_search_limits_parse);
	suite_add_tcase(s, tc);
	return (s);
}
