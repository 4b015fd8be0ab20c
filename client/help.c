/*
 * sizemat's help, printed from the tables of commands.c: the whole help
 * grouped by task, one command's, and the short usage of a bare sizemat.
 * Text is wrapped here, so the tables hold it unwrapped.
 */
#include <stdio.h>
#include <string.h>

#include "sizemat.h"
#include "../common/wrap.h"

#define HELP_TEXT_COL	24	/* where what an entry does starts */
#define HELP_MORE	10	/* where a long synopsis goes on */

static const char *const help_groups[] = {
	"Build a project across a matrix:",
	"Track a project over time (NAME: a tracked project):",
	"Read results:",
};

static const char help_intro[] =
"Find the Cargo profile settings that make a Rust binary smallest. The\n"
"sizematd daemon runs the builds and records every size; this client asks.\n";

static const char help_daemon[] =
"Without --server or --socket (or SIZEMAT_URL, SIZEMAT_SOCKET) the client\n"
"tries your socket ($XDG_RUNTIME_DIR/sizemat/sizematd.sock), then\n"
DEFAULT_SERVER "; when none answers it starts sizematd on that\n"
"socket and a free loopback port (the dashboard), and says so once\n"
"(--no-start: it does not).\n";

static const char help_notes[] =
"PROJECT is a path when it has a '/' or names a directory, else a tracked\n"
"project's name. LIMIT is N bytes, NKiB, NMiB or N%; A,B means both.\n"
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
"unreachable or an error reply. A check or compare over its limit exits 0\n"
"when the head commit carries the project's justification trailer\n"
"(Size-Justification: by default).\n";

/* Prints an option's entry: "--name ARG, -a" and what it does. */
static void
help_option(FILE *f, const struct option_spec *o)
{
	char	 head[64];

	snprintf(head, sizeof head, "%s%s%s%s%s", o->name, o->arg ? " " : "",
	    o->arg ? o->arg : "", o->alias ? ", " : "",
	    o->alias ? o->alias : "");
	wrap_entry(f, head, o->help, HELP_TEXT_COL, HELP_MORE);
}

/* Prints the whole help, grouped by task. */
void
usage(FILE *f)
{
	size_t	 g, i;

	fputs("usage: sizemat [--server URL] COMMAND [ARGS] "
	    "[--json|--csv|--markdown]\n\n", f);
	fputs(help_intro, f);
	for (g = 0; g < sizeof help_groups / sizeof help_groups[0]; g++) {
		fprintf(f, "\n%s\n", help_groups[g]);
		for (i = 0; i < nhelp_entries; i++) {
			if (help_entries[i].group == g)
				wrap_entry(f, help_entries[i].synopsis,
				    help_entries[i].text, HELP_TEXT_COL,
				    HELP_MORE);
		}
	}
	fputc('\n', f);
	fputs(help_daemon, f);
	fputs("\nOptions:\n", f);
	for (i = 0; i < noptions; i++)
		help_option(f, &options[i]);
	fputc('\n', f);
	fputs(help_notes, f);
}

/*
 * Prints one command's help: its usage, what the help says of it, and the
 * options it takes.
 */
void
usage_command(FILE *f, const struct command *cmd)
{
	size_t	 i;

	fprintf(f, "usage: sizemat %s\n\n", cmd->usage);
	for (i = 0; i < nhelp_entries; i++) {
		if (strcmp(help_entries[i].command, cmd->name) == 0)
			wrap_entry(f, help_entries[i].synopsis,
			    help_entries[i].text, HELP_TEXT_COL, HELP_MORE);
	}
	fputs("\nOptions:\n", f);
	for (i = 0; i < noptions; i++) {
		if (options[i].bit != 0 && (options[i].bit & cmd->opts))
			help_option(f, &options[i]);
	}
	fputs("\nEvery command also takes --server, --socket, --token-file and "
	    "--no-start;\n'sizemat --help' says what they do, and the exit "
	    "codes.\n", f);
}

/* The short usage of a bare 'sizemat'. */
void
usage_short(FILE *f)
{
	fputs("usage: sizemat COMMAND [ARGS] [OPTIONS]\n"
	    "  run PROJECT [--matrix NAME] --wait   build a matrix and rank it\n"
	    "  results RUN | ladder RUN | explain RUN | best PROJECT\n"
	    "  project add NAME SOURCE | trend NAME | check NAME | bisect NAME\n"
	    "'sizemat help' lists every command, 'sizemat help COMMAND' "
	    "explains one\n", f);
}
