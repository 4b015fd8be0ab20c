/*
 * Bisecting a size regression. The search is replayed from what is known
 * each time anything changes: given the outcome of each commit measured
 * so far, it says which commit to build next, or that it waits, or the
 * answer. Nothing but the outcomes is kept, so a bisection resumes after
 * a restart, and results measured before (by runs, checks or other
 * bisections) are reused.
 *
 * commits[0] is good (the baseline) and commits[n - 1] bad, which is
 * trusted as git bisect does and built only when the answer needs its
 * size. A commit is "over" when it exceeds good's size by more than the
 * limit; the search finds the first commit over, skipping commits that
 * do not build (trying neighbours instead), then checks that it exceeds
 * the commit before it by more than the limit too.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

/* Sets the step to "build this" or "wait for this". */
static int
bisect_need(struct bisect_step *s, enum commit_outcome o, size_t i)
{
	s->what = o == OUTCOME_PENDING ? BISECT_WAIT : BISECT_BUILD;
	s->index = i;
	return (0);
}

/* Fills s with the next thing the bisection needs, or its answer. */
int
bisect_replay(size_t n, const struct size_limit *lim,
    enum commit_outcome (*look)(size_t, int64_t *, void *), void *arg,
    struct bisect_step *s)
{
	enum commit_outcome	 o;
	int64_t			 good_size, size, lo_size, hi_size;
	size_t			 lo, hi, mid, c, k;
	char			*skipped;
	int			 found;

	memset(s, 0, sizeof *s);
	if (n < 2) {
		s->what = BISECT_ERROR;
		xasprintf(&s->message, "there is no commit between good and "
		    "bad on bad's first-parent line");
		return (0);
	}
	o = look(0, &good_size, arg);
	if (o == OUTCOME_NONE || o == OUTCOME_PENDING)
		return (bisect_need(s, o, 0));
	if (o == OUTCOME_FAILED) {
		s->what = BISECT_ERROR;
		xasprintf(&s->message, "the good commit does not build; give "
		    "--good a commit that does");
		return (0);
	}
	skipped = xcalloc(n, 1);
	lo = 0;
	hi = n - 1;
	lo_size = good_size;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		/* mid, then its neighbours outwards, as git bisect skip. */
		found = 0;
		for (k = 0; k < 2 * (hi - lo) && !found; k++) {
			c = k % 2 == 0 ? mid + k / 2 : mid - (k + 1) / 2;
			if (c <= lo || c >= hi || skipped[c])
				continue;
			found = 1;
		}
		if (!found)
			break;		/* everything between is skipped */
		o = look(c, &size, arg);
		if (o == OUTCOME_NONE || o == OUTCOME_PENDING) {
			free(skipped);
			return (bisect_need(s, o, c));
		}
		if (o == OUTCOME_FAILED) {
			skipped[c] = 1;
			continue;
		}
		if (limit_exceeded(lim, good_size, size))
			hi = c;
		else {
			lo = c;
			lo_size = size;
		}
	}
	o = look(hi, &hi_size, arg);
	if (o == OUTCOME_NONE || o == OUTCOME_PENDING) {
		free(skipped);
		return (bisect_need(s, o, hi));
	}
	s->base = lo;
	s->index = hi;
	s->base_size = lo_size;
	s->size = hi_size;
	s->skipped = skipped;
	s->nskipped = 0;
	for (c = lo + 1; c < hi; c++)
		s->nskipped += skipped[c] != 0;
	if (o == OUTCOME_FAILED) {
		s->what = BISECT_ERROR;
		xasprintf(&s->message, "the bad commit does not build; give "
		    "--bad a commit that does");
		return (0);
	}
	if (!limit_exceeded(lim, good_size, hi_size)) {
		s->what = BISECT_NONE;
		xasprintf(&s->message, "the bad commit is not over the "
		    "threshold against the good one (%lld -> %lld bytes)",
		    (long long)good_size, (long long)hi_size);
		return (0);
	}
	if (!limit_exceeded(lim, lo_size, hi_size)) {
		s->what = BISECT_NONE;
		xasprintf(&s->message, "no single commit grew past the "
		    "threshold: the size crept up; the first commit over it "
		    "against good grew %lld -> %lld bytes from the commit "
		    "before", (long long)lo_size, (long long)hi_size);
		return (0);
	}
	s->what = BISECT_FOUND;
	return (0);
}

/* Frees what a step holds. */
void
bisect_step_clear(struct bisect_step *s)
{
	free(s->message);
	free(s->skipped);
	memset(s, 0, sizeof *s);
}
