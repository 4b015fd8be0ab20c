/*
 * The claim query under contention: a store with QUEUED queued builds,
 * claimed by 1 and then by CLAIMERS processes at once, each through
 * store_build_claim() on a connection of its own, as workers do. Each
 * claim is timed (the claim's transaction only; the build is then ended
 * at once, as a short build would be, so that the store keeps one running
 * build per claimer), once the planner has statistics of the seeded
 * builds. Prints p50, p99 and the slowest claim per store and
 * number of claimers, side by side, with the ratios, and checks that no
 * build was claimed twice.
 *
 * usage: bench_claim [-q QUEUED] [-c CLAIMERS] [-n CLAIMS] DB...
 * Each DB is a SQLite path or a postgresql:// URI of an empty database.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../daemon/sizematd.h"

#define RUN_BUILDS	1000	/* builds per seeded run */

/* One claim as a child reports it. */
struct claim {
	int64_t	 build;
	double	 ms;
};

/* One configuration's figures. */
struct figures {
	double	 p50, p99, max, per_s;
	int	 dup;
};

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/*
 * Queues n builds in runs of RUN_BUILDS variants (codegen-units 1 to
 * RUN_BUILDS), every one ready to claim.
 */
static void
seed(struct store *st, int n)
{
	struct variant		*v;
	struct build_plan	*plans;
	struct run_plan		 run;
	char			 value[8], *cause;
	int64_t			 id;
	int			 i, r, k;

	plans = xcalloc(RUN_BUILDS, sizeof *plans);
	v = xcalloc(RUN_BUILDS, sizeof *v);
	for (i = 0; i < RUN_BUILDS; i++) {
		variant_init(&v[i]);
		snprintf(value, sizeof value, "%d", i + 1);
		variant_set(&v[i], "codegen-units", value);
	}
	memset(&run, 0, sizeof run);
	run.project = "/bench/app";
	run.matrix = "bench";
	run.shape = "axes";
	run.source = "{}";
	for (r = 0; r * RUN_BUILDS < n; r++) {
		k = n - r * RUN_BUILDS < RUN_BUILDS ? n - r * RUN_BUILDS :
		    RUN_BUILDS;
		for (i = 0; i < k; i++) {
			plans[i].variant = &v[i];
			xasprintf(&plans[i].target_dir, "/bench/t/%d/%d", r, i);
		}
		if (store_run_create(st, &run, plans, (size_t)k, &id,
		    &cause) != 0)
			fatalx("seed: %s", cause);
		for (i = 0; i < k; i++)
			free(plans[i].target_dir);
	}
	for (i = 0; i < RUN_BUILDS; i++)
		variant_clear(&v[i]);
	free(v);
	free(plans);
}

/* A claimer: claims n builds, ending each, and writes what it took. */
static void
claimer(const char *db, int n, int fd)
{
	struct build_spec	 spec;
	struct build_outcome	 o;
	struct claim		 c;
	struct store		*st;
	char			*cause;
	double			 t0;
	int			 i;

	if ((st = store_open(db, &cause)) == NULL)
		fatalx("%s", cause);
	store_set_worker(st, "bench");
	/* A worker's claim: what it can build is checked too. */
	store_set_daemon(st, 1, 1, ",default,default@rustc bench,", 30);
	memset(&o, 0, sizeof o);
	o.state = "failed";
	o.exit_code = 1;
	o.wall_ms = o.cpu_ms = -1;
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if (store_build_claim(st, NULL, NULL, 30, &spec) != STORE_OK)
			fatalx("claim %d found nothing", i);
		c.ms = now_ms() - t0;
		c.build = spec.id;
		if (store_build_finish(st, spec.id, spec.fence, &o) != 0)
			fatalx("build %lld: cannot end it", (long long)spec.id);
		build_spec_clear(&spec);
		if (write(fd, &c, sizeof c) != (ssize_t)sizeof c)
			fatal("write");
	}
	store_close(st);
}

static int
cmp_ms(const void *a, const void *b)
{
	double	 x = ((const struct claim *)a)->ms;
	double	 y = ((const struct claim *)b)->ms;

	return (x < y ? -1 : x > y);
}

static int
cmp_build(const void *a, const void *b)
{
	int64_t	 x = ((const struct claim *)a)->build;
	int64_t	 y = ((const struct claim *)b)->build;

	return (x < y ? -1 : x > y);
}

/* Runs k claimers of n claims each on db at once; their figures. */
static struct figures
contend(const char *db, int k, int n)
{
	struct figures	 f;
	struct claim	*all;
	size_t		 total = (size_t)k * (size_t)n, got = 0;
	ssize_t		 r;
	double		 t0;
	int		 p[2], i, status;

	if (pipe(p) == -1)
		fatal("pipe");
	t0 = now_ms();
	for (i = 0; i < k; i++) {
		switch (fork()) {
		case -1:
			fatal("fork");
		case 0:
			close(p[0]);
			claimer(db, n, p[1]);
			_exit(0);
		}
	}
	close(p[1]);
	all = xcalloc(total, sizeof *all);
	while (got < total && (r = read(p[0], (char *)all + got * sizeof *all,
	    (total - got) * sizeof *all)) > 0)
		got += (size_t)r / sizeof *all;
	close(p[0]);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fatalx("a claimer failed");
	if (got != total)
		fatalx("%zu claims reported of %zu", got, total);
	f.per_s = total / ((now_ms() - t0) / 1e3);
	qsort(all, total, sizeof *all, cmp_ms);
	f.p50 = all[total / 2].ms;
	f.p99 = all[(total * 99) / 100].ms;
	f.max = all[total - 1].ms;
	qsort(all, total, sizeof *all, cmp_build);
	f.dup = 0;
	for (i = 1; i < (int)total; i++)
		f.dup += all[i].build == all[i - 1].build;
	free(all);
	return (f);
}

int
main(int argc, char **argv)
{
	struct figures	 one, many;
	struct store	*st;
	char		*cause;
	double		 p99_many[8];
	int		 queued = 100000, claimers = 8, claims = 200, ch, d;

	while ((ch = getopt(argc, argv, "q:c:n:")) != -1) {
		switch (ch) {
		case 'q':
			queued = atoi(optarg);
			break;
		case 'c':
			claimers = atoi(optarg);
			break;
		case 'n':
			claims = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench_claim [-q QUEUED] "
			    "[-c CLAIMERS] [-n CLAIMS] DB...\n");
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 8 || queued < (claimers + 1) * claims) {
		fprintf(stderr, "bench_claim: one to eight databases, and "
		    "more queued builds than claims\n");
		return (2);
	}
	log_init(-1);
	printf("claim: %d queued builds; %d claims per claimer\n", queued,
	    claims);
	printf("%-11s %9s %8s %8s %8s %9s %s\n", "store", "claimers",
	    "p50 ms", "p99 ms", "max ms", "claims/s", "claimed twice");
	for (d = 0; d < argc; d++) {
		if ((st = store_open(argv[d], &cause)) == NULL)
			fatalx("%s", cause);
		seed(st, queued);
		/* As autovacuum would, within a minute of the seeding. */
		if (store_analyze(st) != 0)
			fatalx("ANALYZE failed");
		one = contend(argv[d], 1, claims);
		many = contend(argv[d], claimers, claims);
		printf("%-11s %9d %8.2f %8.2f %8.2f %9.0f %d\n",
		    store_driver(st), 1, one.p50, one.p99, one.max, one.per_s,
		    one.dup);
		printf("%-11s %9d %8.2f %8.2f %8.2f %9.0f %d\n",
		    store_driver(st), claimers, many.p50, many.p99, many.max,
		    many.per_s, many.dup);
		printf("%-11s p99 with %d claimers / with 1: %.2fx\n",
		    store_driver(st), claimers, many.p99 / one.p99);
		p99_many[d] = many.p99;
		store_close(st);
		if (one.dup + many.dup > 0)
			return (1);
	}
	if (argc == 2)
		printf("p99 with %d claimers, first store / second: %.2fx\n",
		    claimers, p99_many[0] / p99_many[1]);
	return (0);
}
