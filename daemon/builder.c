/*
 * The builder: with builder_cargo.c (what cargo prints) and
 * builder_meta.c (cargo metadata before a run is queued), the only files
 * that run cargo. One build job asks the variant's toolchain's rustc for
 * its identity and host triple, then runs that toolchain's cargo through
 * sizemat-spawn with the variant's environment, reads artifacts from
 * cargo's JSON messages, logs everything, and on the loop's thread pool
 * measures what was built, applies the post steps and keeps a copy of
 * each artifact for diff.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sizematd.h"
#include "builder_private.h"

static void	builder_deferred_finish(uv_timer_t *);
static void	builder_identity_read(struct build_job *);
static void	builder_sysroot_read(struct build_job *);

/*
 * Returns the target dir of a project and variant under the work dir: one
 * per pair, reused by every run, so unchanged builds stay fresh.
 */
char *
builder_target_dir(const char *workdir, const char *project, const char *key)
{
	char	*dir;

	xasprintf(&dir, "%s/target/%016" PRIx64 "/%016" PRIx64, workdir,
	    units_hash(project), units_hash(key));
	return (dir);
}

/*
 * Returns a target dir no build used before, for verify: beside the
 * reused ones (so the disk budget covers it) and of another length, so
 * that what the path's length changes in a binary shows.
 */
char *
builder_fresh_target_dir(const char *workdir, const char *project,
    const char *key)
{
	struct timespec	 ts;
	char		*dir;

	clock_gettime(CLOCK_REALTIME, &ts);
	xasprintf(&dir, "%s/target/fresh-%016" PRIx64 "/%016" PRIx64
	    "-%lld%09ld", workdir, units_hash(project), units_hash(key),
	    (long long)ts.tv_sec, ts.tv_nsec);
	return (dir);
}

/* Whether path is under dir. */
int
builder_under(const char *dir, const char *path)
{
	size_t	 n = strlen(dir);

	return (strncmp(path, dir, n) == 0 && path[n] == '/');
}

/*
 * Where this daemon builds in a target dir that was planned under another
 * daemon's work dir (the one that accepted the run): the same place under
 * its own, the planned path's last two parts. A dir under workdir stays.
 */
char *
builder_target_here(const char *workdir, const char *planned)
{
	const char	*p;
	int		 parts = 0;
	char		*dir;

	if (builder_under(workdir, planned))
		return (xstrdup(planned));
	for (p = planned + strlen(planned); p > planned; p--) {
		if (p[-1] == '/' && ++parts == 2)
			break;
	}
	xasprintf(&dir, "%s/target/%s", workdir, p);
	return (dir);
}

/* Creates a directory and its parents. */
int
builder_mkdirs(const char *path)
{
	char	*copy, *p;

	copy = xstrdup(path);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) == -1 && errno != EEXIST) {
			free(copy);
			return (-1);
		}
		*p = '/';
	}
	free(copy);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return (-1);
	return (0);
}

/* Returns the build id of a job. */
int64_t
builder_build_id(const struct build_job *job)
{
	return (job->spec.id);
}

/* Returns the target dir a job builds in. */
const char *
builder_job_target_dir(const struct build_job *job)
{
	return (job->spec.target_dir);
}

/* Returns the path of a job's log, or NULL before it has one. */
const char *
builder_job_log_path(const struct build_job *job)
{
	return (job->log_path);
}

/* Writes to the build's log, if it is open. */
void
builder_log(struct build_job *job, const char *s, size_t len)
{
	if (job->log != NULL) {
		fwrite(s, 1, len, job->log);
		fflush(job->log);
	}
}

/* Allocates a read buffer for a pipe. */
static void
builder_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	b->base = xmalloc(suggested);
	b->len = suggested;
}

/* Called when a phase's handle is closed; the phase ends with the last. */
static void
builder_closed(uv_handle_t *h)
{
	struct build_job	*job = h->data;

	if (--job->open > 0)
		return;
	if (job->phase != PHASE_CARGO && job->killed == NULL &&
	    job->fail_state == NULL && !job->settled) {
		if (job->phase == PHASE_RUSTC)
			builder_identity_read(job);
		else if (job->phase == PHASE_SYSROOT)
			builder_sysroot_read(job);
		else
			builder_units_read(job);
		/*
		 * Reading may have ended it: nothing to measure, settled,
		 * or stopped (its claim went elsewhere).
		 */
		if (job->fail_state == NULL && !job->settled &&
		    job->killed == NULL) {
			job->phase++;
			builder_phase_start(job);
			return;
		}
	}
	builder_finish(job);
}

/* Reads a pipe until EOF, then closes it. */
static void
builder_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct build_job	*job = s->data;
	int			 is_stdout = s == (uv_stream_t *)&job->out;

	if (n > 0)
		builder_lines(job, is_stdout ? &job->outline : &job->errline,
		    b->base, (size_t)n, is_stdout);
	free(b->base);
	if (n < 0) {
		/* Hand on an unterminated last line. */
		builder_lines(job, is_stdout ? &job->outline : &job->errline,
		    "\n", 1, is_stdout);
		uv_close((uv_handle_t *)s, builder_closed);
	}
}

/* Records how a phase's process ended. */
static void
builder_exited(uv_process_t *p, int64_t status, int sig)
{
	struct build_job	*job = p->data;

	job->running = 0;
	job->exit_status = status;
	job->term_signal = sig;
	if (job->phase == PHASE_CARGO)
		job->wall_ms = (int64_t)((uv_hrtime() - job->started_ns) /
		    1000000);
	uv_close((uv_handle_t *)p, builder_closed);
}

/* Returns a build's timeout: its matrix's, else the daemon's. */
static int
builder_timeout_s(const struct build_job *job)
{
	return (job->spec.timeout_s > 0 ? job->spec.timeout_s :
	    job->cfg->timeout_s);
}

/* Kills a build's process when its time is up. */
static void
builder_timeout(uv_timer_t *t)
{
	struct build_job	*job = t->data;

	log_warnx("build %lld: timed out after %d s", (long long)job->spec.id,
	    builder_timeout_s(job));
	builder_kill(job, "timeout");
}

/* Records why a build could not go on. */
void
builder_fail(struct build_job *job, const char *state, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	free(job->error);
	xvasprintf(&job->error, fmt, ap);
	va_end(ap);
	job->fail_state = state;
}

/* Returns the environment entries as a JSON object. */
static cJSON *
builder_env_json(const struct strlist *env)
{
	cJSON		*o;
	const char	*eq;
	char		*name;
	size_t		 i;

	o = cJSON_CreateObject();
	for (i = 0; i < env->n; i++) {
		eq = strchr(env->v[i], '=');
		name = xstrndup(env->v[i], (size_t)(eq - env->v[i]));
		cJSON_AddStringToObject(o, name, eq + 1);
		free(name);
	}
	return (o);
}

/* Returns CARGO_HOME as the toolchain's cargo finds it. */
static char *
builder_cargo_home(const struct toolchain *tc)
{
	const char	*home;
	char		*path;
	size_t		 i;

	for (i = 0; i < tc->env.n; i++) {
		if (strncmp(tc->env.v[i], "CARGO_HOME=", 11) == 0)
			return (xstrdup(tc->env.v[i] + 11));
	}
	if ((home = getenv("CARGO_HOME")) != NULL && *home != '\0')
		return (xstrdup(home));
	if ((home = getenv("HOME")) == NULL)
		return (NULL);
	xasprintf(&path, "%s/.cargo", home);
	return (path);
}

/*
 * Writes "$ export NAME='value'" to the log, quoted for the shell, so that
 * the line pastes as it reads (RUSTFLAGS holds spaces).
 */
static void
builder_log_export(FILE *f, const char *entry)
{
	const char	*eq = strchr(entry, '=');
	struct buf	 b;

	buf_init(&b);
	buf_printf(&b, "$ export %.*s=", (int)(eq - entry), entry);
	snippet_quote(&b, eq + 1);
	fprintf(f, "%s\n", b.data);
	buf_free(&b);
}

/*
 * Works out the cargo command of the build (under sizemat-spawn) and its
 * environment, and records them through the prepared callback before
 * anything runs.
 */
static int
builder_cargo_argv(struct build_job *job)
{
	struct strlist		*argv = &job->cargo_argv, *env = &job->cargo_env;
	struct build_context	 ctx;
	struct strlist		 args = { NULL, 0 }, cargo = { NULL, 0 };
	cJSON			*ej, *aj, *tj;
	char			*cargo_home;
	size_t			 i;
	int			 rc;

	cargo_home = builder_cargo_home(job->tc);
	memset(&ctx, 0, sizeof ctx);
	ctx.toolchain_env = &job->tc->env;
	ctx.bootstrap = job->spec.bootstrap;
	ctx.source_dir = job->spec.project;
	ctx.target_dir = job->spec.target_dir;
	ctx.cargo_home = cargo_home;
	ctx.daemon_rustflags = getenv("RUSTFLAGS");
	ctx.target = job->id.host;
	ctx.commit_time = job->spec.commit != NULL ? job->spec.commit_time : 0;
	ctx.locked = job->spec.locked;
	variant_env(&job->spec.variant, &ctx, env);
	variant_cargo_args(&job->spec.variant, &ctx, &args);
	free(cargo_home);

	xasprintf(&job->log_path, "%s/logs/build-%lld.log", job->cfg->workdir,
	    (long long)job->spec.id);
	xasprintf(&job->rusage_path, "%s/logs/build-%lld.rusage",
	    job->cfg->workdir, (long long)job->spec.id);
	ej = builder_env_json(env);
	aj = strlist_to_json(&args);
	tj = toolchain_identity_json(job->tc, &job->id);
	rc = job->cb.prepared(job, ej, aj, tj, job->log_path, job->cb.arg);
	cJSON_Delete(ej);
	cJSON_Delete(aj);
	cJSON_Delete(tj);
	if (rc != 0) {
		strlist_free(&args);
		return (-1);
	}

	if ((job->log = fopen(job->log_path, "w")) == NULL)
		log_warn("build %lld: %s", (long long)job->spec.id,
		    job->log_path);
	else {
		if (job->spec.commit != NULL)
			fprintf(job->log, "# at commit %s%s\n",
			    job->spec.commit, job->spec.locked ?
			    " (Cargo.lock: --locked)" : "");
		fprintf(job->log, "# build %lld of run %lld: %s\n# toolchain "
		    "%s: %s%s\n", (long long)job->spec.id,
		    (long long)job->spec.run_id, job->spec.variant_key,
		    job->tc->name, job->id.version, job->spec.bootstrap ?
		    " (unstable options through RUSTC_BOOTSTRAP=1)" : "");
		if (job->identity_from != NULL)
			fprintf(job->log, "# identity as probed before: %s "
			    "is unchanged\n", job->identity_from);
		else
			fprintf(job->log, "# identity probed: %s -vV\n",
			    job->tc->rustc_shown);
		fprintf(job->log, "$ cd %s\n", job->spec.project);
		for (i = 0; i < env->n; i++)
			builder_log_export(job->log, env->v[i]);
		fprintf(job->log, "$ %s", job->tc->cargo_shown);
		for (i = 0; i < args.n; i++)
			fprintf(job->log, " %s", args.v[i]);
		fputs("\n", job->log);
		fflush(job->log);
	}
	strlist_add(argv, job->cfg->spawn_helper);
	strlist_add(argv, job->rusage_path);
	toolchain_cargo_argv(job->tc, &cargo);
	for (i = 0; i < cargo.n; i++)
		strlist_add(argv, cargo.v[i]);
	for (i = 0; i < args.n; i++)
		strlist_add(argv, args.v[i]);
	strlist_free(&cargo);
	strlist_free(&args);
	return (0);
}

/*
 * Reads rustc's identity from `rustc -vV`, and keeps the output to be
 * remembered once the sysroot is known. Fails the job when it says no
 * version or host.
 */
static void
builder_identity_read(struct build_job *job)
{
	if (toolchain_parse_identity(&job->id, job->rustc_out.data) != 0) {
		builder_fail(job, "unavailable", "'%s -vV' in %s did not say "
		    "its version and host (exit status %lld): %s; install "
		    "Rust with rustup, or point sizematd at a working rustc "
		    "with RUSTC", job->tc->rustc_shown, job->spec.project,
		    (long long)job->exit_status, job->nlines ?
		    job->lines[job->nlines - 1] : "no output");
		return;
	}
	job->identity_vv = xstrdup(job->rustc_out.data);
	buf_reset(&job->rustc_out);
}

/*
 * Remembers the identity with the sysroot `rustc --print sysroot` named,
 * so that the next build in the same place need not probe. A sysroot
 * that cannot be read only means the next build probes again.
 */
static void
builder_sysroot_read(struct build_job *job)
{
	if (job->exit_status == 0 && job->term_signal == 0 &&
	    job->rustc_out.data[0] == '/')
		identities_add(job->cfg->identities, job->identity_key,
		    job->identity_vv, job->rustc_out.data);
	buf_reset(&job->rustc_out);
}

/*
 * Starts with the identity known from an earlier probe, if the files that
 * decide it are unchanged; returns 1 when it is.
 */
static int
builder_identity_known(struct build_job *job)
{
	const char	*vv, *binary;

	free(job->identity_key);
	job->identity_key = identity_key(job->tc, job->spec.project);
	vv = identities_find(job->cfg->identities, job->identity_key,
	    &binary);
	if (vv == NULL || toolchain_parse_identity(&job->id, vv) != 0)
		return (0);
	job->identity_from = xstrdup(binary);
	return (1);
}

/*
 * Checks what the build needs before cargo runs (the standard library's
 * source for build-std, the target dir) and works out its command.
 * Returns 0, or -1 with the job failed.
 */
static int
builder_prepare(struct build_job *job)
{
	if (variant_get(&job->spec.variant, "build-std") != NULL &&
	    !job->tc->has_src) {
		char *fix = toolchain_src_fix(job->tc);

		builder_fail(job, "unavailable", "build-std needs the "
		    "standard library's source, which toolchain %s (%s) does "
		    "not have; %s", job->tc->name, job->id.version, fix);
		free(fix);
		return (-1);
	}
	if (builder_mkdirs(job->spec.target_dir) != 0) {
		builder_fail(job, "failed", "cannot create target dir %s: %s",
		    job->spec.target_dir, strerror(errno));
		return (-1);
	}
	if (builder_cargo_argv(job) != 0) {
		builder_fail(job, "failed", "the database refused the build's "
		    "start");
		return (-1);
	}
	return (0);
}

/*
 * Fills argv and env for the phase: rustc -vV; cargo's unit graph with the
 * build's environment (RUSTC_BOOTSTRAP=1 for that query alone), or without
 * the variant's profile variables; or the build itself.
 */
static void
builder_phase_argv(struct build_job *job, struct strlist *argv,
    struct strlist *env)
{
	size_t	 i;

	if (job->phase == PHASE_RUSTC || job->phase == PHASE_SYSROOT) {
		toolchain_rustc_argv(job->tc, argv);
		if (job->phase == PHASE_RUSTC)
			strlist_add(argv, "-vV");
		else {
			strlist_add(argv, "--print");
			strlist_add(argv, "sysroot");
		}
		for (i = 0; i < job->tc->env.n; i++)
			strlist_add(env, job->tc->env.v[i]);
		return;
	}
	if (job->phase == PHASE_META) {
		strlist_add(argv, job->cfg->spawn_helper);
		strlist_add(argv, job->rusage_path);
		toolchain_cargo_argv(job->tc, argv);
		strlist_add(argv, "metadata");
		strlist_add(argv, "--no-deps");
		strlist_add(argv, "--offline");
		strlist_add(argv, "--format-version=1");
		for (i = 0; i < job->cargo_env.n; i++)
			strlist_add(env, job->cargo_env.v[i]);
		return;
	}
	for (i = 0; i < job->cargo_argv.n; i++)
		strlist_add(argv, job->cargo_argv.v[i]);
	for (i = 0; i < job->cargo_env.n; i++) {
		if (job->phase == PHASE_PROJECT && strncmp(job->cargo_env.v[i],
		    "CARGO_PROFILE_", 14) == 0)
			continue;
		strlist_add(env, job->cargo_env.v[i]);
	}
	/*
	 * The daemon's jobserver: how many compilers run at once, never what
	 * they make, so it is not part of the build's recorded env.
	 */
	if (job->phase == PHASE_CARGO && job->cfg->jobserver != NULL)
		strlist_add(env, job->cfg->jobserver);
	if (job->phase != PHASE_CARGO) {
		strlist_add(argv, "--unit-graph");
		strlist_add(argv, "-Zunstable-options");
		strlist_add(env, "RUSTC_BOOTSTRAP=1");
	}
}

/* Starts the current phase's process with its two pipes. */
void
builder_phase_start(struct build_job *job)
{
	uv_process_options_t	 opts;
	uv_stdio_container_t	 stdio[3];
	struct strlist		 argv = { NULL, 0 }, env = { NULL, 0 };
	char			**envp;
	int			 rc;

	if (job->phase == PHASE_RUSTC && builder_identity_known(job))
		job->phase = PHASE_UNITS;
	if (job->phase == PHASE_UNITS && builder_prepare(job) != 0) {
		/* Never inside builder_start: its caller holds the job. */
		uv_timer_start(&job->timer, builder_deferred_finish, 0, 0);
		return;
	}
	builder_phase_argv(job, &argv, &env);
	envp = strlist_environ(&env);
	strlist_free(&env);

	memset(&opts, 0, sizeof opts);
	uv_pipe_init(job->loop, &job->out, 0);
	uv_pipe_init(job->loop, &job->err, 0);
	job->out.data = job->err.data = job->proc.data = job;
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&job->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&job->err;
	opts.file = argv.v[0];
	opts.args = argv.v;
	opts.env = envp;
	opts.cwd = job->spec.project;
	opts.stdio = stdio;
	opts.stdio_count = 3;
	opts.exit_cb = builder_exited;
	job->open = 3;
	job->started_ns = uv_hrtime();
	rc = uv_spawn(job->loop, &job->proc, &opts);
	if (rc != 0) {
		if (job->phase == PHASE_RUSTC || job->phase == PHASE_SYSROOT)
			builder_fail(job, "unavailable", "cannot run '%s': %s;"
			    " install Rust with rustup, or point sizematd at "
			    "rustc with RUSTC", argv.v[0], uv_strerror(rc));
		else
			builder_fail(job, "unavailable", "cannot run '%s': %s",
			    argv.v[0], uv_strerror(rc));
		uv_close((uv_handle_t *)&job->proc, builder_closed);
		uv_close((uv_handle_t *)&job->out, builder_closed);
		uv_close((uv_handle_t *)&job->err, builder_closed);
	} else {
		job->running = 1;
		uv_read_start((uv_stream_t *)&job->out, builder_alloc,
		    builder_read);
		uv_read_start((uv_stream_t *)&job->err, builder_alloc,
		    builder_read);
		/* One limit from cargo's first spawn, whatever the phase. */
		if (job->phase == PHASE_UNITS) {
			job->first_ns = job->started_ns;
			if (builder_timeout_s(job) > 0) {
				/* From now, not the loop's cached time. */
				uv_update_time(job->loop);
				uv_timer_start(&job->timer, builder_timeout,
				    (uint64_t)builder_timeout_s(job) * 1000, 0);
			}
		}
		log_debug("build %lld: started %s (pid %d)",
		    (long long)job->spec.id, argv.v[0], job->proc.pid);
	}
	strlist_free_vector(envp);
	strlist_free(&argv);
}

/* Reads the CPU time the spawn helper wrote, or -1. */
static int64_t
builder_cpu_ms(struct build_job *job)
{
	FILE		*f;
	long long	 ms = -1;

	if (job->rusage_path == NULL ||
	    (f = fopen(job->rusage_path, "r")) == NULL)
		return (-1);
	if (fscanf(f, "cpu_ms=%lld", &ms) != 1)
		ms = -1;
	fclose(f);
	unlink(job->rusage_path);
	return (ms);
}

/* Frees a job once its timer is closed. */
static void
builder_free(uv_handle_t *h)
{
	struct build_job	*job = h->data;
	size_t			 i;

	build_spec_clear(&job->spec);
	buf_free(&job->outline);
	buf_free(&job->errline);
	buf_free(&job->rustc_out);
	free(job->identity_key);
	free(job->identity_vv);
	free(job->identity_from);
	strlist_free(&job->cargo_argv);
	strlist_free(&job->cargo_env);
	strlist_free(&job->rlibs);
	build_units_clear(&job->units);
	for (i = 0; i < job->nlines; i++)
		free(job->lines[i]);
	for (i = 0; i < job->nartifacts; i++)
		artifact_clear(&job->artifacts[i]);
	free(job->artifacts);
	free(job->log_path);
	free(job->rusage_path);
	free(job->error);
	free(job->first_error);
	toolchain_identity_clear(&job->id);
	buf_free(&job->notes);
	free(job);
}

/* Joins the kept stderr lines under a first line. */
static char *
builder_error_text(struct build_job *job, const char *first)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	buf_addstr(&b, first);
	for (i = 0; i < job->nlines; i++) {
		buf_addstr(&b, "\n");
		buf_addstr(&b, job->lines[i]);
	}
	return (b.data);
}

/*
 * Says why a build cannot go on when the work dir's disk has less free
 * than --min-free (or cargo said it was full); NULL when there is room.
 */
static char *
builder_disk_full(const struct build_job *job)
{
	struct statvfs	 sv;
	int64_t		 avail;
	char		*why;

	avail = statvfs(job->cfg->workdir, &sv) == 0 ?
	    (int64_t)sv.f_bavail * (int64_t)sv.f_frsize : -1;
	if (avail >= 0 && avail < job->cfg->min_free)
		xasprintf(&why, "the disk is full: %s has %lld KiB free, less "
		    "than --min-free (%lld KiB); free space there, or lower "
		    "--disk-budget so that old target dirs go",
		    job->cfg->workdir, (long long)(avail / 1024),
		    (long long)(job->cfg->min_free / 1024));
	else if (job->disk_full)
		xasprintf(&why, "the disk is full: cargo said \"No space left "
		    "on device\"; free space under %s, or lower --disk-budget "
		    "so that old target dirs go", job->cfg->workdir);
	else
		why = NULL;
	return (why);
}

/* Reports the outcome and lets the job go. */
static void
builder_report(struct build_job *job)
{
	struct build_outcome	*o = &job->outcome;

	if (job->killed != NULL && strcmp(o->state, "done") == 0) {
		/* Cancelled while its artifacts were being measured. */
		o->state = job->killed;
		free(o->error);
		o->error = xstrdup("cancelled while being measured");
		o->artifacts = NULL;
		o->nartifacts = 0;
	}
	if (job->notes.len > 0)
		o->notes = job->notes.data;
	if (job->log != NULL) {
		fprintf(job->log, "# %s%s%s\n", o->state, o->error ? ": " : "",
		    o->error ? o->error : "");
		if (o->notes != NULL)
			fprintf(job->log, "# post steps not measured:\n# %s\n",
			    o->notes);
		fclose(job->log);
		job->log = NULL;
	}
	job->cb.done(job, o, job->cb.arg);
	free(o->error);
	o->error = NULL;
	uv_close((uv_handle_t *)&job->timer, builder_free);
}

/* Reports the end once the measurements are in. */
static void
builder_measure_done(uv_work_t *w, int status)
{
	struct build_job	*job = w->data;

	(void)status;
	builder_report(job);
}

/* Decides the outcome, then measures the artifacts of a good build. */
void
builder_finish(struct build_job *job)
{
	struct build_outcome	*o = &job->outcome;
	char			*first, *full, *why;

	uv_timer_stop(&job->timer);
	memset(o, 0, sizeof *o);
	o->exit_code = -1;
	o->wall_ms = job->phase == PHASE_CARGO && job->fail_state == NULL ?
	    job->wall_ms : -1;
	o->cpu_ms = builder_cpu_ms(job);
	o->settled = job->settled;
	if (job->settled) {
		/* The store has recorded what became of it. */
		o->state = job->settled == BUILDER_SAME ? "done" : "queued";
		xasprintf(&o->error, "not built: %s", job->settled ==
		    BUILDER_SAME ? "the same unit graph as a done build of "
		    "this run" : "waits for a running build of this run with "
		    "the same unit graph");
	} else if (job->killed != NULL) {
		o->state = job->killed;
		xasprintf(&o->error, "%s after %lld ms", strcmp(job->killed,
		    "timeout") == 0 ? "timed out; cargo's process group was "
		    "killed" : "cancelled", (long long)((uv_hrtime() -
		    (job->first_ns ? job->first_ns : job->started_ns)) /
		    1000000));
	} else if (job->fail_state != NULL) {
		o->state = job->fail_state;
		o->error = xstrdup(job->error);
	} else if (job->exit_status != 0 || job->term_signal != 0) {
		o->state = "failed";
		o->exit_code = (int)job->exit_status;
		if (job->term_signal != 0)
			xasprintf(&first, "cargo was killed by signal %d",
			    job->term_signal);
		else if (job->first_error != NULL)
			xasprintf(&first, "%s (cargo exited with status %lld)",
			    job->first_error, (long long)job->exit_status);
		else
			xasprintf(&first, "cargo exited with status %lld",
			    (long long)job->exit_status);
		if ((full = builder_disk_full(job)) != NULL) {
			/* The likely cause goes first. */
			xasprintf(&why, "%s; %s", full, first);
			free(first);
			free(full);
			first = why;
		}
		o->error = builder_error_text(job, first);
		free(first);
	} else {
		o->state = "done";
		o->exit_code = 0;
		job->work.data = job;
		if (uv_queue_work(job->loop, &job->work, builder_measure_work,
		    builder_measure_done) == 0)
			return;
		builder_measure_work(&job->work);
	}
	builder_report(job);
}

/* Ends a job that could not start, from the loop rather than its caller. */
static void
builder_deferred_finish(uv_timer_t *t)
{
	builder_finish(t->data);
}

/*
 * Starts a build; the callbacks report its command before it runs and its
 * outcome at the end. The job frees itself after the done callback.
 */
struct build_job *
builder_start(uv_loop_t *loop, const struct builder_config *cfg,
    const struct build_spec *spec, const struct build_job_cb *cb)
{
	struct build_job	*job;
	const char		*tcname;
	char			*logs, *names, *full;

	job = xcalloc(1, sizeof *job);
	job->loop = loop;
	job->cfg = cfg;
	job->cb = *cb;
	job->spec.id = spec->id;
	job->spec.run_id = spec->run_id;
	job->spec.project = xstrdup(spec->project);
	job->spec.variant_key = xstrdup(spec->variant_key);
	job->spec.target_dir = xstrdup(spec->target_dir);
	job->spec.step = spec->step ? xstrdup(spec->step) : NULL;
	job->spec.commit = spec->commit ? xstrdup(spec->commit) : NULL;
	job->spec.mirror = spec->mirror ? xstrdup(spec->mirror) : NULL;
	job->spec.source = spec->source ? xstrdup(spec->source) : NULL;
	job->spec.commit_time = spec->commit_time;
	job->spec.locked = spec->locked;
	job->spec.timeout_s = spec->timeout_s;
	variant_copy(&job->spec.variant, &spec->variant);
	buf_init(&job->outline);
	buf_init(&job->errline);
	buf_init(&job->rustc_out);
	uv_timer_init(loop, &job->timer);
	job->timer.data = job;
	job->phase = PHASE_RUSTC;
	job->spec.bootstrap = spec->bootstrap;
	job->spec.post = spec->post ? xstrdup(spec->post) : NULL;
	buf_init(&job->notes);
	buf_addstr(&job->notes, "");

	xasprintf(&logs, "%s/logs", cfg->workdir);
	if (builder_mkdirs(logs) != 0)
		log_warn("%s", logs);
	free(logs);
	tcname = variant_get(&job->spec.variant, "toolchain");
	job->tc = toolchains_find(cfg->toolchains, tcname);
	if ((full = builder_disk_full(job)) != NULL) {
		builder_fail(job, "failed", "%s", full);
		free(full);
		uv_timer_start(&job->timer, builder_deferred_finish, 0, 0);
		return (job);
	}
	if (job->tc == NULL || job->tc->problem != NULL) {
		if (job->tc == NULL) {
			names = toolchains_names(cfg->toolchains);
			builder_fail(job, "unavailable", "toolchain \"%s\" is "
			    "not known to this daemon (known: %s); define it "
			    "in the daemon's config under \"toolchains\"",
			    tcname, names);
			free(names);
		} else
			builder_fail(job, "unavailable", "toolchain %s cannot "
			    "run here: %s", job->tc->name, job->tc->problem);
		uv_timer_start(&job->timer, builder_deferred_finish, 0, 0);
		return (job);
	}
	if (job->spec.commit != NULL) {
		/* Check the commit out first, off the loop. */
		if (builder_checkout_start(job) == 0)
			return (job);
		builder_fail(job, "unavailable", "cannot check %s out",
		    job->spec.commit);
		uv_timer_start(&job->timer, builder_deferred_finish, 0, 0);
		return (job);
	}
	if (access(job->spec.project, R_OK | X_OK) != 0) {
		builder_fail(job, "unavailable", "%s: %s here; a run given by "
		    "path is built at that path, so every daemon that builds "
		    "must see it (on a shared store: a shared file system), or "
		    "track the project ('sizemat project add') to build it "
		    "anywhere", job->spec.project, strerror(errno));
		uv_timer_start(&job->timer, builder_deferred_finish, 0, 0);
		return (job);
	}
	builder_phase_start(job);
	return (job);
}

/* Stops a build: its process group is killed and the state is kept. */
void
builder_kill(struct build_job *job, const char *state)
{
	if (job->killed == NULL)
		job->killed = state;
	if (job->running)
		uv_process_kill(&job->proc, job->phase > PHASE_SYSROOT ?
		    SIGTERM : SIGKILL);
}
