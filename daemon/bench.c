/*
 * Benchmarks: a matrix's "bench" command run against a built artifact.
 * The artifact (checked against the sha256 it was measured with) is
 * copied to WORKDIR/bench/bin/NAME, always the same file rewritten in
 * place, and the command runs in a scratch dir with a clean
 * environment, warmup + runs times natively and once under valgrind's
 * cachegrind, each through the spawn helper (a process group of its own,
 * killed with the daemon or at the timeout; wall time and peak memory
 * from wait4). The queue starts one benchmark at a time, while no build
 * runs (queue.c); its figures become measurements of the artifact.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sizematd.h"

/* A run under valgrind takes this many times the run's timeout. */
#define BENCH_VALGRIND_FACTOR	50
#define BENCH_ERROR_LINES	5

struct bench_job {
	uv_loop_t			*loop;
	const struct builder_config	*cfg;
	struct bench_task		 task;
	struct bench_spec		 spec;
	bench_done_cb			*cb;
	void				*arg;

	uv_work_t			 work;
	uv_process_t			 proc;
	uv_timer_t			 timer;
	int				 running;	/* a process */
	char				*scratch;
	char				*program;	/* bench/bin/NAME */
	char				*fixrandom;	/* its .so, or NULL */
	char				*rusage;
	char				*errlog;
	char				*vglog;
	int				 stdin_fd;	/* or -1 */
	int				 done_runs;	/* warmup included */
	int				 valgrind;	/* the last run */
	int				 late;		/* it timed out */
	const char			*killed;
	int64_t				 exit_status;
	struct bench_outcome		 out;
};

static void	bench_next(struct bench_job *);

/* Reads "key=value" lines the spawn helper wrote; -1 for a missing key. */
static int64_t
bench_rusage(const char *path, const char *key)
{
	FILE		*f;
	char		 line[128];
	size_t		 len = strlen(key);
	long long	 v = -1;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, len) == 0 && line[len] == '=') {
			v = strtoll(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return (v);
}

/* Returns the last lines of a file, joined by "; ", or NULL. */
static char *
bench_tail(const char *path)
{
	FILE		*f;
	char		 line[512], *kept[BENCH_ERROR_LINES] = { NULL };
	struct buf	 b;
	size_t		 n = 0, i, len;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	while (fgets(line, sizeof line, f) != NULL) {
		len = strcspn(line, "\n");
		if (len == 0)
			continue;
		free(kept[n % BENCH_ERROR_LINES]);
		kept[n % BENCH_ERROR_LINES] = xstrndup(line, len);
		n++;
	}
	fclose(f);
	if (n == 0)
		return (NULL);
	buf_init(&b);
	for (i = n > BENCH_ERROR_LINES ? n - BENCH_ERROR_LINES : 0; i < n;
	    i++) {
		buf_printf(&b, "%s%s", b.len ? "; " : "",
		    kept[i % BENCH_ERROR_LINES]);
	}
	for (i = 0; i < BENCH_ERROR_LINES; i++)
		free(kept[i]);
	return (b.data);
}

/* Reads the load averages and the CPU model, as the machine says them. */
static void
bench_machine(struct bench_outcome *o)
{
	FILE	*f;
	char	 line[512], *p;
	double	 l1, l5, l15;

	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
			xasprintf(&o->load_avg, "%.2f %.2f %.2f", l1, l5, l15);
		fclose(f);
	}
	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "model name", 10) != 0 ||
		    (p = strchr(line, ':')) == NULL)
			continue;
		p += strspn(p + 1, " \t") + 1;
		o->cpu_model = xstrndup(p, strcspn(p, "\n"));
		break;
	}
	fclose(f);
}

/* Copies a file; 0, or -1 with errno. */
static int
bench_copy(const char *from, const char *to, mode_t mode)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 in, out, rc = 0, saved;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	/* An existing file is rewritten in place: it keeps its inode. */
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1 || fchmod(out, mode) == -1) {
		saved = errno;
		if (out != -1)
			close(out);
		close(in);
		errno = saved;
		return (-1);
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	}
	if (n < 0)
		rc = -1;
	saved = errno;
	close(in);
	if (close(out) != 0)
		rc = -1;
	errno = saved;
	return (rc);
}

/* Says why a job cannot run (state unavailable), with a message. */
static void
bench_unavailable(struct bench_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
bench_unavailable(struct bench_job *job, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	free(job->out.error);
	xvasprintf(&job->out.error, fmt, ap);
	va_end(ap);
	job->out.state = "unavailable";
}

/* Checks the artifact is the one measured and copies it to scratch. */
static void
bench_prepare_artifact(struct bench_job *job)
{
	const char	*base;
	char		 hex[65], *copy;
	int		 fd;

	if ((fd = open(job->task.path, O_RDONLY | O_CLOEXEC)) == -1) {
		bench_unavailable(job, "cannot open %s (artifact %s): %s; it "
		    "is benchmarked only as it was measured", job->task.path,
		    job->task.artifact, strerror(errno));
		return;
	}
	if (measure_sha256(fd, hex) != 0 || (job->task.sha256 != NULL &&
	    strcmp(hex, job->task.sha256) != 0)) {
		close(fd);
		bench_unavailable(job, "%s is no longer the file measured for "
		    "artifact %s (sha256 %s); a later build replaced it, and "
		    "only the measured bytes are benchmarked", job->task.path,
		    job->task.artifact, job->task.sha256 ? job->task.sha256 :
		    "unknown");
		return;
	}
	close(fd);
	/*
	 * The same path for every variant, and the same file: glibc reads
	 * /proc/self/maps at start, whose lines hold the program's path and
	 * inode number, so a new file (another inode, of another number of
	 * digits) would change the instruction count by a few.
	 */
	base = strrchr(job->task.path, '/');
	base = base != NULL ? base + 1 : job->task.path;
	xasprintf(&copy, "%s/bench/bin/%s", job->cfg->workdir, base);
	if (bench_copy(job->task.path, copy, 0755) != 0)
		bench_unavailable(job, "cannot copy %s to %s: %s",
		    job->task.path, copy, strerror(errno));
	job->program = copy;
}

/*
 * Tells whether a tracked project's worktree still holds the build's
 * commit (a later build of the same target dir, or a build that reused
 * this result without checking anything out, may have moved it).
 */
static int
bench_checked_out(struct bench_job *job)
{
	char	*gitdir, *head, *cause = NULL;
	int	 ok;

	xasprintf(&gitdir, "%s/.git", job->task.project);
	head = git_resolve(gitdir, "HEAD", &cause);
	ok = head != NULL && strcmp(head, job->task.commit) == 0;
	if (!ok)
		bench_unavailable(job, "bench.stdin: %s no longer holds commit "
		    "%.12s (it holds %.12s), whose file the benchmark reads; "
		    "building the variant at that commit again benchmarks it",
		    job->task.project, job->task.commit, head != NULL ? head :
		    "nothing");
	free(gitdir);
	free(head);
	free(cause);
	return (ok);
}

/* Opens the file the benchmark reads on stdin, inside the project. */
static void
bench_prepare_stdin(struct bench_job *job)
{
	char	*path, *real = NULL, *root = NULL;
	size_t	 len;

	if (job->task.commit != NULL && !bench_checked_out(job))
		return;

	xasprintf(&path, "%s/%s", job->task.project, job->spec.stdin_path);
	if ((real = realpath(path, NULL)) == NULL ||
	    (root = realpath(job->task.project, NULL)) == NULL) {
		bench_unavailable(job, "bench.stdin: cannot read %s: %s",
		    path, strerror(errno));
		goto out;
	}
	len = strlen(root);
	if (strncmp(real, root, len) != 0 || real[len] != '/') {
		bench_unavailable(job, "bench.stdin: %s leads outside the "
		    "project (%s)", path, real);
		goto out;
	}
	if ((job->stdin_fd = open(real, O_RDONLY | O_CLOEXEC)) == -1)
		bench_unavailable(job, "bench.stdin: cannot open %s: %s",
		    path, strerror(errno));
out:
	free(real);
	free(root);
	free(path);
}

/* Thread pool: the scratch dir, the artifact's copy, stdin, the machine. */
static void
bench_prepare_work(uv_work_t *w)
{
	struct bench_job	*job = w->data;
	char			*parent, *bin;
	int			 rc;

	bench_machine(&job->out);
	if (job->task.problem != NULL) {
		bench_unavailable(job, "%s", job->task.problem);
		return;
	}
	gc_remove_tree(job->scratch);
	xasprintf(&parent, "%s/bench", job->cfg->workdir);
	xasprintf(&bin, "%s/bench/bin", job->cfg->workdir);
	rc = (mkdir(parent, 0755) == -1 && errno != EEXIST) ||
	    (mkdir(bin, 0755) == -1 && errno != EEXIST) ? -1 :
	    mkdir(job->scratch, 0700);
	free(parent);
	free(bin);
	if (rc != 0) {
		bench_unavailable(job, "cannot create %s: %s", job->scratch,
		    strerror(errno));
		return;
	}
	bench_prepare_artifact(job);
	if (job->out.state == NULL && job->spec.stdin_path != NULL)
		bench_prepare_stdin(job);
}

/* Frees a job once its timer is closed. */
static void
bench_free(uv_handle_t *h)
{
	struct bench_job	*job = h->data;

	bench_task_clear(&job->task);
	bench_spec_clear(&job->spec);
	free(job->scratch);
	free(job->program);
	free(job->fixrandom);
	free(job->rusage);
	free(job->errlog);
	free(job->vglog);
	free(job->out.error);
	free(job->out.samples_us);
	free(job->out.load_avg);
	free(job->out.cpu_model);
	free(job->out.note);
	free(job);
}

/* Reports the outcome, removes the scratch dir and lets the job go. */
static void
bench_finish(struct bench_job *job)
{
	if (job->killed != NULL) {
		job->out.state = job->killed;
		if (job->out.error == NULL)
			job->out.error = xstrdup("cancelled");
	}
	if (job->stdin_fd != -1)
		close(job->stdin_fd);
	job->stdin_fd = -1;
	if (job->out.nsamples > 0)
		bench_stats(job->out.samples_us, job->out.nsamples,
		    &job->out.wall_us);
	uv_timer_stop(&job->timer);
	gc_remove_tree(job->scratch);
	job->cb(job, &job->out, job->arg);
	uv_close((uv_handle_t *)&job->timer, bench_free);
}

/* Names the run going on: "warmup run 1", "timed run 3", ... */
static void
bench_run_name(const struct bench_job *job, char *out, size_t len)
{
	if (job->valgrind)
		snprintf(out, len, "the run under valgrind");
	else if (job->done_runs < job->spec.warmup)
		snprintf(out, len, "warmup run %d", job->done_runs + 1);
	else
		snprintf(out, len, "timed run %d", job->done_runs -
		    job->spec.warmup + 1);
}

/*
 * Kills a run that is over its time. The run under valgrind comes after
 * the timed runs, whose figures stand: only its count is lost.
 */
static void
bench_timeout(uv_timer_t *t)
{
	struct bench_job	*job = t->data;
	char			 run[64];
	int			 limit = job->spec.timeout_s *
				    (job->valgrind ? BENCH_VALGRIND_FACTOR : 1);

	bench_run_name(job, run, sizeof run);
	if (job->valgrind) {
		free(job->out.note);
		xasprintf(&job->out.note, "bench.instructions not measured: "
		    "%s did not end within %d s (%d times the timeout)", run,
		    limit, BENCH_VALGRIND_FACTOR);
		job->late = 1;
		if (job->running)
			uv_process_kill(&job->proc, SIGTERM);
		return;
	}
	free(job->out.error);
	xasprintf(&job->out.error, "%s did not end within %d s; its process "
	    "group was killed", run, limit);
	bench_kill(job, "timeout");
}

/*
 * The run under valgrind ended without a count: the timed runs' figures
 * stand, and the note says why there is no bench.instructions.
 */
static void
bench_valgrind_failed(struct bench_job *job)
{
	char	*tail;

	if (job->out.note == NULL && job->exit_status == 127)
		job->out.note = xstrdup("bench.instructions not measured: "
		    "valgrind is not installed here (apt install valgrind)");
	else if (job->out.note == NULL) {
		tail = bench_tail(job->vglog);
		xasprintf(&job->out.note, "bench.instructions not measured: "
		    "the run under valgrind exited with status %lld%s%s",
		    (long long)job->exit_status, tail ? ": " : "",
		    tail ? tail : "");
		free(tail);
	}
	job->out.state = "done";
	bench_finish(job);
}

/* Records one native run's figures; the warmup's are not kept. */
static void
bench_record_run(struct bench_job *job)
{
	int64_t	 wall = bench_rusage(job->rusage, "wall_us");
	int64_t	 rss = bench_rusage(job->rusage, "max_rss_kib");

	if (job->done_runs < job->spec.warmup)
		return;
	job->out.samples_us = xreallocarray(job->out.samples_us,
	    job->out.nsamples + 1, sizeof *job->out.samples_us);
	job->out.samples_us[job->out.nsamples++] = wall;
	if (rss > job->out.max_rss_kib)
		job->out.max_rss_kib = rss;
}

/*
 * A run ended: a failure ends the benchmark (the build stays done), a
 * good run is recorded and the next starts.
 */
static void
bench_closed(uv_handle_t *h)
{
	struct bench_job	*job = h->data;
	char			*tail, run[64];

	uv_timer_stop(&job->timer);
	if (job->killed != NULL) {
		bench_finish(job);
		return;
	}
	if (job->valgrind && (job->late || job->exit_status != 0)) {
		bench_valgrind_failed(job);
		return;
	}
	if (job->exit_status != 0) {
		tail = bench_tail(job->errlog);
		bench_run_name(job, run, sizeof run);
		job->out.state = "failed";
		job->out.exit_status = (int)job->exit_status;
		xasprintf(&job->out.error, "the benchmark exited with status "
		    "%lld%s in its %s%s%s", (long long)job->exit_status,
		    job->exit_status > 128 && job->exit_status < 160 ?
		    " (killed by a signal: 128 + its number)" : "", run,
		    tail ? ": " : "", tail ? tail : "");
		free(tail);
		bench_finish(job);
		return;
	}
	job->out.exit_status = 0;
	if (job->valgrind) {
		job->out.instructions = bench_read_instructions(job->vglog);
		if (job->out.instructions < 0)
			job->out.note = xstrdup("bench.instructions not "
			    "measured: valgrind's log has no instruction "
			    "count");
	} else
		bench_record_run(job);
	job->done_runs++;
	bench_next(job);
}

/* Records how a run's process ended. */
static void
bench_exited(uv_process_t *p, int64_t status, int sig)
{
	struct bench_job	*job = p->data;

	job->running = 0;
	job->exit_status = sig != 0 ? 128 + sig : status;
	uv_close((uv_handle_t *)p, bench_closed);
}

/* Fills argv: the helper, valgrind for the last run, the command. */
static void
bench_argv(struct bench_job *job, struct strlist *argv)
{
	struct buf	 b;
	const char	*s, *at;
	size_t		 i;

	strlist_add(argv, job->cfg->spawn_helper);
	strlist_add(argv, "--close-fds");
	strlist_add(argv, job->rusage);
	if (job->valgrind) {
		/*
		 * The counted run's random source is fixed (hash seeds
		 * repeat): set for valgrind and its program through env(1),
		 * never for the spawn helper itself.
		 */
		if (job->fixrandom != NULL) {
			strlist_add(argv, "env");
			strlist_addf(argv, "LD_PRELOAD=%s", job->fixrandom);
		}
		strlist_add(argv, "valgrind");
		strlist_add(argv, "--tool=cachegrind");
		strlist_add(argv, "--cache-sim=no");
		strlist_add(argv, "--cachegrind-out-file=/dev/null");
		strlist_addf(argv, "--log-file=%s", job->vglog);
		strlist_add(argv, "--");
	}
	for (i = 0; i < job->spec.command.n; i++) {
		buf_init(&b);
		for (s = job->spec.command.v[i];
		    (at = strstr(s, "{artifact}")) != NULL; s = at + 10) {
			buf_add(&b, s, (size_t)(at - s));
			buf_addstr(&b, job->program);
		}
		buf_addstr(&b, s);
		strlist_add(argv, b.data);
		buf_free(&b);
	}
}

/* A process handle uv_spawn refused is closed: the job ends. */
static void
bench_spawn_closed(uv_handle_t *h)
{
	bench_finish(h->data);
}

/*
 * Starts one run of the command; 0, or -1 having ended the job (its
 * outcome set).
 */
static int
bench_spawn(struct bench_job *job)
{
	uv_process_options_t	 opts;
	uv_stdio_container_t	 stdio[3];
	struct strlist		 argv = { NULL, 0 }, env = { NULL, 0 };
	const char		*path = getenv("PATH");
	int			 rc, null_fd, err_fd;

	bench_argv(job, &argv);
	/* These four and nothing of the daemon's: the same for every run. */
	strlist_addf(&env, "PATH=%s", path ? path : "/usr/bin:/bin");
	strlist_addf(&env, "HOME=%s", job->scratch);
	strlist_addf(&env, "TMPDIR=%s", job->scratch);
	strlist_add(&env, "LC_ALL=C");
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	err_fd = open(job->errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (job->stdin_fd != -1)
		lseek(job->stdin_fd, 0, SEEK_SET);
	memset(&opts, 0, sizeof opts);
	stdio[0].flags = UV_INHERIT_FD;
	stdio[0].data.fd = job->stdin_fd != -1 ? job->stdin_fd : null_fd;
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = null_fd;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = err_fd != -1 ? err_fd : null_fd;
	opts.file = argv.v[0];
	opts.args = argv.v;
	opts.env = env.v;
	opts.cwd = job->scratch;
	opts.stdio = stdio;
	opts.stdio_count = 3;
	opts.exit_cb = bench_exited;
	job->proc.data = job;
	unlink(job->rusage);
	rc = null_fd == -1 ? UV_EMFILE : uv_spawn(job->loop, &job->proc, &opts);
	if (null_fd != -1)
		close(null_fd);
	if (err_fd != -1)
		close(err_fd);
	strlist_free(&env);
	strlist_free(&argv);
	if (rc != 0) {
		bench_unavailable(job, "cannot run the spawn helper %s: %s",
		    job->cfg->spawn_helper, uv_strerror(rc));
		/* The job ends once the handle is closed, never before. */
		if (null_fd != -1)
			uv_close((uv_handle_t *)&job->proc, bench_spawn_closed);
		else
			bench_finish(job);
		return (-1);
	}
	job->running = 1;
	uv_update_time(job->loop);
	uv_timer_start(&job->timer, bench_timeout, (uint64_t)
	    job->spec.timeout_s * 1000 * (job->valgrind ?
	    BENCH_VALGRIND_FACTOR : 1), 0);
	return (0);
}

/* Starts the next run, or reports the figures when all have run. */
static void
bench_next(struct bench_job *job)
{
	int	 native = job->spec.warmup + job->spec.runs;

	if (job->killed != NULL) {
		bench_finish(job);
		return;
	}
	if (job->done_runs < native)
		job->valgrind = 0;
	else if (job->done_runs == native && job->spec.instructions)
		job->valgrind = 1;
	else {
		job->out.state = "done";
		bench_finish(job);
		return;
	}
	bench_spawn(job);
}

/* Prepared: the runs begin, unless it cannot run or was stopped. */
static void
bench_prepare_done(uv_work_t *w, int status)
{
	struct bench_job	*job = w->data;

	if (status != 0 && job->out.state == NULL)
		bench_unavailable(job, "the benchmark was cancelled");
	if (job->out.state != NULL || job->killed != NULL) {
		bench_finish(job);
		return;
	}
	log_info("build %lld: benchmark of %s: %d runs after %d warmup%s",
	    (long long)job->task.build_id, job->task.artifact,
	    job->spec.runs, job->spec.warmup, job->spec.instructions ?
	    ", then one under valgrind" : "");
	bench_next(job);
}

/*
 * Finds sizemat-fixrandom.so beside the spawn helper; without it the run
 * under valgrind keeps the system's random source.
 */
static void
bench_fixrandom(struct bench_job *job)
{
	const char	*slash = strrchr(job->cfg->spawn_helper, '/');
	char		*path;

	if (slash == NULL)
		return;
	xasprintf(&path, "%.*s/sizemat-fixrandom.so",
	    (int)(slash - job->cfg->spawn_helper), job->cfg->spawn_helper);
	if (access(path, R_OK) == 0)
		job->fixrandom = path;
	else
		free(path);
}

/* Prepares on the loop's thread when the thread pool would not take it. */
static void
bench_prepare_now(uv_timer_t *t)
{
	struct bench_job	*job = t->data;

	bench_prepare_work(&job->work);
	bench_prepare_done(&job->work, 0);
}

/* Frees a task's contents. */
void
bench_task_clear(struct bench_task *t)
{
	free(t->spec);
	free(t->project);
	free(t->target_dir);
	free(t->commit);
	free(t->artifact);
	free(t->path);
	free(t->sha256);
	free(t->problem);
	memset(t, 0, sizeof *t);
}

/*
 * Starts a benchmark of a build's artifact. cb is called once with the
 * outcome; the job frees itself after. NULL when the task's spec does
 * not parse (the caller records why, from cause).
 */
struct bench_job *
bench_start(uv_loop_t *loop, const struct builder_config *cfg,
    struct bench_task *task, bench_done_cb *cb, void *arg, char **cause)
{
	struct bench_job	*job;
	cJSON			*o;

	job = xcalloc(1, sizeof *job);
	o = cJSON_Parse(task->spec);
	if (bench_spec_parse(o, "the run's", &job->spec, cause) != 0) {
		cJSON_Delete(o);
		free(job);
		return (NULL);
	}
	cJSON_Delete(o);
	job->loop = loop;
	job->cfg = cfg;
	job->task = *task;
	memset(task, 0, sizeof *task);
	job->cb = cb;
	job->arg = arg;
	job->stdin_fd = -1;
	job->out.exit_status = -1;
	job->out.max_rss_kib = -1;
	job->out.instructions = -1;
	job->out.artifact = job->task.artifact;
	bench_fixrandom(job);
	/* One dir for every benchmark: one runs at a time. */
	xasprintf(&job->scratch, "%s/bench/run", cfg->workdir);
	/* Beside the program, which runs in scratch and may see them. */
	xasprintf(&job->rusage, "%s/.sizemat-rusage", job->scratch);
	xasprintf(&job->errlog, "%s/.sizemat-stderr", job->scratch);
	xasprintf(&job->vglog, "%s/.sizemat-valgrind", job->scratch);
	uv_timer_init(loop, &job->timer);
	job->timer.data = job;
	job->work.data = job;
	/* Never ended inside bench_start: its caller keeps the job. */
	if (uv_queue_work(loop, &job->work, bench_prepare_work,
	    bench_prepare_done) != 0)
		uv_timer_start(&job->timer, bench_prepare_now, 0, 0);
	return (job);
}

/* Returns the build whose artifact a benchmark runs. */
int64_t
bench_build_id(const struct bench_job *job)
{
	return (job->task.build_id);
}

/* Stops a benchmark: its process group is killed, state kept. */
void
bench_kill(struct bench_job *job, const char *state)
{
	if (job->killed == NULL)
		job->killed = state;
	if (job->running)
		uv_process_kill(&job->proc, SIGTERM);
}
