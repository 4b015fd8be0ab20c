/*
 * Every command and option of sizemat, with what --help says of each:
 * the client parses by these tables and help.c prints them, so that the
 * help cannot name an option the client does not take, nor miss one.
 */
#include <stddef.h>

#include "sizemat.h"

#define O(field)	offsetof(struct options, field)

const struct command commands[] = {
	{ "best", cmd_best, OPT_FORMAT | OPT_TOP, 1, 1,
	  "best PROJECT [--top N]" },
	{ "bisect", cmd_bisect, OPT_FORMAT | OPT_VARIANT | OPT_THRESHOLD |
	  OPT_BISECT | OPT_STATUS | OPT_WAIT | OPT_QUIET | OPT_TREND |
	  OPT_METRIC | OPT_ARTIFACT, 0, 1,
	  "bisect NAME --good REV --bad REV [--variant V] [--artifact A] "
	  "[--threshold L] [--wait], or bisect --status ID" },
	{ "cancel", cmd_cancel, OPT_FORMAT, 1, 1, "cancel RUN" },
	{ "check", cmd_check, OPT_FORMAT | OPT_CHECK | OPT_SPEED | OPT_VARIANT |
	  OPT_QUIET,
	  1, 1, "check NAME --base REV --head REV [--max-increase L] "
	  "[--max-slowdown P%] [--variant V]..." },
	{ "daemon", cmd_daemon, OPT_FORMAT | OPT_QUIET, 1, 1,
	  "daemon status|stop" },
	{ "compare", cmd_compare, OPT_FORMAT | OPT_CHECK | OPT_SPEED |
	  OPT_VARIANT, 3, 3,
	  "compare NAME REV_A REV_B [--variant V] [--max-increase L] "
	  "[--max-slowdown P%]" },
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
	{ "pareto", cmd_pareto, OPT_FORMAT | OPT_PARETO | OPT_ARTIFACT, 1, 1,
	  "pareto RUN|PROJECT [--x M] [--y M] [--artifact A]" },
	{ "project", cmd_project, OPT_FORMAT | OPT_MATRIX | OPT_BUILD |
	  OPT_TOOLCHAIN | OPT_PROJECT | OPT_THRESHOLD | OPT_SPEED, 1, 3, "project add NAME SOURCE "
	  "[--branch B] ..., project set NAME [--matrix M] ..., project list, "
	  "project show NAME, project remove NAME" },
	{ "regressions", cmd_regressions, OPT_FORMAT | OPT_EXPLAIN, 1, 1,
	  "regressions NAME [--explain]" },
	{ "report", cmd_report, OPT_FORMAT | OPT_REPORT | OPT_QUIET, 1, 1,
	  "report PROJECT [--run ID] --html FILE | --markdown" },
	{ "results", cmd_results, OPT_FORMAT | OPT_WAIT | OPT_QUIET, 1, 1,
	  "results RUN [--wait]" },
	{ "run", cmd_run, OPT_FORMAT | OPT_MATRIX | OPT_WAIT | OPT_QUIET |
	  OPT_BUILD | OPT_TOOLCHAIN | OPT_REV | OPT_BENCH | OPT_COMPILER, 1, 1,
	  "run PROJECT [--matrix NAME|FILE] "
	  "[--rev REV] [--wait] [--toolchain T] [--bench CMD] ..." },
	{ "runs", cmd_runs, OPT_FORMAT | OPT_LIMIT, 0, 0, "runs [--limit N]" },
	{ "search", cmd_search, OPT_FORMAT | OPT_MATRIX | OPT_ARTIFACT |
	  OPT_METRIC | OPT_SEARCH | OPT_SPEED | OPT_STATUS | OPT_WAIT | OPT_QUIET |
	  OPT_TOOLCHAIN | OPT_REV, 0, 1, "search PROJECT --matrix NAME|FILE [--artifact NAME] "
	  "[--metric M] [--budget N] [--max-slowdown P%] [--max-build-time Nx] "
	  "[--baseline V] [--speed-metric M] [--toolchain T] [--rev REV] "
	  "[--wait], or search --status ID [--wait]" },
	{ "status", cmd_status, OPT_FORMAT, 0, 0, "status" },
	{ "sizes", cmd_sizes, OPT_FORMAT | OPT_TOP | OPT_ARTIFACT | OPT_BY |
	  OPT_QUIET, 1, 1, "sizes BUILD [--by crate|symbol|section] [--top N] "
	  "[--artifact A]" },
	{ "toolchains", cmd_toolchains, OPT_FORMAT, 0, 0, "toolchains" },
	{ "trend", cmd_trend, OPT_FORMAT | OPT_VARIANT | OPT_TREND |
	  OPT_METRIC | OPT_ARTIFACT, 1, 1,
	  "trend NAME [--variant V] [--artifact A] [--metric M] "
	  "[--since DATE] [--last N]" },
	{ "verify", cmd_verify, OPT_FORMAT | OPT_WAIT | OPT_QUIET, 1, 1,
	  "verify RUN [--wait]" },
};
const size_t ncommands = sizeof commands / sizeof commands[0];

/* Sorted by name, as --help lists them. */
const struct option_spec options[] = {
	{ "--any-compiler", NULL, NULL, OPT_COMPILER, OPTION_FLAG,
	  O(any_compiler), 0, 0, 0, "run: with daemons sharing a store, any "
	  "daemon that has the toolchain may build it, whatever its compiler "
	  "version (by default a variant stays on daemons with the version "
	  "that last built it while one lives; a change is marked in trends)" },
	{ "--artifact", NULL, "NAME", OPT_ARTIFACT, OPTION_TEXT, O(artifact),
	  0, 0, 0, "which artifact (default: the package's default-run, else "
	  "the binary named like the package, else the only one; with "
	  "several, the command lists them)" },
	{ "--bad", NULL, "REV", OPT_BISECT, OPTION_TEXT, O(bad), 0, 0, 0,
	  "the last end of a bisection: a commit that grew" },
	{ "--bench", NULL, "CMD|JSON", OPT_BENCH, OPTION_TEXT, O(bench), 0, 0,
	  0, "benchmark each build: a command with {artifact} (\"{artifact} "
	  "150 input.txt\", split on spaces) or a matrix's \"bench\" "
	  "object as JSON; it takes the matrix's place (docs/speed.md)" },
	{ "--baseline", NULL, "VARIANT", OPT_SEARCH, OPTION_TEXT, O(baseline),
	  0, 0, 0, "what a search's --max-slowdown and --max-build-time "
	  "compare with: release (the default: the project's own profile) "
	  "or a variant key" },
	{ "--base", NULL, "REV", OPT_CHECK, OPTION_TEXT, O(base), 0, 0, 0,
	  "the revision a check compares with" },
	{ "--bin", NULL, "NAME", OPT_BUILD, OPTION_TEXT, O(bin), 0, 0, 0,
	  "build only this binary target" },
	{ "--budget", NULL, "N", OPT_SEARCH, OPTION_INT, O(budget), 0, 1,
	  1000000, "the most builds a search may spend; one that stops on it "
	  "gives its best so far, not certified (exit 1)" },
	{ "--by", NULL, "crate|symbol|section", OPT_BY, OPTION_TEXT, O(by), 0,
	  0, 0, "what sizes groups a build's bytes by (crate)" },
	{ "--branch", NULL, "B", OPT_PROJECT, OPTION_TEXT, O(branch), 0, 0, 0,
	  "the branch to track (default: SOURCE's HEAD)" },
	{ "--csv", NULL, NULL, OPT_FORMAT, OPTION_FORMAT, O(format), 0,
	  FORMAT_CSV, 0, "CSV on stdout" },
	{ "--example", NULL, "NAME", OPT_BUILD, OPTION_TEXT, O(example), 0,
	  0, 0, "build this example target (a library's size)" },
	{ "--features", NULL, "A,B", OPT_BUILD, OPTION_TEXT, O(features), 0,
	  0, 0, "cargo features to enable" },
	{ "--explain", NULL, NULL, OPT_EXPLAIN, OPTION_FLAG, O(explain), 0, 0,
	  0, "regressions: every cause (crates and symbols that grew), not "
	  "one line each" },
	{ "--force", NULL, NULL, OPT_REV, OPTION_FLAG, O(force), 0, 0, 0,
	  "build again what is measured already" },
	{ "--format", NULL, "F", OPT_FORMAT, OPTION_FORMAT, O(format), 0, -1,
	  0, "csv, json or markdown: as --csv, --json, --markdown" },
	{ "--good", NULL, "REV", OPT_BISECT, OPTION_TEXT, O(good), 0, 0, 0,
	  "the first end of a bisection: a commit of the size before" },
	{ "--head", NULL, "REV", OPT_CHECK, OPTION_TEXT, O(head), 0, 0, 0,
	  "the revision a check measures against --base" },
	{ "--help", "-h", NULL, 0, OPTION_HELP, 0, 0, 0, 0,
	  "this help; with a command, that command's" },
	{ "--html", NULL, "FILE", OPT_REPORT, OPTION_TEXT, O(html), 0, 0, 0,
	  "where report writes its self-contained page" },
	{ "--json", NULL, NULL, OPT_FORMAT, OPTION_FORMAT, O(format), 0,
	  FORMAT_JSON, 0, "one JSON document on stdout, nothing else" },
	{ "--last", NULL, "N", OPT_TREND, OPTION_INT, O(last), 0, 1, 1000000,
	  "only the newest N commits of a trend" },
	{ "--limit", NULL, "N", OPT_LIMIT, OPTION_INT, O(limit), 0, 1, 10000,
	  "how many runs to list (50)" },
	{ "--markdown", NULL, NULL, OPT_FORMAT, OPTION_FORMAT, O(format), 0,
	  FORMAT_MARKDOWN, 0, "a markdown table on stdout" },
	{ "--matrix", NULL, "NAME|FILE", OPT_MATRIX, OPTION_TEXT, O(matrix), 0,
	  0, 0, "a matrix name, or a JSON file (sent by the client)" },
	{ "--max-build-time", NULL, "Nx", OPT_SEARCH, OPTION_TEXT,
	  O(max_build_time), 0, 0, 0, "a search's answer builds cold in at "
	  "most N times the baseline's time (its builds then start in fresh "
	  "target dirs)" },
	{ "--max-increase", NULL, "LIMIT", OPT_CHECK, OPTION_TEXT,
	  O(max_increase), 0, 0, 0, "how much growth check and compare allow "
	  "(default: the project's threshold)" },
	{ "--max-slowdown", NULL, "P%", OPT_SPEED, OPTION_TEXT,
	  O(max_slowdown), 0, 0, 0, "a search's answer is at most P% slower "
	  "than the baseline on --speed-metric (the matrix needs a "
	  "\"bench\"); check and compare fail when a variant's head is "
	  "more than P% slower than its base" },
	{ "--metric", NULL, "M", OPT_METRIC, OPTION_TEXT, O(metric), 0, 0, 0,
	  "a measurement: file_size (default), loadable_size, section.NAME, "
	  "post.xz, crate.NAME, wall_ms... (GET /v1/measurements lists them)" },
	{ "--no-default-features", NULL, NULL, OPT_BUILD, OPTION_FLAG,
	  O(no_default_features), 0, 0, 0,
	  "build without the default features" },
	{ "--no-start", NULL, NULL, 0, OPTION_FLAG, O(no_start), 0, 0, 0,
	  "never start a daemon; exit 2 when none answers" },
	{ "--package", NULL, "NAME", OPT_BUILD, OPTION_TEXT, O(package), 0, 0,
	  0, "build this package of a workspace" },
	{ "--profile", NULL, "NAME", OPT_BUILD, OPTION_TEXT, O(profile), 0, 0,
	  0, "a custom Cargo profile (CARGO_PROFILE_NAME_*)" },
	{ "--quiet", "-q", NULL, OPT_QUIET, OPTION_FLAG, O(quiet), 0, 0, 0,
	  "no progress lines with --wait" },
	{ "--rev", NULL, "REV", OPT_REV, OPTION_TEXT, O(rev), 0, 0, 0,
	  "a commit, branch or tag of a tracked project" },
	{ "--run", NULL, "ID", OPT_REPORT, OPTION_TEXT, O(run), 0, 0, 0,
	  "the run a report shows (default: the newest)" },
	{ "--schedule", NULL, "SPEC", OPT_PROJECT, OPTION_TEXT, O(schedule), 0,
	  0, 0, "\"daily HH:MM\", \"every 6h\" (s, m, h, d) or a 5-field cron "
	  "line, in the daemon's local time: run the matrix when the branch "
	  "head is new" },
	{ "--server", NULL, "URL", 0, OPTION_TEXT, O(server), 0, 0, 0,
	  "the daemon (default $SIZEMAT_URL, else " DEFAULT_SERVER ")" },
	{ "--since", NULL, "DATE", OPT_TREND, OPTION_TEXT, O(since), 0, 0, 0,
	  "a trend from this date (YYYY-MM-DD) on" },
	{ "--socket", NULL, "PATH", 0, OPTION_TEXT, O(socket), 0, 0, 0,
	  "reach the daemon through its Unix socket (default "
	  "$SIZEMAT_SOCKET); such requests need no token" },
	{ "--speed-metric", NULL, "M", OPT_SPEED, OPTION_TEXT,
	  O(speed_metric), 0, 0, 0, "what --max-slowdown compares "
	  "(bench.instructions: the same from run to run; bench.wall_ms)" },
	{ "--status", NULL, "ID", OPT_STATUS, OPTION_TEXT, O(status), 0, 0, 0,
	  "a bisection or search to show (with --wait, to follow)" },
	{ "--threshold", NULL, "LIMIT", OPT_THRESHOLD, OPTION_TEXT,
	  O(threshold), 0, 0, 0, "growth that counts as a regression (the "
	  "daemon's default, which 'project show' prints)" },
	{ "--trailer", NULL, "KEY|none", OPT_PROJECT, OPTION_TEXT, O(trailer),
	  0, 0, 0, "the commit trailer whose text accepts growth over the "
	  "limit (default Size-Justification; none: the project honours none)" },
	{ "--token-file", NULL, "F", 0, OPTION_TEXT, O(token_file), 0, 0, 0,
	  "the daemon's token, on the file's first line (default "
	  "$SIZEMAT_TOKEN)" },
	{ "--toolchain", NULL, "NAME", OPT_TOOLCHAIN, OPTION_TEXT,
	  O(toolchain), 0, 0, 0, "build every variant with this toolchain" },
	{ "--top", NULL, "N", OPT_TOP, OPTION_INT, O(top), 0, 1, 100000,
	  "how many rows 'best' or 'diff' prints (10), 'sizes' (20; the rest "
	  "in one row)" },
	{ "--variant", NULL, "V", OPT_VARIANT, OPTION_TEXTS, O(variant),
	  O(variants), 0, 0, "a variant key, a ladder step name, or key=value "
	  "pairs naming exactly one variant (check takes several)" },
	{ "--version", NULL, NULL, 0, OPTION_VERSION, 0, 0, 0, 0,
	  "the client's version" },
	{ "--wait", NULL, NULL, OPT_WAIT, OPTION_FLAG, O(wait), 0, 0, 0,
	  "follow the run to its end: a line per build that ends, and where "
	  "the run stands (builds left, the running build's time against what "
	  "it took before, the place in the queue), redrawn on a terminal, "
	  "else every 30 s; survives a daemon restart for up to a minute" },
	{ "--webhook", NULL, "URL", OPT_PROJECT, OPTION_LIST, O(webhooks), 0,
	  0, 0, "POST a JSON alert there for each regressing commit "
	  "(repeatable)" },
	{ "--x", NULL, "M", OPT_PARETO, OPTION_TEXT, O(pareto_x), 0, 0, 0,
	  "pareto's first measurement (file_size)" },
	{ "--y", NULL, "M", OPT_PARETO, OPTION_TEXT, O(pareto_y), 0, 0, 0,
	  "pareto's second measurement (bench.instructions, else wall_ms)" },
};
const size_t noptions = sizeof options / sizeof options[0];

/* What the help says of each command, grouped by task, in its order. */
const struct help_entry help_entries[] = {
	{ HELP_BUILD, "run", "run PROJECT [--matrix NAME|FILE] [--wait]",
	  "queue one build per variant of the matrix (default: 'default'); "
	  "--wait follows progress on stderr, then prints the ranked table. "
	  "--toolchain, --package, --bin, --example, --features, "
	  "--no-default-features and --profile apply to every variant of the "
	  "run; a library alone has nothing to measure: --example NAME "
	  "measures it through one of its examples; --any-compiler lets "
	  "any worker build it, whatever its compiler version" },
	{ HELP_BUILD, "search", "search PROJECT --matrix NAME|FILE "
	  "[--artifact NAME] [--metric M] [--budget N] [--max-slowdown P%] "
	  "[--max-build-time Nx] [--toolchain T] [--rev REV] [--wait]",
	  "the variant of an axes matrix with the smallest metric (default: "
	  "file_size) without building the whole grid: a descent from the "
	  "write-ups' combination (opt-level and codegen-units together, then "
	  "one axis at a time), then a certificate (every single-axis "
	  "neighbour of the winner and every opt-level x lto pair built); "
	  "--wait prints a line per build and the winner with its "
	  "snippet; search --status ID [--wait] follows one (docs/search.md). "
	  "--max-slowdown 10% answers with the smallest variant at most 10% "
	  "slower than release (or --baseline V) on bench.instructions (or "
	  "--speed-metric), --max-build-time 2x with one whose cold build "
	  "takes at most twice as long (docs/speed.md)" },
	{ HELP_BUILD, "matrices", "matrices",
	  "the matrices the daemon knows (profiles/*.json)" },
	{ HELP_BUILD, "toolchains", "toolchains",
	  "the cargo/rustc pairs the daemon can build with, their versions and "
	  "whether they have rust-src" },
	{ HELP_BUILD, "cancel", "cancel RUN",
	  "cancel a run's queued and running builds" },
	{ HELP_BUILD, "gc", "gc [--wait]",
	  "remove the least recently used target dirs beyond the daemon's "
	  "--disk-budget (it also does so on its own, at most once a minute)" },
	{ HELP_TRACK, "project", "project add NAME SOURCE [--branch B] "
	  "[--matrix M] [--toolchain T] [--schedule SPEC] [--threshold LIMIT] "
	  "[--webhook URL]...",
	  "track a git repository (a path or URL); the daemon keeps its own "
	  "clone and never touches SOURCE" },
	{ HELP_TRACK, "project", "project set NAME [--branch B] [--matrix M] "
	  "[--toolchain T] [--schedule SPEC] [--threshold LIMIT] "
	  "[--webhook URL]...",
	  "change what a tracked project was added with" },
	{ HELP_TRACK, "project",
	  "project list | project show NAME | project remove NAME", NULL },
	{ HELP_TRACK, "run", "run NAME [--rev REV] [--force]",
	  "build the project's matrix at a revision (default: its branch "
	  "head); a commit already measured with the same rustc is reused "
	  "unless --force" },
	{ HELP_TRACK, "trend", "trend NAME [--variant V] [--artifact A] "
	  "[--metric M] [--since DATE] [--last N]",
	  "one row per commit along the branch's first-parent history: size, "
	  "change, toolchain changes (*), and a sparkline; --json and --csv "
	  "give the same rows" },
	{ HELP_TRACK, "compare", "compare NAME REV_A REV_B "
	  "[--max-increase LIMIT] [--markdown]",
	  "every variant measured at both, sorted by change; branch names are "
	  "resolved after a fetch" },
	{ HELP_TRACK, "check", "check NAME --base REV --head REV "
	  "[--max-increase LIMIT] [--variant V]...",
	  "the CI gate: builds what is missing, compares, exits 1 when a "
	  "variant grew past the limit (default: the project's threshold, else "
	  "the daemon's) or the head failed" },
	{ HELP_TRACK, "regressions", "regressions NAME [--explain]",
	  "commits that grew past the project's threshold against the nearest "
	  "earlier measured commit: a culprit, or a range of unmeasured "
	  "commits with the bisect command that narrows it, or withdrawn; "
	  "each with why: a line of the crates and symbols that grew most "
	  "(a stripped variant's from its unstripped twin, built at both "
	  "commits), --explain for the top 10 of each" },
	{ HELP_TRACK, "report", "report PROJECT [--run ID] --html FILE | "
	  "--markdown",
	  "a project's trend and a run (default: its newest) as one "
	  "self-contained HTML file to publish, or a markdown summary of the "
	  "same numbers" },
	{ HELP_TRACK, "export", "export PROJECT [--format csv|json]",
	  "every build of a project, a row per artifact with every "
	  "measurement, for spreadsheets (CSV default)" },
	{ HELP_TRACK, "bisect", "bisect NAME --good REV --bad REV "
	  "[--variant V] [--artifact A] [--threshold LIMIT] [--wait]",
	  "find the first commit that grew past the threshold (the project's), "
	  "skipping commits that do not build; without --artifact, of each "
	  "artifact that grew past it from good to bad; its probes narrow "
	  "recorded regressions; bisect --status ID [--wait] follows one" },
	{ HELP_READ, "results", "results RUN [--wait]",
	  "every build of a run, ranked by size; --wait follows it to its end "
	  "first" },
	{ HELP_READ, "ladder", "ladder RUN",
	  "a ladder run step by step: size, saved against the previous step "
	  "and the first, a bar each" },
	{ HELP_READ, "explain", "explain RUN [--variant V] [--artifact A] "
	  "[--wait]",
	  "what each setting of the smallest variant (or V) buys: compares it "
	  "with the same build with that setting as the project would "
	  "otherwise have it (its own profile's value, else Cargo's default), "
	  "queueing the builds that are missing" },
	{ HELP_READ, "diff", "diff BUILD_A BUILD_B [--top N] [--wait]",
	  "what changed between two builds, by section, crate and symbol; "
	  "--wait builds a stripped variant again with strip=none to compare "
	  "its symbols" },
	{ HELP_READ, "verify", "verify RUN [--wait]",
	  "build each done build of the run again in a fresh target dir (a "
	  "path of another length) and say per variant whether the bytes are "
	  "identical, else by how much and in which sections and symbols; "
	  "exit 1 when one differs" },
	{ HELP_READ, "pareto", "pareto RUN|PROJECT [--x M] [--y M] "
	  "[--artifact A]",
	  "the variants of a run (or a project's current results) that no "
	  "other matches or beats on both "
	  "measurements (default: file_size against bench.instructions where "
	  "a benchmark ran, else the build's wall_ms), the front first, then "
	  "each dominated one with a variant that dominates it" },
	{ HELP_READ, "sizes", "sizes BUILD [--by crate|symbol|section] "
	  "[--top N] [--artifact A]",
	  "where a recorded build's bytes are, by crate (default), symbol or "
	  "section, from the symbol table kept with it (cargo-bloat's view, "
	  "nothing built); the rows, [unattributed] included, add up to the "
	  "sections covered. A stripped build's come from its unstripped "
	  "twin, built if none is recorded" },
	{ HELP_READ, "best", "best PROJECT [--top N]",
	  "smallest variants recorded for a project, across runs (a tracked "
	  "project's at its newest measured commit on the branch, each row "
	  "naming it)" },
	{ HELP_READ, "runs", "runs [--limit N]", "the newest runs" },
	{ HELP_READ, "status", "status", "running and queued builds, and "
	  "the daemons sharing the store" },
	{ HELP_READ, "log", "log BUILD", "the cargo log of one build" },
	{ HELP_READ, "daemon", "daemon status|stop",
	  "the daemon this client uses: its pid, socket and dashboard (exit 1 "
	  "when none runs), or stop it and wait until it has exited" },
};
const size_t nhelp_entries = sizeof help_entries / sizeof help_entries[0];
