/*
 * Search: the variant of an axes matrix that minimises a measurement,
 * without building the whole grid (docs/search.md).
 *
 * It starts from the combination the write-ups agree on and descends one
 * axis at a time: every value of the axis is built with the other axes
 * held, and the search moves to the smallest. Once a whole pass over the
 * axes moves nowhere, it builds a certificate: every pair of values of
 * the axes known to interact (opt-level x lto), around the winner. A
 * point of the certificate that beats the winner restarts the descent
 * from there; else the winner is certified: no single-axis neighbour and
 * no interacting pair beats it.
 *
 * Nothing is kept between two steps: like bisect.c, each step is replayed
 * from the outcomes recorded so far, so a search survives a restart of
 * the daemon and never asks for a variant twice.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/*
 * The values the write-ups (min-sized-rust, the Wasmtime embedding guide)
 * start from, best first; an axis without one starts at its first value.
 */
static const struct {
	const char	*key;
	const char	*values[3];
} search_start_values[] = {
	{ "opt-level", { "z", "s", NULL } },
	{ "lto", { "fat", "true", NULL } },
	{ "codegen-units", { "1", NULL } },
	{ "panic", { "abort", NULL } },
	{ "strip", { "symbols", "true", NULL } },
	{ "debug", { "0", "false", "none" } },
	{ "location-detail", { "none", NULL } },
	{ "fmt-debug", { "none", NULL } },
	{ "overflow-checks", { "false", NULL } },
	{ "debug-assertions", { "false", NULL } },
};
#define SEARCH_NSTART (sizeof search_start_values / sizeof search_start_values[0])

/*
 * Pairs of axes the descent looks at jointly, every pair of their values
 * at once, before the other axes: opt-level z against s is decided by
 * codegen-units on some crates, by a few hundred bytes, which a descent
 * one axis at a time walks past. Being first, they are also where a move
 * costs nothing already built.
 */
static const char *const search_joint[][2] = {
	{ "opt-level", "codegen-units" },
};
#define SEARCH_NJOINT (sizeof search_joint / sizeof search_joint[0])

/* Pairs of axes whose values interact: built whole around the winner. */
static const char *const search_pairs[][2] = {
	{ "opt-level", "lto" },
};
#define SEARCH_NPAIRS (sizeof search_pairs / sizeof search_pairs[0])

/* What one replay works with. */
struct search_ctx {
	const struct matrix	*m;
	size_t			 naxes;
	enum commit_outcome	(*outcome)(const struct variant *, int64_t *,
				    void *);
	void			*arg;
	struct search_step	*step;
	size_t			*blocks;	/* the descent's: axis, axis */
	size_t			 nblocks;	/* (the second naxes: none) */
	size_t			*tie;		/* of the points of equal value */
	int64_t			 tiev;		/* the one with fewest settings */
};

/* Frees what a step holds. */
void
search_step_clear(struct search_step *s)
{
	size_t	 i;

	for (i = 0; i < s->nbuild; i++)
		variant_clear(&s->build[i]);
	free(s->build);
	for (i = 0; i < s->ncert; i++)
		variant_clear(&s->cert[i]);
	free(s->cert);
	variant_clear(&s->best);
	free(s->message);
	memset(s, 0, sizeof *s);
}

/* The index of value in axis i, or n when it has none. */
static size_t
search_value_index(const struct matrix *m, size_t i, const char *value)
{
	size_t	 j, n;

	matrix_axis(m, i, &n);
	for (j = 0; j < n; j++) {
		if (strcmp(matrix_axis_value(m, i, j), value) == 0)
			return (j);
	}
	return (n);
}

/* Where the descent starts: the write-ups' value on each axis. */
static void
search_start(const struct matrix *m, size_t *point)
{
	const char	*key;
	size_t		 i, k, v, n;

	for (i = 0; i < matrix_naxes(m); i++) {
		key = matrix_axis(m, i, &n);
		point[i] = 0;
		for (k = 0; k < SEARCH_NSTART; k++) {
			if (strcmp(search_start_values[k].key, key) != 0)
				continue;
			for (v = 0; v < 3 && search_start_values[k].values[v] !=
			    NULL; v++) {
				if (search_value_index(m, i,
				    search_start_values[k].values[v]) < n) {
					point[i] = search_value_index(m, i,
					    search_start_values[k].values[v]);
					break;
				}
			}
		}
	}
}

/*
 * How many axes a point sets away from Cargo's release profile: of two
 * points of the same size, the one with fewer is preferred.
 */
static size_t
search_settings(const struct matrix *m, const size_t *point)
{
	const char	*key, *dflt;
	size_t		 i, n, count = 0;

	for (i = 0; i < matrix_naxes(m); i++) {
		key = matrix_axis(m, i, &n);
		if ((dflt = units_cargo_default(key, NULL)) == NULL)
			continue;
		if (strcmp(dflt, units_value(key,
		    matrix_axis_value(m, i, point[i]))) != 0)
			count++;
	}
	return (count);
}

/* The point's number in grid order, for a last, stable tie-break. */
static size_t
search_ordinal(const struct matrix *m, const size_t *point)
{
	size_t	 i, n, idx = 0;

	for (i = 0; i < matrix_naxes(m); i++) {
		matrix_axis(m, i, &n);
		idx = idx * n + point[i];
	}
	return (idx);
}

/* Tells whether point p (value vp) beats point q (value vq). */
static int
search_beats(const struct matrix *m, const size_t *p, int64_t vp,
    const size_t *q, int64_t vq)
{
	size_t	 sp, sq;

	if (vp != vq)
		return (vp < vq);
	sp = search_settings(m, p);
	sq = search_settings(m, q);
	if (sp != sq)
		return (sp < sq);
	return (search_ordinal(m, p) < search_ordinal(m, q));
}

/* Adds a variant to a list unless it is there already. */
static void
search_list_add(struct variant **list, size_t *n, const struct variant *v)
{
	char	*key, *have;
	size_t	 i;

	key = variant_key(v);
	for (i = 0; i < *n; i++) {
		have = variant_key(&(*list)[i]);
		if (strcmp(have, key) == 0) {
			free(have);
			free(key);
			return;
		}
		free(have);
	}
	free(key);
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	variant_init(&(*list)[*n]);
	variant_copy(&(*list)[(*n)++], v);
}

/* Copies the point into the step's best. */
static void
search_set_best(struct search_ctx *c, const size_t *cur, int64_t value)
{
	matrix_point(c->m, cur, &c->step->best);
	c->step->has_best = 1;
	c->step->best_value = value;
}

/*
 * Looks at a set of points (npoints of them, naxes values each; freed
 * here): the ones never built go into the step's build list. Returns 1
 * when some are missing or on their way (the step is to build or wait),
 * else 0, having moved best to the smallest done point (only when it is
 * smaller than *bestv: a tie is no move), recorded it as the step's best,
 * and added each point to the certificate. Of the points of the smallest
 * value, the one closest to Cargo's release profile is kept in c->tie.
 */
static int
search_visit(struct search_ctx *c, size_t *points, size_t npoints,
    size_t *best, int64_t *bestv)
{
	struct variant		 v;
	enum commit_outcome	 o;
	int64_t			 value;
	size_t			 i;
	int			 waiting = 0;

	variant_init(&v);
	for (i = 0; i < npoints; i++) {
		if (matrix_point(c->m, points + i * c->naxes, &v) != 0)
			continue;
		o = c->outcome(&v, &value, c->arg);
		if (o == OUTCOME_NONE)
			search_list_add(&c->step->build, &c->step->nbuild, &v);
		else if (o == OUTCOME_PENDING)
			waiting = 1;
		else {
			search_list_add(&c->step->cert, &c->step->ncert, &v);
			if (o != OUTCOME_DONE)
				continue;
			if (value < *bestv) {
				memcpy(best, points + i * c->naxes,
				    c->naxes * sizeof *best);
				*bestv = value;
			}
			if (search_beats(c->m, points + i * c->naxes, value,
			    c->tie, c->tiev)) {
				memcpy(c->tie, points + i * c->naxes,
				    c->naxes * sizeof *c->tie);
				c->tiev = value;
			}
		}
	}
	variant_clear(&v);
	free(points);
	if (c->step->nbuild > 0 || waiting)
		return (1);
	search_set_best(c, best, *bestv);
	return (0);
}

/* The points of axis a through cur: one per value of the axis. */
static size_t *
search_axis_points(struct search_ctx *c, const size_t *cur, size_t a,
    size_t *npoints)
{
	size_t	*points, j, n;

	matrix_axis(c->m, a, &n);
	points = xcalloc(n, c->naxes * sizeof *points);
	for (j = 0; j < n; j++) {
		memcpy(points + j * c->naxes, cur, c->naxes * sizeof *cur);
		points[j * c->naxes + a] = j;
	}
	*npoints = n;
	return (points);
}

/* The points of a pair of axes through cur: every pair of their values. */
static size_t *
search_pair_points(struct search_ctx *c, const size_t *cur, size_t a,
    size_t b, size_t *npoints)
{
	size_t	*points, ja, jb, na, nb, k = 0;

	matrix_axis(c->m, a, &na);
	matrix_axis(c->m, b, &nb);
	points = xcalloc(na * nb, c->naxes * sizeof *points);
	for (ja = 0; ja < na; ja++) {
		for (jb = 0; jb < nb; jb++, k++) {
			memcpy(points + k * c->naxes, cur,
			    c->naxes * sizeof *cur);
			points[k * c->naxes + a] = ja;
			points[k * c->naxes + b] = jb;
		}
	}
	*npoints = na * nb;
	return (points);
}

/* The axis of a key, or naxes. */
static size_t
search_axis_of(const struct matrix *m, const char *key)
{
	size_t	 i, n;

	for (i = 0; i < matrix_naxes(m); i++) {
		if (strcmp(matrix_axis(m, i, &n), key) == 0)
			return (i);
	}
	return (matrix_naxes(m));
}

/*
 * What the descent looks at, in order, as pairs of axis numbers: the
 * joint pairs the matrix has (search_joint), then every other axis alone
 * (its second number naxes), in the matrix's order.
 */
static size_t *
search_descent_blocks(const struct matrix *m, size_t *nblocks)
{
	size_t	*blk, i, k, a, b, n = 0, naxes = matrix_naxes(m);

	blk = xcalloc(2 * naxes + 2, sizeof *blk);
	for (k = 0; k < SEARCH_NJOINT; k++) {
		a = search_axis_of(m, search_joint[k][0]);
		b = search_axis_of(m, search_joint[k][1]);
		if (a == naxes || b == naxes)
			continue;
		blk[2 * n] = a;
		blk[2 * n++ + 1] = b;
	}
	for (i = 0; i < naxes; i++) {
		for (k = 0; k < n && blk[2 * k] != i && blk[2 * k + 1] != i;
		    k++)
			;
		if (k < n)
			continue;
		blk[2 * n] = i;
		blk[2 * n++ + 1] = naxes;
	}
	*nblocks = n;
	return (blk);
}

/*
 * Finds the first point to stand on: the write-ups' start, or when that
 * is excluded or did not build, the first point in grid order that is
 * allowed and not failed. Returns 1 with it in cur and its value, 0 when
 * the step is to build or wait for it, -1 when nothing in the grid built.
 */
static int
search_first(struct search_ctx *c, size_t *cur, int64_t *curv)
{
	struct variant		 v;
	enum commit_outcome	 o;
	size_t			 i, n, idx, total = 1;
	int			 rc = -1;

	variant_init(&v);
	search_start(c->m, cur);
	for (i = 0; i < c->naxes; i++) {
		matrix_axis(c->m, i, &n);
		total *= n;
	}
	for (idx = 0; idx <= total; idx++) {
		if (idx > 0) {
			/* Grid order: point number idx - 1. */
			size_t	 rest = idx - 1;

			for (i = c->naxes; i-- > 0;) {
				matrix_axis(c->m, i, &n);
				cur[i] = rest % n;
				rest /= n;
			}
		}
		if (matrix_point(c->m, cur, &v) != 0)
			continue;
		o = c->outcome(&v, curv, c->arg);
		if (o == OUTCOME_FAILED || o == OUTCOME_EXCLUDED)
			continue;
		if (o == OUTCOME_DONE)
			rc = 1;
		else {
			if (o == OUTCOME_NONE)
				search_list_add(&c->step->build,
				    &c->step->nbuild, &v);
			rc = 0;
		}
		break;
	}
	variant_clear(&v);
	return (rc);
}

/*
 * Replays a search over an axes matrix from what outcome says of each
 * variant (OUTCOME_DONE with its value, OUTCOME_FAILED, OUTCOME_PENDING
 * or OUTCOME_NONE), and says what to do next in step: build the variants
 * in step->build, wait, or done with step->best and its certificate.
 */
void
search_replay(const struct matrix *m,
    enum commit_outcome (*outcome)(const struct variant *, int64_t *, void *),
    void *arg, struct search_step *step)
{
	struct search_ctx	 c;
	size_t			*cur, *before, *points, n, p, a, b;
	int64_t			 curv;
	int			 rc;

	memset(step, 0, sizeof *step);
	variant_init(&step->best);
	c.m = m;
	c.naxes = matrix_naxes(m);
	c.outcome = outcome;
	c.arg = arg;
	c.step = step;
	cur = xcalloc(c.naxes + 1, sizeof *cur);
	before = xcalloc(c.naxes + 1, sizeof *before);
	c.tie = xcalloc(c.naxes + 1, sizeof *c.tie);
	c.blocks = search_descent_blocks(m, &c.nblocks);
	if ((rc = search_first(&c, cur, &curv)) <= 0) {
		/* The first point: to build, on its way, or nothing built. */
		step->what = rc < 0 ? SEARCH_DONE : step->nbuild > 0 ?
		    SEARCH_BUILD : SEARCH_WAIT;
		if (rc < 0)
			step->message = xstrdup("no variant of the matrix "
			    "built");
		goto out;
	}
	search_set_best(&c, cur, curv);
	/* Each round moves strictly downhill, so the rounds are bounded. */
	for (;;) {
		memcpy(before, cur, c.naxes * sizeof *cur);
		memcpy(c.tie, cur, c.naxes * sizeof *cur);
		c.tiev = curv;
		for (p = 0; p < c.nblocks; p++) {
			a = c.blocks[2 * p];
			b = c.blocks[2 * p + 1];
			points = b == c.naxes ? search_axis_points(&c, cur, a, &n) :
			    search_pair_points(&c, cur, a, b, &n);
			if (search_visit(&c, points, n, cur, &curv))
				goto wait;
		}
		if (memcmp(before, cur, c.naxes * sizeof *cur) != 0)
			goto again;
		/* The certificate: the interacting pairs around the winner. */
		for (p = 0; p < SEARCH_NPAIRS; p++) {
			a = search_axis_of(m, search_pairs[p][0]);
			b = search_axis_of(m, search_pairs[p][1]);
			if (a == c.naxes || b == c.naxes)
				continue;
			points = search_pair_points(&c, cur, a, b, &n);
			if (search_visit(&c, points, n, cur, &curv))
				goto wait;
			if (memcmp(before, cur, c.naxes * sizeof *cur) != 0)
				goto again;
		}
		/* Certified; of the points of its value, the simplest. */
		search_set_best(&c, c.tie, c.tiev);
		step->what = SEARCH_DONE;
		step->certified = 1;
		goto out;
again:
		/* Moved: the certificate gathered so far is stale. */
		for (n = 0; n < step->ncert; n++)
			variant_clear(&step->cert[n]);
		step->ncert = 0;
	}
wait:
	step->what = step->nbuild > 0 ? SEARCH_BUILD : SEARCH_WAIT;
out:
	free(cur);
	free(before);
	free(c.tie);
	free(c.blocks);
}
