/*
 * sizemat, the client: one header, a section per module. The client is
 * thin: it checks its arguments, sends one request and prints the answer.
 */
#ifndef SIZEMAT_H
#define SIZEMAT_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "../common/jsonfile.h"
#include "../common/revision.h"
#include "../common/tokenfile.h"
#include "../common/words.h"
#include "../common/xmalloc.h"

/* Exit codes, the same for every command (INTERFACE.md). */
#define EXIT_OK		0
#define EXIT_NO		1	/* a build failed, a check exceeded */
#define EXIT_USAGE	2	/* usage, daemon unreachable, error reply */

enum output_format {
	FORMAT_TABLE,
	FORMAT_JSON,
	FORMAT_CSV,
	FORMAT_MARKDOWN
};

/* Values of an option given more than once. */
struct strlist_c {
	const char	**v;
	int		  n;
};

struct options {
	const char		*server;
	int			 server_given;	/* --server or SIZEMAT_URL */
	int			 no_start;	/* --no-start */
	const char		*socket;	/* a Unix socket, or NULL */
	char			*socket_buf;	/* the user's socket, found */
	int			 cargo;		/* run as `cargo sizemat` */
	char			*cargo_project;	/* what cargo.c filled in */
	char			*cargo_dir;
	char			*cargo_matrix;
	char			*cargo_artifact;
	char			*cargo_threshold;
	const char		*token_file;
	const char		*token;
	char			*token_buf;	/* read from token_file */
	enum output_format	 format;
	const char		*matrix;
	const char		*toolchain;	/* run-wide build settings */
	const char		*package;
	const char		*bin;
	const char		*example;
	const char		*features;
	const char		*profile;
	int			 no_default_features;
	const char		*variant;
	struct strlist_c	 variants;	/* every --variant given */
	const char		*rev;
	int			 force;
	int			 any_compiler;	/* run: any compiler version */
	const char		*branch;
	const char		*schedule;
	const char		*threshold;
	struct strlist_c	 webhooks;
	const char		*artifact;
	const char		*metric;
	const char		*by;		/* sizes: crate, symbol... */
	int			 explain;	/* regressions: every cause */
	const char		*trailer;	/* project: justification key */
	const char		*pareto_x;	/* pareto: --x, --y */
	const char		*pareto_y;
	const char		*since;
	int			 last;
	const char		*base;
	const char		*head;
	const char		*max_increase;
	const char		*good;
	const char		*bad;
	const char		*status;
	int			 budget;
	const char		*bench;		/* run: a benchmark */
	const char		*max_slowdown;	/* search's limits */
	const char		*max_build_time;
	const char		*speed_metric;
	const char		*baseline;
	const char		*html;
	const char		*run;
	int			 wait;
	int			 top;
	int			 limit;
	int			 quiet;
	unsigned int		 given;		/* OPT_* bits seen */
	char			**args;		/* positional arguments */
	int			 nargs;
};

#define OPT_FORMAT	0x01
#define OPT_MATRIX	0x02
#define OPT_WAIT	0x04
#define OPT_TOP		0x08
#define OPT_LIMIT	0x10
#define OPT_QUIET	0x20
#define OPT_BUILD	0x40	/* --toolchain, --package, --bin, ... */
#define OPT_VARIANT	0x80
#define OPT_REV		0x100	/* --rev, --force */
#define OPT_PROJECT	0x200	/* --branch, --schedule, --webhook */
#define OPT_THRESHOLD	0x400
#define OPT_TREND	0x800	/* --metric, --since, --last */
#define OPT_CHECK	0x1000	/* --base, --head, --max-increase */
#define OPT_BISECT	0x2000	/* --good, --bad, --status */
#define OPT_REPORT	0x4000	/* --html, --run */
#define OPT_ARTIFACT	0x8000	/* --artifact */
#define OPT_STATUS	0x10000	/* --status */
#define OPT_METRIC	0x20000	/* --metric */
#define OPT_SEARCH	0x40000	/* --budget, --max-slowdown... */
#define OPT_TOOLCHAIN	0x80000	/* --toolchain */
#define OPT_BY		0x100000	/* --by */
#define OPT_EXPLAIN	0x200000	/* --explain */
#define OPT_PARETO	0x400000	/* --x, --y */
#define OPT_SPEED	0x800000	/* --max-slowdown, --speed-metric */
#define OPT_BENCH	0x1000000	/* --bench */
#define OPT_COMPILER	0x2000000	/* --any-compiler */

#define DEFAULT_SERVER	"http://127.0.0.1:7420"

/* commands.c: every command and option, and what the help says of them */
struct command {
	const char	*name;
	int		(*fn)(struct options *);
	unsigned int	 opts;		/* the OPT_* bits it takes */
	int		 min_args;
	int		 max_args;
	const char	*usage;
};
enum option_kind {
	OPTION_TEXT,	/* a value, kept as given */
	OPTION_LIST,	/* a value, each kept: repeatable */
	OPTION_TEXTS,	/* both: the last one, and each in a list */
	OPTION_INT,	/* a whole number from lo to hi */
	OPTION_FLAG,	/* no value: sets an int */
	OPTION_FORMAT,	/* the output format lo, or --format F (lo < 0) */
	OPTION_HELP,
	OPTION_VERSION
};
struct option_spec {
	const char		*name;
	const char		*alias;		/* "-q", or NULL */
	const char		*arg;		/* its value, for the help */
	unsigned int		 bit;		/* OPT_*; 0 for every command */
	enum option_kind	 kind;
	size_t			 offset;	/* where in struct options */
	size_t			 list;		/* OPTION_TEXTS: the list */
	int			 lo;
	int			 hi;
	const char		*help;
};
enum help_group {
	HELP_BUILD,
	HELP_TRACK,
	HELP_READ
};
struct help_entry {
	enum help_group	 group;
	const char	*command;
	const char	*synopsis;
	const char	*text;		/* NULL: the synopsis says it all */
};
extern const struct command	 commands[];
extern const size_t		 ncommands;
extern const struct option_spec	 options[];
extern const size_t		 noptions;
extern const struct help_entry	 help_entries[];
extern const size_t		 nhelp_entries;

/* help.c */
void	 usage(FILE *);
void	 usage_command(FILE *, const struct command *);
void	 usage_short(FILE *);

/* main.c */
int	 usage_error(const char *, ...) __attribute__((format(printf, 1, 2)));
int	 check_options(const struct options *, unsigned int, int, int,
	    const char *);
int	 parse_id(const char *, const char *, const char *, long long *);

/* request.c */
enum request_result {
	REQUEST_OK,		/* 2xx with a body */
	REQUEST_ERROR,		/* the daemon answered with an error */
	REQUEST_UNREACHABLE	/* no answer */
};
enum request_result request_call(const struct options *, const char *,
	    const char *, const cJSON *, cJSON **, char **);
enum request_result request_text(const struct options *, const char *,
	    struct buf *, char **);
int	 request_fail(const struct options *, enum request_result, char *);
cJSON	*request_get(const struct options *, const char *, int *);
char	*request_escape(const char *);

/* output.c */
struct table;
void	 human_size(int64_t, char *, size_t);
void	 human_delta(int64_t, int64_t, char *, size_t);
void	 human_ms(int64_t, char *, size_t);
struct table *table_create(int, const char *const *);
void	 table_add(struct table *, const char *const *);
void	 table_print(struct table *, enum output_format, FILE *);
void	 table_free(struct table *);
void	 print_json(const cJSON *);
void	 artifact_label(const cJSON *, char *, size_t);
const cJSON *bench_measurements(const cJSON *);
void	 bench_summary(const cJSON *, char *, size_t);
void	 human_count(int64_t, char *, size_t);
int	 artifact_cmp(const cJSON *, const cJSON *);

/* cmd_*.c */
int	 cmd_run(struct options *);
int	 cmd_results(struct options *);
int	 cmd_best(struct options *);
int	 cmd_matrices(struct options *);
int	 cmd_status(struct options *);
int	 cmd_cancel(struct options *);
int	 cmd_log(struct options *);
int	 cmd_runs(struct options *);
int	 cmd_toolchains(struct options *);
int	 cmd_gc(struct options *);
int	 cmd_ladder(struct options *);
int	 cmd_explain(struct options *);
int	 cmd_diff(struct options *);
int	 cmd_sizes(struct options *);
int	 cmd_verify(struct options *);
int	 cmd_pareto(struct options *);
void	 history_percent(double, char *, size_t);
void	 history_query(struct buf *, const char *, const char *);
void	 causes_print(const struct options *, const cJSON *, int);
long long diff_unstripped(const struct options *, long long, int *);
int	 cmd_project(struct options *);
int	 cmd_trend(struct options *);
int	 cmd_compare(struct options *);
int	 cmd_check(struct options *);
int	 cmd_regressions(struct options *);
int	 cmd_bisect(struct options *);
int	 cmd_export(struct options *);
int	 cmd_report(struct options *);
int	 cmd_daemon(struct options *);
int	 cmd_search(struct options *);
char	*cargo_crate_dir(int);
cJSON	*cargo_defaults(const char *);
int	 cargo_fill(struct options *, const char *, int);
int	 daemon_find(struct options *, int);
void	 print_snippet(const cJSON *, FILE *);
void	 project_settings_line(const cJSON *, FILE *);
const char *toolchain_label(const cJSON *, char *, size_t);
const char *plural(int64_t);
void	 cell_size(enum output_format, int64_t, char *, size_t);
void	 cell_delta(enum output_format, int64_t, int64_t, char *, size_t);
void	 cell_ms(enum output_format, int64_t, char *, size_t);
int	 results_print(const struct options *, const cJSON *);
int	 results_exit_code(const cJSON *);
int	 results_run_id(const char *, long long *);
cJSON	*results_fetch(const struct options *, long long, int *);
char	*project_arg(const char *, int *);
int	 run_matrix_is_file(const char *);
cJSON	*run_matrix_file(const char *);
int	 run_add_matrix(cJSON *, const char *);
cJSON	*run_follow(const struct options *, long long, int *);
void	 run_sleep(int);
void	 run_wait(const struct options *, long long, long long *, int);

#endif
