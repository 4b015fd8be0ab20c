/*
 * sizemat: global options, the subcommand table and exit codes. Options
 * live in one sorted table; each command says which it takes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sizemat.h"

#ifndef SIZEMAT_VERSION
#define SIZEMAT_VERSION "0.1.0"
#endif
#define DEFAULT_SERVER "http://127.0.0.1:7420"

struct command {
	const char	*name;
	int		(*fn)(struct options *);
	unsigned int	 opts;
	int		 min_args;
	int		 max_args;
	const char	*usage;
};

static const struct command commands[] = {
	{ "best", cmd_best, OPT_FORMAT | OPT_TOP, 1, 1,
	  "best PROJECT [--top N]" },
	{ "bisect", cmd_bisect, OPT_FORMAT | OPT_VARIANT | OPT_THRESHOLD |
	  OPT_BISECT | OPT_WAIT | OPT_QUIET | OPT_TREND | OPT_ARTIFACT, 0, 1,
	  "bisect NAME --good REV --bad REV [--variant V] [--artifact A] "
	  "[--threshold L] [--wait], or bisect --status ID" },
	{ "cancel", cmd_cancel, OPT_FORMAT, 1, 1, "cancel RUN" },
	{ "check", cmd_check, OPT_FORMAT | OPT_CHECK | OPT_VARIANT | OPT_QUIET,
	  1, 1, "check NAME --base REV --head REV [--max-increase L] "
	  "[--variant V]..." },
	{ "daemon", cmd_daemon, OPT_FORMAT | OPT_QUIET, 1, 1,
	  "daemon status|stop" },
	{ "compare", cmd_compare, OPT_FORMAT | OPT_CHECK | OPT_VARIANT, 3, 3,
	  "compare NAME REV_A REV_B [--variant V] [--max-increase L]" },
	{ "diff", cmd_diff, OPT_FORMAT | OPT_TOP | OPT_WAIT | OPT_QUIET, 2, 2,
	  "diff BUILD_A BUILD_B [--top N] [--wait]" },
	{ "explain", cmd_explain, OPT_FORMAT | OPT_VARIANT | OPT_WAIT |
	  OPT_QUIET | OPT_ARTIFACT, 1, 1,
	  "explain RUN [--variant V] [--artifact A] [--wait]" },
	{ "export", cmd_export, OPT_FORMAT, 1, 1,
	  "export PROJECT [--format csv|json]" },
	{ "gc", cmd_gc, OPT_FORMAT | OPT_WAIT, 0, 0, "gc [--wait]" },
	{ "ladder", cmd_ladder, OPT_FORMAT, 1, 1, "ladder RUN" },
	{ "log", cmd_log, 0, 1, 1, "log BUILD" },
	{ "matrices", cmd_matrices, OPT_FORMAT, 0, 0, "matrices" },
	{ "project", cmd_project, OPT_FORMAT | OPT_MATRIX | OPT_BUILD |
	  OPT_PROJECT | OPT_THRESHOLD, 1, 3, "project add NAME SOURCE "
	  "[--branch B] ..., project set NAME [--matrix M] ..., project list, "
	  "project show NAME, project remove NAME" },
	{ "regressions", cmd_regressions, OPT_FORMAT, 1, 1,
	  "regressions NAME" },
	{ "report", cmd_report, OPT_FORMAT | OPT_REPORT | OPT_QUIET, 1, 1,
	  "report PROJECT [--run ID] --html FILE | --markdown" },
	{ "results", cmd_results, OPT_FORMAT | OPT_WAIT | OPT_QUIET, 1, 1,
	  "results RUN [--wait]" },
	{ "run", cmd_run, OPT_FORMAT | OPT_MATRIX | OPT_WAIT | OPT_QUIET |
	  OPT_BUILD | OPT_REV, 1, 1, "run PROJECT [--matrix NAME|FILE] "
	  "[--rev REV] [--wait] [--toolchain T] ..." },
	{ "runs", cmd_runs, OPT_FORMAT | OPT_LIMIT, 0, 0, "runs [--limit N]" },
	{ "status", cmd_status, OPT_FORMAT, 0, 0, "status" },
	{ "toolchains", cmd_toolchains, OPT_FORMAT, 0, 0, "toolchains" },
	{ "trend", cmd_trend, OPT_FORMAT | OPT_VARIANT | OPT_TREND |
	  OPT_ARTIFACT, 1, 1,
	  "trend NAME [--variant V] [--artifact A] [--metric M] "
	  "[--since DATE] [--last N]" },
};

/* Options that take a text value, sorted by name. */
static const struct text_option {
	const char	*name;
	unsigned int	 bit;
	size_t		 offset;
} text_options[] = {
	{ "--artifact", OPT_ARTIFACT, offsetof(struct options, artifact) },
	{ "--bad", OPT_BISECT, offsetof(struct options, bad) },
	{ "--base", OPT_CHECK, offsetof(struct options, base) },
	{ "--bin", OPT_BUILD, offsetof(struct options, bin) },
	{ "--branch", OPT_PROJECT, offsetof(struct options, branch) },
	{ "--example", OPT_BUILD, offsetof(struct options, example) },
	{ "--features", OPT_BUILD, offsetof(struct options, features) },
	{ "--good", OPT_BISECT, offsetof(struct options, good) },
	{ "--head", OPT_CHECK, offsetof(struct options, head) },
	{ "--html", OPT_REPORT, offsetof(struct options, html) },
	{ "--matrix", OPT_MATRIX, offsetof(struct options, matrix) },
	{ "--max-increase", OPT_CHECK, offsetof(struct options,
	  max_increase) },
	{ "--metric", OPT_TREND, offsetof(struct options, metric) },
	{ "--package", OPT_BUILD, offsetof(struct options, package) },
	{ "--profile", OPT_BUILD, offsetof(struct options, profile) },
	{ "--rev", OPT_REV, offsetof(struct options, rev) },
	{ "--run", OPT_REPORT, offsetof(struct options, run) },
	{ "--schedule", OPT_PROJECT, offsetof(struct options, schedule) },
	{ "--server", 0, offsetof(struct options, server) },
	{ "--since", OPT_TREND, offsetof(struct options, since) },
	{ "--socket", 0, offsetof(struct options, socket) },
	{ "--status", OPT_BISECT, offsetof(struct options, status) },
	{ "--threshold", OPT_THRESHOLD, offsetof(struct options, threshold) },
	{ "--token-file", 0, offsetof(struct options, token_file) },
	{ "--toolchain", OPT_BUILD, offsetof(struct options, toolchain) },
	{ "--variant", OPT_VARIANT, offsetof(struct options, variant) },
};

/* Options that may be given more than once, each value kept. */
static const struct list_option {
	const char	*name;
	unsigned int	 bit;
	size_t		 offset;
} list_options[] = {
	{ "--variant", OPT_VARIANT, offsetof(struct options, variants) },
	{ "--webhook", OPT_PROJECT, offsetof(struct options, webhooks) },
};
#define NLIST_OPTIONS (sizeof list_options / sizeof list_options[0])
#define NTEXT_OPTIONS (sizeof text_options / sizeof text_options[0])
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* Prints the help, grouped by task. */
static void
usage(FILE *f)
{
	fprintf(f,
"usage: sizemat [--server URL] COMMAND [ARGS] [--json|--csv|--markdown]\n"
"\n"
"Find the Cargo profile settings that make a Rust binary smallest. The\n"
"sizematd daemon runs the builds and records every size; this client asks.\n"
"\n"
"Build a project across a matrix:\n"
"  run PROJECT [--matrix NAME|FILE] [--wait]\n"
"                        queue one build per variant of the matrix (default:\n"
"                        'default'); --wait follows progress on stderr, then\n"
"                        prints the ranked table\n"
"                        --toolchain, --package, --bin, --example,\n"
"                        --features, --no-default-features and --profile\n"
"                        apply to every variant of the run; a library\n"
"                        alone has nothing to measure: --example NAME\n"
"                        measures it through one of its examples\n"
"  matrices              the matrices the daemon knows (profiles/*.json)\n"
"  toolchains            the cargo/rustc pairs the daemon can build with,\n"
"                        their versions and whether they have rust-src\n"
"  cancel RUN            cancel a run's queued and running builds\n"
"  gc [--wait]           remove the least recently used target dirs beyond\n"
"                        the daemon's --disk-budget (it also does so on its\n"
"                        own, at most once a minute)\n"
"\n"
"Track a project over time (NAME: a tracked project):\n"
"  project add NAME SOURCE [--branch B] [--matrix M] [--toolchain T]\n"
"          [--schedule SPEC] [--threshold LIMIT] [--webhook URL]...\n"
"                        track a git repository (a path or URL); the daemon\n"
"                        keeps its own clone and never touches SOURCE\n"
"  project set NAME [--branch B] [--matrix M] [--toolchain T]\n"
"          [--schedule SPEC] [--threshold LIMIT] [--webhook URL]...\n"
"                        change what a tracked project was added with\n"
"  project list | project show NAME | project remove NAME\n"
"  run NAME [--rev REV] [--force]\n"
"                        build the project's matrix at a revision (default:\n"
"                        its branch head); a commit already measured with\n"
"                        the same rustc is reused unless --force\n"
"  trend NAME [--variant V] [--artifact A] [--metric M] [--since DATE]\n"
"          [--last N]    one row per commit along the branch's first-parent\n"
"                        history: size, change, toolchain changes (*), and a\n"
"                        sparkline; --json and --csv give the same rows\n"
"  compare NAME REV_A REV_B [--max-increase LIMIT] [--markdown]\n"
"                        every variant measured at both, sorted by change;\n"
"                        branch names are resolved after a fetch\n"
"  check NAME --base REV --head REV [--max-increase LIMIT] [--variant V]...\n"
"                        the CI gate: builds what is missing, compares, exits\n"
"                        1 when a variant grew past the limit (default: the\n"
"                        project's threshold, else 1%%) or the head failed\n"
"  regressions NAME      commits that grew past the project's threshold\n"
"                        against the nearest earlier measured commit: a\n"
"                        culprit, or a range of unmeasured commits with the\n"
"                        bisect command that narrows it, or withdrawn\n"
"  report PROJECT [--run ID] --html FILE | --markdown\n"
"                        a project's trend and a run (default: its newest)\n"
"                        as one self-contained HTML file to publish, or a\n"
"                        markdown summary of the same numbers\n"
"  export PROJECT [--format csv|json]\n"
"                        every build of a project, a row per artifact with\n"
"                        every measurement, for spreadsheets (CSV default)\n"
"  bisect NAME --good REV --bad REV [--variant V] [--artifact A]\n"
"          [--threshold LIMIT] [--wait]\n"
"                        find the first commit that grew past the threshold\n"
"                        (the project's), skipping commits that do not\n"
"                        build; without --artifact, of each artifact that\n"
"                        grew past it from good to bad; its probes narrow\n"
"                        recorded regressions; bisect --status ID [--wait]\n"
"                        follows one\n"
"\n"
"Read results:\n"
"  results RUN [--wait]  every build of a run, ranked by size; --wait\n"
"                        follows it to its end first\n"
"  ladder RUN            a ladder run step by step: size, saved against\n"
"                        the previous step and the first, a bar each\n"
"  explain RUN [--variant V] [--artifact A] [--wait]\n"
"                        what each setting of the smallest variant (or V)\n"
"                        buys: compares it with the same build with that\n"
"                        setting as the project would otherwise have it\n"
"                        (its own profile's value, else Cargo's default),\n"
"                        queueing the builds that are missing\n"
"  diff BUILD_A BUILD_B [--top N] [--wait]\n"
"                        what changed between two builds, by section, crate\n"
"                        and symbol; --wait builds a stripped variant again\n"
"                        with strip=none to compare its symbols\n"
"  best PROJECT [--top N]\n"
"                        smallest variants recorded for a project, across\n"
"                        runs (a tracked project's at its newest measured\n"
"                        commit on the branch, each row naming it)\n"
"  runs [--limit N]      the newest runs\n"
"  status                running and queued builds\n"
"  log BUILD             the cargo log of one build\n"
"  daemon status|stop    the daemon this client uses: its pid, socket and\n"
"                        dashboard (exit 1 when none runs), or stop it and\n"
"                        wait until it has exited\n"
"\n"
"Without --server or --socket (or SIZEMAT_URL, SIZEMAT_SOCKET) the client\n"
"tries your socket ($XDG_RUNTIME_DIR/sizemat/sizematd.sock), then %s;\n"
"when none answers it starts sizematd on that socket and a free loopback\n"
"port (the dashboard), and says so once (--no-start: it does not).\n"
"\n"
"Options:\n"
"  --artifact NAME       which artifact (default: the package's default-run,\n"
"                        else the binary named like the package, else the\n"
"                        only one; with several, the command lists them)\n"
"  --bad REV, --good REV the ends of a bisection\n"
"  --base REV, --head REV\n"
"                        the two revisions a check compares\n""  --bin NAME            build only this binary target\n"
"  --branch B            the branch to track (default: SOURCE's HEAD)\n"
"  --example NAME        build this example target (a library's size)\n"
"  --csv                 CSV on stdout\n"
"  --features A,B        cargo features to enable\n"
"  --format F            csv, json or markdown: as --csv, --json, --markdown\n"
"  --force               build again what is measured already\n""  --help                this help\n"
"  --html FILE           where report writes its self-contained page\n"
"  --json                one JSON document on stdout, nothing else\n"
"  --last N              only the newest N commits of a trend\n"
"  --limit N             how many runs to list (50)\n"
"  --markdown            a markdown table on stdout\n"
"  --matrix NAME|FILE    a matrix name, or a JSON file (sent by the client)\n"
"  --max-increase LIMIT  how much growth check and compare allow\n"
"  --metric M            file_size (default), loadable_size, section.NAME,\n"
"                        post.xz, ..., wall_ms or cpu_ms\n"
"  --no-default-features build without the default features\n"
"  --no-start            never start a daemon; exit 2 when none answers\n"
"  --package NAME        build this package of a workspace\n"
"  --profile NAME        a custom Cargo profile (CARGO_PROFILE_NAME_*)\n"
"  --quiet, -q           no progress lines with --wait\n"
"  --rev REV             a commit, branch or tag of a tracked project\n""  --run ID              the run a report shows (default: the newest)\n"
"  --schedule SPEC       \"daily HH:MM\", \"every 6h\" (s, m, h, d) or a\n"
"                        5-field cron line, in the daemon's local time: run\n"
"                        the matrix when the branch head is new\n"
"  --server URL          the daemon (default $SIZEMAT_URL, else %s)\n"
"  --since DATE          a trend from this date (YYYY-MM-DD) on\n"
"  --socket PATH         reach the daemon through its Unix socket (default\n"
"                        $SIZEMAT_SOCKET); such requests need no token\n"
"  --status ID           a bisection to show (with --wait, to follow)\n""  --threshold LIMIT     growth that counts as a regression (1%%)\n"
"  --token-file F        the daemon's token, on the file's first line\n"
"                        (default $SIZEMAT_TOKEN)\n"
"  --toolchain NAME      build every variant with this toolchain\n"
"  --top N               how many rows 'best' or 'diff' prints (10)\n"
"  --variant V           a variant key, a ladder step name, or key=value\n"
"                        pairs naming exactly one variant\n"
"  --version             the client's version\n"
"  --wait                follow the run to its end: a line per build that\n"
"                        ends, and where the run stands (builds left, the\n"
"                        running build's time against what it took before,\n"
"                        the place in the queue), redrawn on a terminal,\n"
"                        else every 30 s; survives a daemon restart for up\n"
"                        to a minute\n"
"  --webhook URL         POST a JSON alert there for each regressing commit\n"
"\n"
"PROJECT is a path when it has a '/' or names a directory, else a tracked\n"
"project's name. LIMIT is N bytes, NKiB, NMiB or N%%; A,B means both.\n"
"Every request sends the token (--token-file or $SIZEMAT_TOKEN) as a bearer\n"
"token: a daemon with a token wants it for changes, and for reads unless it\n"
"runs with --open-reads.\n"
"Progress, hints and errors go to stderr.\n"
"\n"
"Unstable options on a stable toolchain run only with \"unstable\":\n"
"\"bootstrap\" (RUSTC_BOOTSTRAP=1); such rows are marked [bootstrap].\n"
"\n"
"Exit codes: 0 success; 1 the answer is \"no\" (a build failed, timed out or\n"
"was unavailable; a check found a size over its limit or a head that does\n"
"not build; a bisection found no culprit); 2 usage error, daemon\n"
"unreachable or an error reply.\n",
	    DEFAULT_SERVER, DEFAULT_SERVER);
}

/* Options without a value of their own in the tables above, by bit. */
static const struct flag_option {
	const char	*name;
	unsigned int	 bit;
} flag_options[] = {
	{ "--csv", OPT_FORMAT }, { "--force", OPT_REV },
	{ "--format", OPT_FORMAT }, { "--help", 0 }, { "--json", OPT_FORMAT },
	{ "--last", OPT_TREND }, { "--limit", OPT_LIMIT },
	{ "--markdown", OPT_FORMAT }, { "--no-default-features", OPT_BUILD },
	{ "--no-start", 0 }, { "--quiet", OPT_QUIET }, { "--top", OPT_TOP },
	{ "--version", 0 }, { "--wait", OPT_WAIT },
};
#define NFLAG_OPTIONS (sizeof flag_options / sizeof flag_options[0])

/* Returns the bit of an option (0 for one every command takes), or -1. */
static int
option_bit(const char *name)
{
	size_t	 i;

	for (i = 0; i < NTEXT_OPTIONS; i++) {
		if (strcmp(text_options[i].name, name) == 0)
			return ((int)text_options[i].bit);
	}
	for (i = 0; i < NLIST_OPTIONS; i++) {
		if (strcmp(list_options[i].name, name) == 0)
			return ((int)list_options[i].bit);
	}
	for (i = 0; i < NFLAG_OPTIONS; i++) {
		if (strcmp(flag_options[i].name, name) == 0)
			return ((int)flag_options[i].bit);
	}
	return (-1);
}

/*
 * Returns the command or option nearest to word, when it is near enough
 * to be a typo of it (two edits, one for a short word); NULL otherwise.
 */
static const char *
suggest(const char *word)
{
	const char	*best = NULL, *name;
	size_t		 i, n = NCOMMANDS + NTEXT_OPTIONS + NFLAG_OPTIONS;
	int		 d, bestd = 10;

	for (i = 0; i < n; i++) {
		name = i < NCOMMANDS ? commands[i].name : i < NCOMMANDS +
		    NTEXT_OPTIONS ? text_options[i - NCOMMANDS].name :
		    flag_options[i - NCOMMANDS - NTEXT_OPTIONS].name;
		if ((word[0] == '-') != (name[0] == '-'))
			continue;
		if (words_near(word, name) &&
		    (d = words_distance(word, name)) < bestd) {
			bestd = d;
			best = name;
		}
	}
	return (best);
}

/*
 * Prints one command's help: its usage, what the whole help says of it,
 * and the options it takes, all cut from usage() so that there is one
 * text to keep true.
 */
static void
usage_command(FILE *f, const struct command *cmd)
{
	char		*text = NULL, word[64];
	const char	*p, *end;
	size_t		 len = 0, n = strlen(cmd->name);
	FILE		*m;
	int		 in_opts = 0, keep = 0, bit;

	if ((m = open_memstream(&text, &len)) == NULL)
		return;
	usage(m);
	fclose(m);
	fprintf(f, "usage: sizemat %s\n\n", cmd->usage);
	for (p = text; (end = strchr(p, '\n')) != NULL; p = end + 1) {
		if (strncmp(p, "Options:", 8) == 0) {
			in_opts = 1;
			fputs("\nOptions:\n", f);
			continue;
		}
		if (p == end || p[0] != ' ') {
			in_opts = in_opts && p != end;
			keep = 0;
			continue;
		}
		if (p[1] == ' ' && p[2] != ' ') {
			/* An entry: a command's, or an option's. */
			if (!in_opts)
				keep = strncmp(p + 2, cmd->name, n) == 0 &&
				    (p[2 + n] == ' ' || p[2 + n] == '\n');
			else {
				snprintf(word, sizeof word, "%.*s",
				    (int)strcspn(p + 2, " ,\n"), p + 2);
				bit = option_bit(word);
				keep = bit > 0 && ((unsigned int)bit & cmd->opts);
			}
		}
		if (keep)
			fwrite(p, 1, (size_t)(end - p) + 1, f);
	}
	fputs("\nEvery command also takes --server, --socket, --token-file and "
	    "--no-start;\n'sizemat --help' says what they do, and the exit "
	    "codes.\n", f);
	free(text);
}

/* Prints a usage error with a hint and returns exit code 2. */
int
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	fputs("sizemat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; try 'sizemat --help'\n", stderr);
	return (EXIT_USAGE);
}

/* Checks a command's argument count and options. */
int
check_options(const struct options *o, unsigned int allowed, int min,
    int max, const char *cmd)
{
	if (o->given & ~allowed)
		return (usage_error("%s: an option given does not apply to "
		    "this command", cmd));
	if (o->nargs < min)
		return (usage_error("%s: missing argument", cmd));
	if (o->nargs > max)
		return (usage_error("%s: unexpected argument \"%s\"", cmd,
		    o->args[max]));
	return (0);
}

/* Reads the token from the first line of a file; NULL on an error. */
static char *
read_token_file(const char *path)
{
	char	*line, *why;

	if ((line = token_file_read(path, &why)) == NULL) {
		usage_error("--token-file %s", why);
		free(why);
		return (NULL);
	}
	if (line[0] == '\0') {
		usage_error("--token-file %s: the first line is empty", path);
		free(line);
		return (NULL);
	}
	return (line);
}

/* Reads a whole number option within bounds. */
static int
parse_int(const char *name, const char *v, int lo, int hi, int *out)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return (usage_error("%s: \"%s\" is not a whole number from %d "
		    "to %d", name, v, lo, hi));
	*out = (int)n;
	return (0);
}

/* Finds an option that takes a text value. */
static const struct text_option *
text_option(const char *name)
{
	size_t	 i;

	for (i = 0; i < NTEXT_OPTIONS; i++) {
		if (strcmp(text_options[i].name, name) == 0)
			return (&text_options[i]);
	}
	return (NULL);
}

/* Finds an option that may be given more than once. */
static const struct list_option *
list_option(const char *name)
{
	size_t	 i;

	for (i = 0; i < NLIST_OPTIONS; i++) {
		if (strcmp(list_options[i].name, name) == 0)
			return (&list_options[i]);
	}
	return (NULL);
}

/*
 * Reads the id of a run or a build from an argument; what names it, hint
 * says where to find one.
 */
int
parse_id(const char *s, const char *what, const char *hint, long long *id)
{
	char	*end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *id <= 0)
		return (usage_error("\"%s\" is not a %s id (%s)", s, what,
		    hint));
	return (0);
}

/*
 * Reads the command line into o, then runs the command; returns the exit
 * code. What o holds is freed by the caller.
 */
static int
client_run(struct options *o, int argc, char **argv)
{
	const struct command	*cmd = NULL;
	const struct text_option *opt;
	const struct list_option *lopt;
	struct strlist_c	*list;
	const char		*arg, *value, *near;
	size_t			 i;
	int			 n, rc, want_help = 0;

	o->server = getenv("SIZEMAT_URL");
	o->server_given = o->server != NULL && *o->server != '\0';
	if (!o->server_given)
		o->server = DEFAULT_SERVER;
	o->token = getenv("SIZEMAT_TOKEN");
	o->socket = getenv("SIZEMAT_SOCKET");
	if (o->socket != NULL && *o->socket == '\0')
		o->socket = NULL;
	o->top = 10;
	o->limit = 50;

	for (n = 1; n < argc; n++) {
		arg = argv[n];
		value = n + 1 < argc ? argv[n + 1] : NULL;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			want_help = 1;
		} else if (strcmp(arg, "--version") == 0) {
			printf("sizemat %s\n", SIZEMAT_VERSION);
			return (EXIT_OK);
		} else if (strcmp(arg, "--csv") == 0 ||
		    strcmp(arg, "--json") == 0 ||
		    strcmp(arg, "--markdown") == 0) {
			if (o->given & OPT_FORMAT)
				return (usage_error("choose one of --json, "
				    "--csv and --markdown"));
			o->given |= OPT_FORMAT;
			o->format = arg[2] == 'c' ? FORMAT_CSV : arg[2] == 'j' ?
			    FORMAT_JSON : FORMAT_MARKDOWN;
		} else if (strcmp(arg, "--format") == 0) {
			if (value == NULL || (strcmp(value, "csv") != 0 &&
			    strcmp(value, "json") != 0 &&
			    strcmp(value, "markdown") != 0))
				return (usage_error("--format takes csv, json "
				    "or markdown"));
			if (o->given & OPT_FORMAT)
				return (usage_error("choose one of --json, "
				    "--csv, --markdown and --format"));
			n++;
			o->given |= OPT_FORMAT;
			o->format = value[0] == 'c' ? FORMAT_CSV :
			    value[0] == 'j' ? FORMAT_JSON : FORMAT_MARKDOWN;
		} else if (strcmp(arg, "--quiet") == 0 ||
		    strcmp(arg, "-q") == 0) {
			o->given |= OPT_QUIET;
			o->quiet = 1;
		} else if (strcmp(arg, "--no-start") == 0) {
			o->no_start = 1;
		} else if (strcmp(arg, "--wait") == 0) {
			o->given |= OPT_WAIT;
			o->wait = 1;
		} else if (strcmp(arg, "--no-default-features") == 0) {
			o->given |= OPT_BUILD;
			o->no_default_features = 1;
		} else if (strcmp(arg, "--force") == 0) {
			o->given |= OPT_REV;
			o->force = 1;
		} else if ((opt = text_option(arg)) != NULL ||
		    list_option(arg) != NULL) {
			if (value == NULL)
				return (usage_error("%s needs a value", arg));
			n++;
			if (opt != NULL) {
				o->given |= opt->bit;
				*(const char **)((char *)o + opt->offset) =
				    value;
				if (opt->offset == offsetof(struct options,
				    server))
					o->server_given = 1;
			}
			if ((lopt = list_option(arg)) != NULL) {
				o->given |= lopt->bit;
				list = (struct strlist_c *)((char *)o +
				    lopt->offset);
				list->v = xreallocarray(list->v,
				    (size_t)list->n + 1, sizeof *list->v);
				list->v[list->n++] = value;
			}
		} else if (strcmp(arg, "--last") == 0) {
			if (value == NULL)
				return (usage_error("%s needs a value", arg));
			n++;
			o->given |= OPT_TREND;
			if (parse_int(arg, value, 1, 1000000, &o->last) != 0)
				return (EXIT_USAGE);
		} else if (strcmp(arg, "--limit") == 0 ||
		    strcmp(arg, "--top") == 0) {
			if (value == NULL)
				return (usage_error("%s needs a value", arg));
			n++;
			if (strcmp(arg, "--limit") == 0) {
				o->given |= OPT_LIMIT;
				if (parse_int(arg, value, 1, 10000,
				    &o->limit) != 0)
					return (EXIT_USAGE);
			} else {
				o->given |= OPT_TOP;
				if (parse_int(arg, value, 1, 100000,
				    &o->top) != 0)
					return (EXIT_USAGE);
			}
		} else if (arg[0] == '-' && arg[1] != '\0') {
			near = suggest(arg);
			return (usage_error("unknown option \"%s\"%s%s%s", arg,
			    near ? "; did you mean " : "", near ? near : "",
			    near ? "?" : ""));
		} else if (cmd == NULL && !want_help && strcmp(arg, "help") == 0)
			want_help = 1;
		else if (cmd == NULL) {
			for (i = 0; i < NCOMMANDS; i++) {
				if (strcmp(commands[i].name, arg) == 0)
					cmd = &commands[i];
			}
			if (cmd == NULL && (near = suggest(arg)) != NULL)
				return (usage_error("unknown command \"%s\"; did "
				    "you mean \"%s\"?", arg, near));
			if (cmd == NULL)
				return (usage_error("unknown command \"%s\"",
				    arg));
		} else
			o->args[o->nargs++] = argv[n];
	}
	if (want_help) {
		/* sizemat help [CMD], sizemat [CMD] --help */
		if (cmd != NULL)
			usage_command(stdout, cmd);
		else
			usage(stdout);
		return (EXIT_OK);
	}
	if (cmd == NULL) {
		fprintf(stderr, "usage: sizemat COMMAND [ARGS] [OPTIONS]\n"
		    "  run PROJECT [--matrix NAME] --wait   build a matrix and "
		    "rank it\n"
		    "  results RUN | ladder RUN | explain RUN | best PROJECT\n"
		    "  project add NAME SOURCE | trend NAME | check NAME | "
		    "bisect NAME\n"
		    "'sizemat help' lists every command, 'sizemat help COMMAND' "
		    "explains one\n");
		return (EXIT_USAGE);
	}
	/* Cargo's conventions: the crate here, its metadata's defaults. */
	if (cargo_fill(o, cmd->name, strncmp(cmd->usage + strlen(cmd->name),
	    " PROJECT", 8) == 0) != 0)
		return (EXIT_USAGE);
	if (o->token_file != NULL &&
	    (o->token = o->token_buf = read_token_file(o->token_file)) == NULL)
		return (EXIT_USAGE);
	if (strncmp(o->server, "http://", 7) != 0 &&
	    strncmp(o->server, "https://", 8) != 0)
		return (usage_error("--server: \"%s\" is not an http:// URL",
		    o->server));
	if (check_options(o, cmd->opts, cmd->min_args, cmd->max_args,
	    cmd->usage) != 0)
		return (EXIT_USAGE);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* No daemon answers: start the user's own (cmd_daemon.c). */
	if (cmd->fn != cmd_daemon && daemon_find(o, !o->no_start) != 0) {
		fprintf(stderr, "sizemat: cannot reach sizematd at %s; start it "
		    "with 'sizematd' or point --server or SIZEMAT_URL at it%s\n",
		    o->server, o->no_start ? " (--no-start: not started)" : "");
		curl_global_cleanup();
		return (EXIT_USAGE);
	}
	rc = cmd->fn(o);
	curl_global_cleanup();
	return (rc);
}

int
main(int argc, char **argv)
{
	struct options	 o;
	const char	*base;
	int		 rc;

	memset(&o, 0, sizeof o);
	/* As `cargo sizemat ...`, cargo runs cargo-sizemat sizemat ... */
	base = strrchr(argv[0], '/');
	if (strcmp(base != NULL ? base + 1 : argv[0], "cargo-sizemat") == 0) {
		o.cargo = 1;
		if (argc > 1 && strcmp(argv[1], "sizemat") == 0) {
			argv[1] = argv[0];
			argv++;
			argc--;
		}
	}
	o.args = xcalloc((size_t)argc + 1, sizeof *o.args);
	rc = client_run(&o, argc, argv);
	free(o.args);
	free(o.token_buf);
	free(o.socket_buf);
	free(o.cargo_project);
	free(o.cargo_dir);
	free(o.cargo_matrix);
	free(o.cargo_artifact);
	free(o.cargo_threshold);
	free(o.variants.v);
	free(o.webhooks.v);
	return (rc);
}
