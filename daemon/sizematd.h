/*
 * sizematd: one header for the daemon, a section per module (as tmux.h).
 * Data flows one way: api -> matrix -> store/queue -> builder -> measure ->
 * store. Only db_sqlite.c includes sqlite3.h, and only the store calls
 * it (db.h); only builder*.c run cargo.
 */
#ifndef SIZEMATD_H
#define SIZEMATD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "../common/jsonfile.h"
#include "../common/revision.h"
#include "../common/tokenfile.h"
#include "../common/words.h"
#include "../common/xmalloc.h"

/*
 * Hard limits the config table does not set (its defaults, --max-body,
 * --max-connections, --max-builds, --build-timeout, are given there).
 */
#define HTTP_MAX_URL			4096
#define HTTP_MAX_HEADERS		16384
#define SERVER_IDLE_TIMEOUT_MS		30000
#define BUILD_ERROR_LINES		12

/* log.c */
void	 log_init(int);
int	 log_open(const char *);
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* strlist.c: an owned, growable list of strings. */
struct strlist {
	char	**v;
	size_t	  n;
};
void	 strlist_add(struct strlist *, const char *);
void	 strlist_addf(struct strlist *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 strlist_free(struct strlist *);
cJSON	*strlist_to_json(const struct strlist *);
char	**strlist_environ(const struct strlist *);
void	 strlist_free_vector(char **);
int	 idlist_has(const int64_t *, size_t, int64_t);

/* command.c */
char	*command_capture(const struct strlist *, const struct strlist *,
	    char **);

char	*command_capture_max(const struct strlist *, const struct strlist *,
	    size_t, char **);

/* git.c: blocking; run on the thread pool. */
struct git_commit {
	char	*id;
	char	*parent;	/* the first parent, or NULL for a root */
	int64_t	 time;		/* committer time, Unix seconds */
	char	*author;
	char	*subject;
	char	*trailers;	/* "Key: value" joined by U+001E */
};
void	 git_commits_free(struct git_commit *, size_t);
char	*git_mirror_branch(const char *, char **);
int	 git_mirror_update(const char *, const char *, char **);
int	 git_mirror_fetch(const char *, const char *, const char *, char **);
char	*git_blob_text(const char *, const char *, const char *, size_t,
	    char **);
char	*git_resolve(const char *, const char *, char **);
int	 git_first_parents(const char *, const char *, const char *, size_t,
	    struct git_commit **, size_t *, char **);
char	*git_blob_id(const char *, const char *, const char *);
int	 git_is_ancestor(const char *, const char *, const char *);
int	 git_checkout(const char *, const char *, const char *, char **);

/* limit.c */
struct size_limit {
	int	 has_bytes;
	int64_t	 bytes;
	int	 has_percent;
	double	 percent;
};
int	 limit_parse(const char *, struct size_limit *, char **);
int	 limit_exceeded(const struct size_limit *, int64_t, int64_t);

/* schedule.c */
enum schedule_kind {
	SCHEDULE_EVERY,
	SCHEDULE_CRON
};
struct schedule {
	enum schedule_kind	 kind;
	int64_t			 every;		/* seconds */
	uint64_t		 mask[5];	/* cron fields' bits */
	int			 either_day;
};
int	 schedule_parse(const char *, struct schedule *, char **);
time_t	 schedule_next(const struct schedule *, time_t);

/* bisect.c */
enum bisect_what {
	BISECT_BUILD,		/* build commits[index] */
	BISECT_WAIT,		/* its build is on its way */
	BISECT_FOUND,		/* commits[index] is the culprit */
	BISECT_NONE,		/* no culprit; message says why */
	BISECT_ERROR		/* cannot go on; message says why */
};
enum commit_outcome {
	OUTCOME_NONE,
	OUTCOME_PENDING,
	OUTCOME_DONE,
	OUTCOME_FAILED,
	OUTCOME_EXCLUDED	/* built, outside a search's limits */
};

struct bisect_step {
	enum bisect_what what;
	size_t		 index;
	size_t		 base;		/* found: the last commit not over */
	int64_t		 base_size;
	int64_t		 size;
	char		*skipped;	/* per commit: did not build */
	size_t		 nskipped;	/* between base and index */
	char		*message;
};
int	 bisect_replay(size_t, const struct size_limit *,
	    enum commit_outcome (*)(size_t, int64_t *, void *), void *,
	    struct bisect_step *);
void	 bisect_step_clear(struct bisect_step *);

/* toolchain.c */
struct toolchain_identity {
	char	*version;	/* rustc -vV's first line */
	char	*release;
	char	*commit;
	char	*host;
	char	*llvm;
	int	 nightly;
};
struct toolchain {
	char			*name;
	const char		*origin;	/* PATH, rustup, /usr/bin, config */
	char			*cargo;
	char			*rustc;
	char			*rustup;	/* run as cargo +NAME */
	char			*cargo_shown;	/* resolved, for records */
	char			*rustc_shown;
	struct strlist		 env;		/* RUSTC=... and the like */
	int			 bootstrap;	/* opted in to RUSTC_BOOTSTRAP */
	struct toolchain_identity id;
	char			*sysroot;
	int			 has_src;	/* rust-src for build-std */
	char			*problem;	/* why it cannot run, or NULL */
};
struct toolchains;
struct toolchains *toolchains_create(const char *, const char *,
		    const cJSON *, const char *, char **);
void		 toolchains_free(struct toolchains *);
const struct toolchain *toolchains_find(const struct toolchains *,
		    const char *);
char		*toolchains_names(const struct toolchains *);
int		 toolchain_same(const struct toolchain *,
		    const struct toolchain *);
cJSON		*toolchains_json(const struct toolchains *);
char		*toolchains_caps(const struct toolchains *);
int		 toolchain_caps_has(const char *, const char *, const char *);
int		 toolchain_parse_identity(struct toolchain_identity *,
		    const char *);
void		 toolchain_identity_clear(struct toolchain_identity *);
cJSON		*toolchain_identity_json(const struct toolchain *,
		    const struct toolchain_identity *);
void		 toolchain_rustc_argv(const struct toolchain *,
		    struct strlist *);
void		 toolchain_cargo_argv(const struct toolchain *,
		    struct strlist *);
int		 toolchain_has_target(const struct toolchain *, const char *);
char		*toolchain_src_fix(const struct toolchain *);
char		*program_path(const char *);

/* identity.c */
struct identities;
struct identities *identities_create(void);
void		 identities_free(struct identities *);
char		*identity_key(const struct toolchain *, const char *);
const char	*identities_find(struct identities *, const char *,
		    const char **);
void		 identities_add(struct identities *, const char *,
		    const char *, const char *);

/* variant.c */
#define VARIANT_MAX_SETTINGS	32
struct variant {
	size_t	 n;
	char	*key[VARIANT_MAX_SETTINGS];	/* sorted */
	char	*value[VARIANT_MAX_SETTINGS];	/* normalised */
};
struct build_context {
	const struct strlist *toolchain_env;	/* RUSTC and the like */
	int		 bootstrap;		/* RUSTC_BOOTSTRAP=1 */
	const char	*source_dir;
	const char	*target_dir;
	const char	*cargo_home;
	const char	*daemon_rustflags;	/* the daemon's own RUSTFLAGS */
	const char	*target;		/* the host triple */
	int64_t		 commit_time;		/* SOURCE_DATE_EPOCH, or 0 */
	int		 locked;		/* cargo --locked */
};
int	 variant_known_key(const char *);
const char *variant_known_keys(void);
int	 variant_normalise(const char *, const cJSON *, char **, char **);
int	 variant_check(const struct variant *, char **);
int	 variant_parse_key(const char *, struct variant *, char **);
int	 variant_matches(const struct variant *, const struct variant *);
int	 variant_select(const char *, const char *const *, const char *const *,
	    size_t, size_t *, char **);
int	 variant_unstable(const struct variant *);
int	 variant_is_profile_key(const char *);
char	*variant_nonprofile_key(const struct variant *);
char	*variant_baseline_key(const struct variant *);
void	 variant_init(struct variant *);
void	 variant_clear(struct variant *);
void	 variant_copy(struct variant *, const struct variant *);
void	 variant_set(struct variant *, const char *, const char *);
const char *variant_get(const struct variant *, const char *);
void	 variant_unset(struct variant *, const char *);
char	*variant_key(const struct variant *);
cJSON	*variant_to_json(const struct variant *);
int	 variant_from_json(struct variant *, const cJSON *, char **);
void	 variant_env(const struct variant *, const struct build_context *,
	    struct strlist *);
void	 variant_cargo_args(const struct variant *,
	    const struct build_context *, struct strlist *);

/* matrix.c */
struct matrix;
struct matrix	*matrix_parse(const cJSON *, const char *, size_t, char **);
struct matrix	*matrix_load(const char *, size_t, char **);
int		 matrix_find(const char *, const char *, size_t,
		    struct matrix **, char **);
cJSON		*matrix_list(const char *, size_t);
const char	*matrix_name(const struct matrix *);
const char	*matrix_shape(const struct matrix *);
size_t		 matrix_count(const struct matrix *);
const struct variant *matrix_variant(const struct matrix *, size_t);
const char	*matrix_step(const struct matrix *, size_t);
int		 matrix_bootstrap(const struct matrix *);
int		 matrix_verify(const struct matrix *);
const char	*matrix_bench(const struct matrix *);
int		 matrix_timeout(const struct matrix *);
char		*matrix_post_steps(const struct matrix *, size_t);
char		*matrix_source_json(const struct matrix *);
size_t		 matrix_naxes(const struct matrix *);
const char	*matrix_axis(const struct matrix *, size_t, size_t *);
const char	*matrix_axis_value(const struct matrix *, size_t, size_t);
int		 matrix_point(const struct matrix *, const size_t *,
		    struct variant *);

/* search.c */
enum search_what {
	SEARCH_BUILD,		/* build the variants in build */
	SEARCH_WAIT,		/* what it needs is on its way */
	SEARCH_DONE		/* best is the answer (none: message) */
};
struct search_step {
	enum search_what	 what;
	struct variant		*build;		/* to build now */
	size_t			 nbuild;
	int			 has_best;	/* the best so far, or the answer */
	struct variant		 best;
	int64_t			 best_value;
	int			 certified;	/* done: no neighbour beats it */
	struct variant		*cert;		/* done: the points that say so */
	size_t			 ncert;
	char			*message;
};
void	 search_replay(const struct matrix *,
	    enum commit_outcome (*)(const struct variant *, int64_t *, void *),
	    void *, struct search_step *);
void	 search_step_clear(struct search_step *);

/* search_limits.c: what a constrained search's variants stay within */
struct search_limits {
	double	 slowdown;	/* a fraction; < 0: no limit */
	char	*slowdown_text;	/* as given: "10%" */
	double	 build_factor;	/* < 0: no limit */
	char	*build_text;	/* as given: "2x" */
	char	*speed_metric;
	char	*baseline;	/* "release" or a variant key */
};
void	 search_limits_clear(struct search_limits *);
int	 search_limits_parse(const cJSON *, struct search_limits *, char **);
int	 search_limits_speed(const char *, const char *,
	    struct search_limits *, char **);
int	 search_limits_active(const struct search_limits *);
cJSON	*search_limits_json(const struct search_limits *);
int	 search_limits_read(const char *, struct search_limits *);
int	 search_limits_baseline(const struct search_limits *,
	    const struct variant *, struct variant *, char **);
int	 search_limits_within(const struct search_limits *, int64_t, int64_t,
	    int64_t, int64_t);
int	 search_limits_slower(const struct search_limits *, int64_t, int64_t,
	    int64_t, int64_t, int *);
void		 matrix_free(struct matrix *);

/* measure.c */
struct measurement {
	char	*name;
	int64_t	 value;
};
struct section_digest {
	char	*name;
	char	 sha256[65];		/* hex */
};
struct artifact {
	char			*name;
	char			*kind;
	char			*path;
	char			*kept_path;	/* a copy kept for diff */
	int64_t			 file_size;
	struct measurement	*sections;	/* as the file names them */
	size_t			 nsections;
	struct measurement	*measurements;	/* canonical names */
	size_t			 nmeasurements;
	char			 sha256[65];	/* hex, "" when unread */
	struct section_digest	*digests;	/* an ELF image's sections'
						   bytes (not an archive's) */
	size_t			 ndigests;
	void			*symtab;	/* attrib_pack's, or NULL */
	size_t			 symtab_len;
	size_t			 symtab_raw;	/* before compression */
	size_t			 symtab_rows;
	int64_t			 symtab_covered;
};
int	 measure_artifact(struct artifact *, char **);
int	 measure_sha256(int, char[65]);
int	 wasm_leb(const unsigned char **, const unsigned char *, uint64_t *);
void	 artifact_add_measurement(struct artifact *, const char *, int64_t);
const char *artifact_section_sha256(const struct artifact *, const char *);
void	 artifact_clear(struct artifact *);

/* attrib.c: which symbol and crate each byte belongs to */
struct attrib_row {
	char	*name;		/* demangled */
	char	*section;
	int64_t	 size;		/* bytes attributed: overlaps count once */
};
struct attribution {
	struct attrib_row	*v;		/* by section, then name */
	size_t			 n;
	struct measurement	*sections;	/* the covered ones */
	size_t			 nsections;
	int64_t			 covered;	/* their sum */
	int			 has_table;	/* not stripped */
};
struct attrib_origins;
struct attrib_origins *attrib_origins_create(void);
void	 attrib_origins_free(struct attrib_origins *);
void	 attrib_origins_add(struct attrib_origins *, const char *,
	    const char *);
int	 attrib_read(const char *, struct attrib_origins *,
	    struct attribution *, char **);
void	 attrib_clear(struct attribution *);
char	*attrib_demangle(const char *);
char	*attrib_crate(const char *);
int64_t	 attrib_unattributed(const struct attribution *);
void	 attrib_measure(const struct attribution *, struct artifact *);
void	*attrib_pack(const struct attribution *, size_t *, size_t *);
int	 attrib_unpack(const void *, size_t, struct attribution *);

/* post.c */
int	 post_normalise(const cJSON *, char **, char **);
char	*post_canonical(const char *);
int64_t	 post_gzip_size(const unsigned char *, size_t);
int64_t	 post_xz_size(const unsigned char *, size_t);
int64_t	 post_zstd_size(const unsigned char *, size_t);
void	 post_apply(struct artifact *, const char *, const char *,
	    struct buf *);

/* units.c: cargo's unit graph -> effective profile and fingerprint */
struct build_units {
	cJSON	*effective;	/* the root unit's profile, canonical */
	cJSON	*project;	/* what the project's own profile changes */
	char	*fingerprint;	/* every unit's inputs, hashed */
	int	 measured;	/* root units that make a binary or library */
	cJSON	*roots;		/* those: [{pkg_id, name, type}] */
	char	*default_artifact;	/* INTERFACE.md's rule, or NULL */
};
cJSON		*units_profile(const cJSON *);
const char	*units_cargo_default(const char *, const cJSON *);
void		 units_own_settings(cJSON *);
const char	*units_value(const char *, const char *);
char		*units_default_artifact(const cJSON *, const char *);
int		 units_read(const char *, const char *, struct build_units *,
		    char **);
uint64_t	 units_hash(const char *);
void		 build_units_clear(struct build_units *);

/* store.c */
struct store;
struct bench_task;
struct bench_outcome;
/*
 * The store answers in one of three ways. A write: 0, or -1 when the
 * database failed. A lookup of one thing, and a change where "not there"
 * and "not now" are answers of their own: enum store_result, the thing in
 * out-parameters; each is an HTTP answer of its own (404, 409, 500). A
 * list: the cJSON array or document, NULL only when the database failed
 * (never a short list).
 */
enum store_result {
	STORE_OK = 0,
	STORE_NOT_FOUND = 1,	/* no such row */
	STORE_CONFLICT = 2,	/* the row's state or a unique name says no */
	STORE_ERROR = -1	/* the database failed; the cause says how */
};
struct tracked_project {
	int64_t	 id;
	char	*name;
	char	*path;		/* "tracked:NAME", names its target dirs */
	char	*source;
	char	*branch;
	char	*matrix;
	char	*toolchain;
	char	*schedule;
	char	*threshold;
	cJSON	*webhooks;	/* an array of URLs */
	char	*mirror;
	char	*head;
	int64_t	 next_tick;
	char	*problem;	/* why its source cannot be used */
	char	*package;	/* its root package at the head, or NULL */
	char	*trailer;	/* justification key; NULL default, "" none */
	char	*max_slowdown;	/* "5%", or NULL: speed not watched */
	char	*speed_metric;	/* NULL: bench.instructions */
};
#define TRACK_DEFAULT_TRAILER	"Size-Justification"
struct run_plan {
	const char	*project;	/* a path, or a tracked project's path */
	int64_t		 project_id;	/* a tracked project, or 0 */
	const char	*matrix;
	const char	*shape;
	const char	*source;
	int64_t		 parent;
	const char	*rev;		/* a revision to resolve, or NULL */
	int		 force;
	int		 any_compiler;	/* any daemon's compiler may build a
					   series (store_build_claim) */
	const char	*kind;		/* run, schedule, check, bisect, search,
					   explain */
	int64_t		 bisection_id;
	int64_t		 search_id;
	int		 timeout_s;	/* the matrix's, or 0 */
	const char	*package;	/* the package cargo builds by default */
	int		 fresh;		/* verify: new target dirs */
	int		 verify;	/* verify the run once it settles */
	const char	*bench;		/* the matrix's, normalised, or NULL */
};
/* What git found for a run at a revision. */
struct run_prep {
	char			*commit;
	char			*head;		/* the branch head, or NULL */
	char			*lock_hash;	/* Cargo.lock's blob id */
	int			 on_branch;
	struct git_commit	*commits;	/* to remember */
	size_t			 ncommits;
};
struct build_plan {
	const struct variant	*variant;
	const char		*step;
	char			*target_dir;
	int			 bootstrap;	/* RUSTC_BOOTSTRAP=1 */
	char			*post;		/* post steps, or NULL */
	int64_t			 expected_ms;	/* without a recorded one */
};
struct build_spec {
	int64_t		 id;
	int64_t		 run_id;
	int64_t		 fence;		/* the claim's: see store_build_claim */
	char		*project;	/* the path (a commit: the queue makes it
				   the target dir's worktree) */
	char		*commit;	/* checked out there first, or NULL */
	char		*mirror;	/* as the planning daemon made it */
	char		*source;	/* the tracked project's */
	int64_t		 commit_time;
	int		 locked;	/* the commit has a Cargo.lock */
	char		*variant_key;
	char		*target_dir;
	char		*step;
	int		 bootstrap;
	char		*post;
	int		 timeout_s;	/* the run's, or 0: the daemon's */
	struct variant	 variant;
};
struct build_outcome {
	const char		*state;		/* done, failed, timeout, ... */
	char			*error;
	char			*notes;		/* post steps that did not run */
	int			 exit_code;
	int64_t			 wall_ms;
	int64_t			 cpu_ms;
	struct artifact		*artifacts;
	size_t			 nartifacts;
	int			 settled;	/* BUILDER_SAME, BUILDER_WAIT */
};
struct store	*store_open(const char *, char **);
void		 store_close(struct store *);
int		 store_schema_version(struct store *);
void		 store_set_worker(struct store *, const char *);
const char	*store_driver(struct store *);
int		 store_shared(struct store *);
void		 store_set_daemon(struct store *, int, int, const char *, int);
int		 store_daemon_seen(struct store *);
int		 store_fleet_caps(struct store *, char **);
int		 store_daemon_gone(struct store *);
int		 store_analyze(struct store *);
struct db_watch;
typedef void	 store_watch_cb(const char *, const char *, int, void *);
struct db_watch	*store_watch_open(struct store *, char **);
int		 store_watch_fd(struct db_watch *);
int		 store_watch_read(struct db_watch *, store_watch_cb *, void *);
int		 store_watch_lead(struct db_watch *);
int		 store_watch_leads(struct db_watch *);
void		 store_watch_close(struct db_watch *);
int		 store_announce(struct store *, const char *);
char		*store_safe_name(const char *);
int		 store_name_has_password(const char *);
int		 store_name_is_uri(const char *);
int64_t		 store_generation(struct store *);
int		 store_run_create(struct store *, const struct run_plan *,
		    const struct build_plan *, size_t, int64_t *, char **);
enum store_result store_run_origin(struct store *, int64_t, int64_t *, char **,
		    char **);
enum store_requeue {
	STORE_REQUEUE_EXPIRED,		/* leases that expired */
	STORE_REQUEUE_START,		/* those, and this name's */
	STORE_REQUEUE_ALL		/* every running build */
};
int		 store_requeue_running(struct store *, enum store_requeue, int *);
enum store_result store_build_claim(struct store *,
		    int (*)(const char *, void *), void *, int,
		    struct build_spec *);
void		 build_spec_clear(struct build_spec *);
int		 store_build_start(struct store *, int64_t, int, int64_t *);
int		 store_lease_renew(struct store *, int64_t, int64_t, int);
int		 store_build_prepared(struct store *, int64_t, int64_t,
		    const cJSON *, const cJSON *, const cJSON *, const char *);
/* store_build_units: the build is no longer this daemon's (its fence). */
#define STORE_UNITS_LOST	3
int		 store_build_units(struct store *, int64_t, int64_t,
		    const struct build_units *);
int		 store_build_finish(struct store *, int64_t, int64_t,
		    const struct build_outcome *);
int		 store_build_log(struct store *, int64_t, const void *, size_t,
		    int64_t, int64_t);
enum store_result store_build_log_packed(struct store *, int64_t, void **,
		    size_t *, int64_t *);
enum store_result store_run_cancel(struct store *, int64_t, int64_t **,
		    size_t *, char **);
enum store_result store_run_exists(struct store *, int64_t);
enum store_result store_run_over(struct store *, int64_t, int *);
enum store_result store_run_document(struct store *, int64_t, cJSON **);
enum store_result store_verify_run(struct store *, int64_t, int64_t *);
enum store_result store_bench_next(struct store *, struct bench_task *);
int		 store_bench_start(struct store *, int64_t);
int		 store_bench_finish(struct store *, int64_t, const char *,
		    const struct bench_outcome *);
cJSON		*store_bench_json(struct store *, int64_t);
enum store_result store_current_builds(struct store *, const char *,
		    cJSON **);
enum store_result store_run_wants_verify(struct store *, int64_t);
cJSON		*store_runs_list(struct store *, int);
enum store_result store_best(struct store *, const char *, int, cJSON **);
cJSON		*store_status(struct store *);
enum store_result store_build_log_path(struct store *, int64_t, char **);
enum store_result store_build_document(struct store *, int64_t, cJSON **);
int		 store_section_changes(struct store *, int64_t, int64_t,
		    const char *, const char *, cJSON **);
enum store_result store_symbol_table(struct store *, int64_t, const char *,
		    const char *, struct attribution *);
int		 store_symbols_usage(struct store *, cJSON *);
cJSON		*store_build_crates(struct store *, int64_t, const char *);
enum store_result store_commit_table(struct store *, int64_t, const char *,
		    const char *, const char *, int64_t *,
		    struct attribution *);
enum store_result store_commit_variant(struct store *, int64_t,
		    const char *, const char *, int *);
int		 store_prune_kept(struct store *, int64_t, int,
		    struct strlist *);
int		 store_prune_logs(struct store *, int, struct strlist *);
enum store_result store_target_dir_used(struct store *, const char *,
		    int64_t *);
enum store_result store_target_dir_queued(struct store *, const char *);
enum store_result store_variant_result(struct store *, int64_t,
		    const char *, const char *, const char *, int64_t *,
		    int64_t *, int *);

/* store.c: tracked projects and their history */
void		 tracked_project_clear(struct tracked_project *);
enum store_result store_project_add(struct store *,
		    struct tracked_project *, char **);
int		 store_project_update(struct store *, int64_t,
		    const struct tracked_project *);
enum store_result store_project_find(struct store *, const char *,
		    struct tracked_project *);
enum store_result store_project_by_id(struct store *, int64_t,
		    struct tracked_project *);
cJSON		*store_projects_list(struct store *, const char *);
enum store_result store_project_remove(struct store *, const char *);
int		 store_project_set_tick(struct store *, int64_t, int64_t);
int		 store_project_active_runs(struct store *, int64_t, int64_t **,
		    size_t *);
int		 store_project_ids(struct store *, int, int64_t **, size_t *);
enum store_result store_setup_next(struct store *, int64_t *);
int		 store_project_package(struct store *, int64_t, const char *);
int		 store_project_ready(struct store *, int64_t, const char *,
		    const char *, const char *);
enum store_result store_prep_next(struct store *, int64_t *, int64_t *,
		    char **);
/* A queued build at a resolved commit, as the reuse rule sees it. */
struct queued_build {
	int64_t		 id;
	int64_t		 project_id;
	const char	*commit;
	char		*variant_key;
	cJSON		*settings;	/* the variant's */
	int		 forced;	/* its run asked for new builds */
};
/*
 * The reuse rule, the tracker's: which recorded build a queued one may
 * copy instead of being built. from answers that build's id, 0 for none,
 * or -1 when the store failed.
 */
struct reuse_rule {
	int64_t		(*from)(struct store *, const struct queued_build *,
			    const void *);
	const void	*arg;
};
int		 store_run_prepared(struct store *, int64_t,
		    const struct run_prep *, const struct reuse_rule *);
enum store_result store_build_done_with(struct store *, int64_t,
		    const char *, const char *, const char *, int64_t *);
int		 store_run_prep_failed(struct store *, int64_t, const char *);
enum store_result store_commit_has_run(struct store *, int64_t, const char *);
enum store_result store_build_project(struct store *, int64_t, int64_t *);
enum store_result store_build_run(struct store *, int64_t, int64_t *, int *);
/*
 * The regression rule, the tracker's: whether a size grew past what it
 * allows from before to after.
 */
struct regression_rule {
	int		(*grew)(int64_t, int64_t, const void *);
	const void	*arg;
	const char	*text;		/* the threshold as the project says */
};
int		 store_detect_regressions(struct store *, int64_t,
		    const struct regression_rule *);
enum store_result store_variant_jitter(struct store *, int64_t,
		    const char *, const char *, int64_t *, int *);
enum store_result store_regression_add(struct store *, int64_t, const char *,
		    const char *, int64_t, const char *, int64_t, int64_t,
		    const char *, const char *);
cJSON		*store_unalerted(struct store *, int64_t);
cJSON		*store_speed_pairs(struct store *, int64_t, const char *);
int		 store_bench_checked(struct store *, int64_t);
enum store_result store_slowdown_add(struct store *, int64_t, const cJSON *,
		    const char *, const char *);
cJSON		*store_slowdowns(struct store *, int64_t, int);
int		 store_slowdowns_alerted(struct store *, int64_t, const char *);
int		 store_delivery_add(struct store *, int64_t, const char *,
		    const char *, const char *);
cJSON		*store_revised(struct store *, int64_t);
int		 store_mark_revised(struct store *, int64_t);
int		 store_mark_alerted(struct store *, int64_t, const char *);
enum store_result store_commit_pending(struct store *, int64_t, const char *);
cJSON		*store_regressions(struct store *, int64_t);
cJSON		*store_project_variants(struct store *, int64_t);
cJSON		*store_trend(struct store *, int64_t, const char *,
		    const char *, const char *, int64_t, int);
enum store_result store_commit_trailers(struct store *, int64_t,
		    const char *, char **, char **);
cJSON		*store_compare(struct store *, int64_t, const char *,
		    const char *, const char *);
char		*store_commit_resolve(struct store *, int64_t, const char *,
		    char **);
cJSON		*store_commit_json(struct store *, int64_t, const char *);
int		 store_bisection_create(struct store *, int64_t, const char *,
		    const char *, const char *, const char *, const char *,
		    const char *, int64_t *);
enum commit_outcome store_commit_artifacts(struct store *, int64_t,
		    const char *, int64_t, cJSON **, char **);
int		 store_bisection_choose(struct store *, int64_t,
		    const struct strlist *);
enum store_result store_bisection_seed(struct store *, int64_t, int *);
enum store_result store_bisection_next(struct store *, int64_t *, int64_t *,
		    char **, char **);
int		 store_bisection_prepared(struct store *, int64_t,
		    const struct git_commit *, size_t, const char *,
		    const char *);
int		 store_bisection_finish(struct store *, int64_t, const char *,
		    const cJSON *, const char *);
enum store_result store_bisection_document(struct store *, int64_t,
		    cJSON **);
/* A bisection as the tracker works on it; the API's document is a view. */
struct bisection {
	int64_t	 id;
	int64_t	 project_id;
	int64_t	 variant_id;	/* 0 until one is chosen */
	char	*state;
	char	*good;		/* the good commit, once git has said */
	char	*variant_key;
	char	*artifact;	/* "" until chosen */
	char	*threshold;
	char	**commits;	/* good first, then the line up to bad */
	size_t	 ncommits;
	int64_t	*also;		/* the bisections started with it */
	size_t	 nalso;
};
enum store_result store_bisection_get(struct store *, int64_t,
		    struct bisection *);
void		 bisection_clear(struct bisection *);
int		 store_bisections_running(struct store *, int64_t **, size_t *);
/* A search as the store keeps it (store_search.c). */
struct search_row {
	int64_t	 id;
	int64_t	 project_id;
	char	*project;	/* its path: a directory or tracked:NAME */
	char	*project_name;	/* a tracked project's name, or NULL */
	char	*matrix;
	char	*source;	/* the matrix's JSON */
	char	*package;
	char	*metric;
	char	*artifact;	/* NULL: each build's default */
	int64_t	 budget;	/* 0: none */
	char	*toolchain;
	char	*commit;	/* a tracked project's commit, or NULL */
	char	*state;
	int	 certified;
	char	*result;	/* the answer's JSON, once over */
	char	*message;
	char	*limits;	/* search_limits_json's, or NULL */
};
/* A build a search made, with the value it measured. */
struct search_probe {
	int64_t	 build;
	int64_t	 run;
	char	*variant_key;
	char	*state;
	int64_t	 reused_from;	/* 0: built for the search */
	char	*artifact;	/* the artifact measured, once done */
	int	 has_value;
	int64_t	 value;
	int64_t	 speed;		/* the limits' measurement, or -1 */
	int64_t	 build_ms;	/* its build's wall time, or -1 */
	char	*bench;		/* its benchmark's state, or NULL */
	char	*bench_artifact; /* the artifact it ran, or NULL */
};
void		 search_row_clear(struct search_row *);
int		 store_search_create(struct store *, struct search_row *);
enum store_result store_search_get(struct store *, int64_t,
		    struct search_row *);
int		 store_searches_running(struct store *, int64_t **, size_t *);
int		 store_search_probes(struct store *, const struct search_row *,
		    const char *,
		    struct search_probe **, size_t *);
void		 search_probes_free(struct search_probe *, size_t);
enum store_result store_run_search(struct store *, int64_t, int64_t *);
int		 store_search_active_runs(struct store *, int64_t, int64_t **,
		    size_t *);
enum store_result store_search_finish(struct store *, int64_t,
		    const char *, int, const cJSON *, const char *);
enum commit_outcome store_commit_outcome(struct store *, int64_t,
		    const char *, int64_t, const char *, int64_t *);
enum store_result store_delivery_due(struct store *, int64_t, int64_t *,
		    char **, char **, int *);
int		 store_delivery_result(struct store *, int64_t, int,
		    const char *, int64_t);
int64_t		 store_delivery_next_at(struct store *);
cJSON		*store_deliveries(struct store *, int64_t);
cJSON		*store_metrics(struct store *, const double *, size_t);
enum store_result store_export(struct store *, const char *, cJSON **);

/* jobserver.c: the cores the daemon's builds share */
#define JOBSERVER_IMPLICIT	1	/* the token the first build holds */
#define JOBSERVER_FIFO		2	/* one taken from the fifo */
struct jobserver;
struct jobserver *jobserver_create(const char *, int, char **);
const char	*jobserver_env(const struct jobserver *);
int		 jobserver_tokens(const struct jobserver *);
int		 jobserver_take(struct jobserver *);
void		 jobserver_give(struct jobserver *, int, int);
void		 jobserver_free(struct jobserver *);

/* builder.c */
struct builder_config {
	const char		*workdir;
	const char		*spawn_helper;
	const struct toolchains	*toolchains;
	struct identities	*identities;	/* rustc -vV known */
	int			 timeout_s;
	int			 keep_artifacts;	/* kept copies per variant */
	int			 keep_logs;		/* newest builds' logs */
	int64_t			 min_free;	/* bytes a build needs free */
	const char		*jobserver;	/* CARGO_MAKEFLAGS=..., or NULL */
};
struct build_job;
#define BUILDER_SAME	1
#define BUILDER_WAIT	2
struct build_job_cb {
	/* Called with env, cargo args and toolchain before cargo runs. */
	int	(*prepared)(struct build_job *, const cJSON *, const cJSON *,
		    const cJSON *, const char *, void *);
	/*
	 * Called with what cargo's unit graph says before cargo builds:
	 * returns 0 to build, BUILDER_SAME when the store has recorded the
	 * build as the same as a done one, or BUILDER_WAIT when it queued
	 * the build again behind a running one with the same inputs.
	 */
	int	(*planned)(struct build_job *, const struct build_units *,
		    void *);
	/* Called once when the build is over; the job is freed after. */
	void	(*done)(struct build_job *, const struct build_outcome *,
		    void *);
	void	*arg;
};
char		*builder_target_here(const char *, const char *);
char		*builder_target_dir(const char *, const char *, const char *);
char		*builder_fresh_target_dir(const char *, const char *,
		    const char *);
struct build_job *builder_start(uv_loop_t *, const struct builder_config *,
		    const struct build_spec *, const struct build_job_cb *);
void		 builder_kill(struct build_job *, const char *);
int64_t		 builder_build_id(const struct build_job *);
const char	*builder_job_target_dir(const struct build_job *);
const char	*builder_job_log_path(const struct build_job *);
int		 builder_measurable(const struct toolchains *, const char *,
		    const char *, char **, char **);

/* plan.c */
struct plan_error {
	int		 status;	/* as an HTTP status */
	const char	*code;
	char		*message;
};
struct planner {
	struct store		*store;
	struct queue		*queue;
	const struct toolchains	*toolchains;
	const char		*workdir;
	const char		*unstable;	/* the daemon's opt-in */
	const char		*profiles;
	size_t			 max_builds;
	void			(*prepare)(void *);	/* a run needs git */
	void			*prepare_arg;
};
void	 plan_error(struct plan_error *, int, const char *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
void	 plan_error_clear(struct plan_error *);

int	 plan_queue(const struct planner *, const struct run_plan *,
	    struct variant *, const char *const *, char *const *, size_t, int,
	    int64_t *, struct plan_error *);
int	 plan_matrix(const struct planner *, const char *, struct matrix **,
	    char **);
int	 plan_queue_matrix(const struct planner *, struct run_plan *,
	    const struct matrix *, const struct variant *, int64_t *,
	    struct plan_error *);
int	 plan_queue_variants(const struct planner *, struct run_plan *,
	    const struct matrix *, const struct variant *, size_t,
	    const struct variant *, int64_t *, struct plan_error *);
int	 plan_toolchain_known(const struct planner *, const char *, int *);
int	 plan_check_matrix(const struct planner *, const struct matrix *,
	    const struct variant *, struct plan_error *);
enum store_result plan_reusable(const struct planner *, int64_t,
	    const char *, const char *, const char *, int64_t *);
int64_t	 plan_reuse_from(struct store *, const struct queued_build *,
	    const void *);
char	*plan_variant_key(const struct planner *, const struct run_plan *,
	    struct variant *);

/* notify.c */
struct notify;
struct notify	*notify_create(uv_loop_t *, struct store *);
void		 notify_kick(struct notify *);
void		 notify_lead(struct notify *, int);
void		 notify_stop(struct notify *);
void		 notify_free(struct notify *);

/* logpack.c: a build log's tail as the store keeps it */
#define LOGPACK_TAIL	(1024 * 1024)
void		*logpack_file(const char *, size_t *, int64_t *, int64_t *);
int		 logpack_unpack(const void *, size_t, int64_t, struct buf *);

/* snippet.c: what to paste to build a variant by hand */
void		 snippet_quote(struct buf *, const char *);
void		 snippet_add(cJSON *);

/* metric.c: the measurement names */
const char	*metric_unit(const char *);
char		*metric_unknown(const char *);
cJSON		*metric_json(void);

/* queue.c: its events (the queue itself is declared below) */
/* What the queue tells its listeners, after the store has it. */
enum queue_event {
	QUEUE_BUILD_STARTED,	/* the id is a build's */
	QUEUE_BUILD_ENDED,	/* a build's: done, failed, timeout... */
	QUEUE_RUN_SETTLED,	/* a run's: a build ended, none left to run */
	QUEUE_BENCH_ENDED	/* a build's: its benchmark ended */
};
typedef void	 queue_listen_cb(enum queue_event, int64_t, void *);

/* peers.c: the other daemons on the store, and which one leads */
struct peers;
typedef void	 peers_cb(void *, int);
struct peers	*peers_create(uv_loop_t *, struct store *, struct queue *,
		    int, peers_cb *, peers_cb *, void *);
int		 peers_leading(const struct peers *);
void		 peers_on_queue(enum queue_event, int64_t, void *);
void		 peers_ask_work(struct peers *);
void		 peers_stop(struct peers *);
void		 peers_free(struct peers *);

/* events.c: the queue's events, numbered, for clients that wait */
struct events;
struct events	*events_create(struct store *);
void		 events_free(struct events *);
void		 events_set_wake(struct events *, void (*)(void *), void *);
void		 events_on_queue(enum queue_event, int64_t, void *);
uint64_t	 events_seq(const struct events *);
cJSON		*events_since(const struct events *, int64_t, uint64_t, int *);

/* track.c */
struct track;
struct track	*track_create(uv_loop_t *, struct store *,
		    const struct planner *, struct notify *, void (*)(void *),
		    void *);
void		 track_lead(struct track *, int);
void		 track_kick(void *);
void		 track_on_queue(enum queue_event, int64_t, void *);
void		 track_schedules(struct track *);
void		 track_forget(struct track *, const char *);
char		*track_manifest_package(const char *);
uint64_t	 track_fetch_ask(struct track *, int64_t);
uint64_t	 track_fetch_state(struct track *, int64_t, const char **);
int		 track_threshold(const struct tracked_project *,
		    struct size_limit *, const char **);
void		 track_stop(struct track *);
int		 track_cause(struct track *, const struct tracked_project *,
		    cJSON *, int);
int		 track_causes(struct track *, const struct tracked_project *,
		    cJSON *, int);
char		*track_cause_line(const cJSON *);
void		 track_accepted(struct track *, const struct tracked_project *,
		    cJSON *, int);
void		 track_jitter(struct track *, const struct tracked_project *,
		    cJSON *);
void		 track_free(struct track *);

/* search_run.c */
/*
 * The most variants a searched grid may have: a search builds a few of
 * them, so it is not bound by --max-builds, only by what a grid costs to
 * hold and check.
 */
#define SEARCH_MAX_GRID		100000
struct searcher;
struct searcher	*searcher_create(struct store *, const struct planner *);
void		 searcher_free(struct searcher *);
int		 searcher_start(struct searcher *, struct search_row *);
void		 searcher_advance(struct searcher *, int64_t);
void		 searcher_resume(struct searcher *);
void		 searcher_on_queue(enum queue_event, int64_t, void *);

/* bench.c: a matrix's benchmark run against a built artifact */
struct bench_spec {
	struct strlist	 command;	/* with {artifact} */
	char		*stdin_path;	/* relative to the project, or NULL */
	char		*artifact;	/* its name, or NULL: the default */
	int		 runs;
	int		 warmup;
	int		 timeout_s;	/* each run's */
	int		 instructions;	/* one run under valgrind */
};
struct bench_task {
	int64_t		 build_id;
	char		*spec;		/* normalised JSON */
	char		*project;	/* the dir stdin's path is read in */
	char		*target_dir;	/* a commit's build's, as planned (the
					   queue makes project its worktree) */
	char		*commit;	/* what it must hold checked out */
	char		*artifact;	/* its name */
	char		*path;		/* the file to run */
	char		*sha256;	/* what it must hash to, or NULL */
	char		*problem;	/* why it cannot run, or NULL */
};
struct bench_stats {
	int64_t		 median;
	int64_t		 mad;		/* median absolute deviation */
	int64_t		 min;
	int64_t		 max;
};
struct bench_outcome {
	const char	*state;		/* done, failed, timeout, unavailable,
					   cancelled */
	char		*error;
	int		 exit_status;	/* -1 when none ran to its end */
	int64_t		*samples_us;	/* each run's wall time */
	size_t		 nsamples;
	struct bench_stats wall_us;	/* theirs, when nsamples > 0 */
	int64_t		 max_rss_kib;	/* -1: unknown */
	int64_t		 instructions;	/* -1: not counted */
	char		*load_avg;	/* "1m 5m 15m" at the start */
	char		*cpu_model;
	char		*note;		/* a figure not taken, and why */
	const char	*artifact;	/* the one it ran */
};
struct bench_job;
typedef void	 bench_done_cb(struct bench_job *,
		    const struct bench_outcome *, void *);
int		 bench_spec_parse(const cJSON *, const char *,
		    struct bench_spec *, char **);
cJSON		*bench_spec_json(const struct bench_spec *);
char		*bench_spec_normalise(const cJSON *, const char *, char **);
void		 bench_spec_clear(struct bench_spec *);
void		 bench_task_clear(struct bench_task *);
void		 bench_stats(const int64_t *, size_t, struct bench_stats *);
int64_t		 bench_read_instructions(const char *);
struct bench_job *bench_start(uv_loop_t *, const struct builder_config *,
		    struct bench_task *, bench_done_cb *, void *, char **);
int64_t		 bench_build_id(const struct bench_job *);
void		 bench_kill(struct bench_job *, const char *);

/* verify.c */
int		 verify_queue(const struct planner *, int64_t, int64_t *,
		    struct plan_error *);
void		 verify_on_queue(enum queue_event, int64_t, void *);
enum store_result searcher_document(struct searcher *, int64_t, cJSON **);

/* gc.c */
struct gc;
struct gc	*gc_create(uv_loop_t *, struct store *, const char *, int64_t);
void		 gc_set_busy(struct gc *, int (*)(const char *, void *),
		    void *);
int		 gc_start(struct gc *, int);
void		 gc_set_budget(struct gc *, int64_t);
int		 gc_evicting(const struct gc *, const char *);
void		 gc_remove_tree(const char *);
cJSON		*gc_report(const struct gc *);
void		 gc_free(struct gc *);

/* queue.c */
struct queue;
struct queue	*queue_create(uv_loop_t *, struct store *,
		    const struct builder_config *, int, int, struct jobserver *);
void		 queue_kick(struct queue *);
void		 queue_relay(struct queue *, enum queue_event, int64_t);
void		 queue_run_prepared(struct queue *, int64_t);
void		 queue_set_gc(struct queue *, struct gc *);
void		 queue_listen(struct queue *, queue_listen_cb *, void *);
int		 queue_dir_busy(const char *, void *);
enum store_result queue_cancel_run(struct queue *, int64_t, char **);
void		 queue_drain(struct queue *);
void		 queue_stop(struct queue *);
int		 queue_active(const struct queue *);
void		 queue_free(struct queue *);

/* http.c */
struct http_request;
struct http_limits {
	size_t	max_url;
	size_t	max_headers;
	size_t	max_body;
};
struct http_reply {
	int		 status;
	const char	*content_type;
	struct buf	 body;
	/*
	 * A handler with nothing to say yet sets hold_ms instead of a body:
	 * the request is asked again at each event, and once more with last
	 * set after hold_ms, when it must answer.
	 */
	int		 hold_ms;
	int		 last;
};
struct http_request *http_request_create(const struct http_limits *);
int		 http_request_feed(struct http_request *, const char *, size_t,
		    struct http_reply *);
const char	*http_request_method(const struct http_request *);
const char	*http_request_path(const struct http_request *);
const char	*http_request_query_string(const struct http_request *);
char		*http_request_query(const struct http_request *, const char *);
const char	*http_request_header(const struct http_request *,
		    const char *);
const char	*http_request_body(const struct http_request *, size_t *);
void		 http_request_free(struct http_request *);
const char	*http_status_text(int);
void		 http_reply_init(struct http_reply *);
void		 http_reply_free(struct http_reply *);
void		 http_reply_error(struct http_reply *, int, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
void		 http_reply_json(struct http_reply *, int, cJSON *);
char		*http_reply_format(const struct http_reply *, size_t *);

/* config.c */
struct config {
	char	*config_file;
	char	*db;
	char	*db_file;	/* holds the db, password and all */
	char	*db_name;	/* the db fit for logs: no password */
	char	*name;		/* the machine builds record (worker) */
	char	*listen;
	char	*workdir;
	char	*profiles;
	char	*token_file;
	char	*token;
	struct strlist allow_roots;
	struct strlist allow_hosts;	/* Host headers accepted besides ours */
	cJSON	*toolchains;	/* the config file's definitions */
	char	*unstable;	/* "bootstrap" opts every build in */
	char	*socket;	/* a Unix socket, besides TCP */
	char	*log_file;	/* NULL: stderr */
	int	 tcp_read_only;	/* TCP answers reads only */
	int	 open_reads;	/* reads need no token */
	int	 grace;		/* seconds builds may finish on TERM */
	int	 worker;	/* builds, serves nothing unless listen */
	int	 lease;		/* seconds a claim lasts unrenewed */
	char	*jobs_text;	/* auto, or N */
	int	 jobs;		/* builds at once, resolved */
	int	 cores;		/* the jobserver's tokens, resolved */
	int	 verbose;
	int	 max_builds;
	int	 build_timeout;
	int	 max_connections;
	int	 max_body;
	int	 max_hold;	/* ms a request for events is held */
	int	 keep_artifacts;
	int	 keep_logs;
	char	*disk_budget;
	int64_t	 disk_budget_bytes;
	char	*min_free;
	int64_t	 min_free_bytes;
	char	*listen_host;
	int	 listen_port;
};
void	 config_defaults(struct config *);
int	 config_load_file(struct config *, const char *, char **);
int	 config_set(struct config *, const char *, const char *, char **);
int	 config_finish(struct config *, char **);
void	 config_free(struct config *);
const char *config_usage(void);
int	 config_loopback(const char *);
int	 config_is_switch(const char *);
char	*config_unknown(const char *);

/* assets.c, generated: the dashboard's files, ending with a NULL path. */
struct asset {
	const char	*path;
	const char	*type;
	size_t		 len;
	const char	*data;
};
extern const struct asset dashboard_assets[];

/* metrics.c */
struct metrics;
struct metrics	*metrics_create(void);
void		 metrics_free(struct metrics *);
void		 metrics_format(struct metrics *, struct store *, int, int,
		    struct buf *);

/* diff.c */
/*
 * Gives a build's artifact's stored symbol table: 0 with it, 1 when none
 * is stored, -1 with the cause.
 */
typedef int (*diff_table_fn)(const cJSON *, const cJSON *,
    struct attribution *, char **, void *);
cJSON	*diff_builds(const cJSON *, const cJSON *, int, diff_table_fn,
	    void *);
cJSON	*diff_causes(const struct attribution *, const struct attribution *,
	    int);
cJSON	*diff_section_bytes(const char *, const char *);

/* explain.c */
cJSON	*explain_run(struct store *, const cJSON *, const char *,
	    const char *, struct variant **, size_t *, int *, int *, char **);

/* api.c */
struct api {
	struct store		*store;
	struct queue		*queue;
	const struct config	*config;
	const char		*workdir;
	const struct toolchains	*toolchains;
	struct gc		*gc;
	struct planner		*planner;
	struct track		*track;
	char			 url[128];	/* where it listens on TCP */
	struct api_cache	*cache;		/* answers kept (api_cache.c) */
	struct metrics		*metrics;	/* /metrics's store part */
	struct searcher		*searcher;
	struct events		*events;	/* for requests that wait */
};
void	 api_handle(struct api *, const struct http_request *, int,
	    struct http_reply *);
cJSON	*api_body(const struct http_request *, struct http_reply *);
int	 api_allowed(const struct api *, const char *);
int	 api_query_int(const struct http_request *, const char *, int, int,
	    int, int *, struct http_reply *);
char	*api_name(const struct http_request *);
int	 api_tracked(struct api *, const char *, struct tracked_project *,
	    struct http_reply *);
int	 api_opt_string(const cJSON *, const char *, const char **,
	    struct http_reply *);
int	 api_store_fail(struct http_reply *, enum store_result, const char *,
	    const char *);
void	 api_cancel_runs(struct api *, int64_t *, size_t);
int	 api_lookup_fail(struct http_reply *, enum store_result,
	    const char *, ...) __attribute__((format(printf, 3, 4)));

/* api_cache.c: answers kept until the store changes */
struct api_cache;
struct api_cache *api_cache_create(void);
void	 api_cache_free(struct api_cache *);
int	 api_cache_get(struct api_cache *, const char *, int64_t,
	    struct http_reply *);
void	 api_cache_put(struct api_cache *, const char *, int64_t,
	    const struct http_reply *);

/* api_run.c: runs and builds */
void	 api_plan_fail(struct http_reply *, struct plan_error *);
char	*api_project(const struct api *, const cJSON *, struct http_reply *);
struct matrix *api_matrix(struct api *, const cJSON *, const cJSON *,
	    size_t, struct http_reply *);
int	 api_nothing_to_measure(struct api *, const char *,
	    const struct matrix *, const struct variant *, char **,
	    struct http_reply *);
void	 api_searches_create(struct api *, const struct http_request *,
	    int64_t, struct http_reply *);
void	 api_search_get(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_search_cancel(struct api *, const struct http_request *,
	    int64_t, struct http_reply *);
void	 api_run_events(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_runs_create(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_runs_list(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_run_get(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_run_cancel(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_run_explain(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_build_log(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_build_unstripped(struct api *, const struct http_request *,
	    int64_t, struct http_reply *);
void	 api_build_sizes(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_verify_start(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_run_pareto(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_pareto(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_verify_get(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
int	 api_symbols(const cJSON *, const cJSON *, struct attribution *,
	    char **, void *);
void	 api_diff(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);

/* api_project.c: tracked projects */
void	 api_projects_add(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_projects_list(struct api *, const struct http_request *,
	    int64_t, struct http_reply *);
void	 api_project_get(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_project_set(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_project_remove(struct api *, const struct http_request *,
	    int64_t, struct http_reply *);
void	 api_project_fetch(struct api *, const struct http_request *,
	    int64_t, struct http_reply *);

/* api_history.c: trends, checks, regressions, bisections */
void	 api_trend(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_compare(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_check(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_regressions(struct api *, const struct http_request *, int64_t,
	    struct http_reply *);
void	 api_bisect_start(struct api *, const struct http_request *,
	    int64_t, struct http_reply *);
void	 api_bisection_get(struct api *, const struct http_request *,
	    int64_t, struct http_reply *);

/* server.c */
struct server;
struct server	*server_create(uv_loop_t *, struct api *,
		    const struct config *, char **);
int		 server_port(const struct server *);
void		 server_wake(void *);
void		 server_close(struct server *);

#endif
