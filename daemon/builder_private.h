/*
 * What the builder's files share: a build job and its phases. Only
 * builder*.c include it.
 */
#ifndef BUILDER_PRIVATE_H
#define BUILDER_PRIVATE_H

/*
 * A build's processes, in order: rustc -vV and rustc --print sysroot
 * (only when the toolchain's identity is not known, identity.c), cargo's
 * unit graph with the variant's settings and without its profile keys
 * (the project's own profile), cargo metadata (package names and
 * default-run, for the default artifact), then cargo build.
 */
enum build_phase {
	PHASE_RUSTC,
	PHASE_SYSROOT,
	PHASE_UNITS,
	PHASE_PROJECT,
	PHASE_META,
	PHASE_CARGO
};

struct build_job {
	uv_loop_t			*loop;
	const struct builder_config	*cfg;
	struct build_spec		 spec;
	struct build_job_cb		 cb;
	enum build_phase		 phase;

	uv_process_t			 proc;
	uv_pipe_t			 out;
	uv_pipe_t			 err;
	uv_timer_t			 timer;
	uv_work_t			 work;
	const struct toolchain		*tc;
	struct toolchain_identity	 id;
	char				*identity_key;	/* identity.c's */
	char				*identity_vv;	/* probed: rustc -vV */
	char				*identity_from;	/* known: the binary */
	int				 open;		/* handles of the phase */
	int				 running;	/* process not exited */

	struct buf			 outline;
	struct buf			 errline;
	struct buf			 rustc_out;	/* or a unit graph */
	struct strlist			 cargo_argv;
	struct strlist			 cargo_env;
	struct build_units		 units;
	int				 settled;	/* not built */
	char				*lines[BUILD_ERROR_LINES];
	char				*first_error;	/* cargo's */
	int				 disk_full;	/* ENOSPC seen */
	size_t				 nlines;
	FILE				*log;
	char				*log_path;
	char				*rusage_path;

	const char			*killed;	/* cancelled, timeout */
	char				*error;
	const char			*fail_state;
	int64_t				 exit_status;
	int				 term_signal;
	uint64_t			 started_ns;	/* of the phase */
	uint64_t			 first_ns;	/* cargo's first */
	int64_t				 wall_ms;
	struct artifact			*artifacts;
	size_t				 nartifacts;
	struct strlist			 rlibs;		/* NAME\tVERSION\tPATH */
	struct build_outcome		 outcome;	/* while measuring */
	struct buf			 notes;
	char				*checkout_error;
};

/* builder.c */
void	 builder_log(struct build_job *, const char *, size_t);
void	 builder_phase_start(struct build_job *);
void	 builder_finish(struct build_job *);
int	 builder_under(const char *, const char *);

/* builder_checkout.c */
int	 builder_checkout_start(struct build_job *);
void	 builder_fail(struct build_job *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	 builder_mkdirs(const char *);

/* builder_measure.c */
void	 builder_measure_work(uv_work_t *);

/* builder_cargo.c */
void	 builder_keep_line(struct build_job *, const char *);
void	 builder_lines(struct build_job *, struct buf *, const char *, size_t,
	    int);
char	*builder_units_extra(const struct build_job *);
void	 builder_units_read(struct build_job *);

#endif
