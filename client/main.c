/*
 * sizemat: reads the command line by the tables of commands.c (each
 * command says which options it takes), finds or starts the daemon and
 * runs the command.
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

/* Suggests the command or option nearest to a word not known. */
static const char *
suggest(const char *word)
{
	const char	*best = NULL, *name;
	size_t		 i;
	int		 d, bestd = 10;

	for (i = 0; i < ncommands + noptions; i++) {
		name = i < ncommands ? commands[i].name :
		    options[i - ncommands].name;
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

/* Finds an option by its name or its short alias. */
static const struct option_spec *
option_find(const char *arg)
{
	size_t	 i;

	for (i = 0; i < noptions; i++) {
		if (strcmp(options[i].name, arg) == 0 ||
		    (options[i].alias != NULL &&
		    strcmp(options[i].alias, arg) == 0))
			return (&options[i]);
	}
	return (NULL);
}

/* Sets the output format once: --json, --csv, --markdown or --format F. */
static int
option_format(struct options *o, const struct option_spec *s,
    const char *value)
{
	int	 f = s->lo;

	if (f < 0) {
		if (value == NULL || (strcmp(value, "csv") != 0 &&
		    strcmp(value, "json") != 0 &&
		    strcmp(value, "markdown") != 0))
			return (usage_error("--format takes csv, json or "
			    "markdown"));
		f = value[0] == 'c' ? FORMAT_CSV : value[0] == 'j' ?
		    FORMAT_JSON : FORMAT_MARKDOWN;
	}
	if (o->given & OPT_FORMAT)
		return (usage_error("choose one of --json, --csv, --markdown "
		    "and --format"));
	o->format = (enum output_format)f;
	return (0);
}

/* Appends a value to an option's list. */
static void
option_append(struct options *o, size_t offset, const char *value)
{
	struct strlist_c	*list;

	list = (struct strlist_c *)((char *)o + offset);
	list->v = xreallocarray(list->v, (size_t)list->n + 1,
	    sizeof *list->v);
	list->v[list->n++] = value;
}

/*
 * Reads one option and its value (when it takes one) into o. Returns the
 * arguments it took (1 or 2), or -1 after a usage error.
 */
static int
option_read(struct options *o, const struct option_spec *s,
    const char *value)
{
	char	*field = (char *)o + s->offset;

	if (s->arg != NULL && value == NULL) {
		usage_error("%s needs a value", s->name);
		return (-1);
	}
	switch (s->kind) {
	case OPTION_TEXT:
		*(const char **)field = value;
		if (s->offset == offsetof(struct options, server))
			o->server_given = 1;
		break;
	case OPTION_LIST:
		option_append(o, s->offset, value);
		break;
	case OPTION_TEXTS:
		*(const char **)field = value;
		option_append(o, s->list, value);
		break;
	case OPTION_INT:
		if (parse_int(s->name, value, s->lo, s->hi, (int *)field) != 0)
			return (-1);
		break;
	case OPTION_FLAG:
		*(int *)field = 1;
		break;
	case OPTION_FORMAT:
		if (option_format(o, s, value) != 0)
			return (-1);
		break;
	case OPTION_HELP:
	case OPTION_VERSION:
		break;
	}
	o->given |= s->bit;
	return (s->arg != NULL ? 2 : 1);
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
 * Reads the command line into o: its options, the command (NULL for
 * none) and the arguments. Returns -1 to go on, else the exit code (a
 * usage error, --help, --version).
 */
static int
client_parse(struct options *o, int argc, char **argv,
    const struct command **cmd)
{
	const struct option_spec	*s;
	const char			*arg, *near;
	size_t				 i;
	int				 n, took, want_help = 0;

	for (n = 1; n < argc; n += took) {
		arg = argv[n];
		took = 1;
		if ((s = option_find(arg)) != NULL) {
			if (s->kind == OPTION_VERSION) {
				printf("sizemat %s\n", SIZEMAT_VERSION);
				return (EXIT_OK);
			}
			want_help |= s->kind == OPTION_HELP;
			took = option_read(o, s, n + 1 < argc ? argv[n + 1] :
			    NULL);
			if (took < 0)
				return (EXIT_USAGE);
		} else if (arg[0] == '-' && arg[1] != '\0') {
			near = suggest(arg);
			return (usage_error("unknown option \"%s\"%s%s%s", arg,
			    near ? "; did you mean " : "", near ? near : "",
			    near ? "?" : ""));
		} else if (*cmd == NULL && !want_help &&
		    strcmp(arg, "help") == 0)
			want_help = 1;
		else if (*cmd == NULL) {
			for (i = 0; i < ncommands && *cmd == NULL; i++) {
				if (strcmp(commands[i].name, arg) == 0)
					*cmd = &commands[i];
			}
			if (*cmd == NULL && (near = suggest(arg)) != NULL)
				return (usage_error("unknown command \"%s\"; did "
				    "you mean \"%s\"?", arg, near));
			if (*cmd == NULL)
				return (usage_error("unknown command \"%s\"",
				    arg));
		} else
			o->args[o->nargs++] = argv[n];
	}
	if (want_help) {
		/* sizemat help [CMD], sizemat [CMD] --help */
		if (*cmd != NULL)
			usage_command(stdout, *cmd);
		else
			usage(stdout);
		return (EXIT_OK);
	}
	if (*cmd == NULL) {
		usage_short(stderr);
		return (EXIT_USAGE);
	}
	return (-1);
}

/*
 * Reads the command line into o, then runs the command; returns the exit
 * code. What o holds is freed by the caller.
 */
static int
client_run(struct options *o, int argc, char **argv)
{
	const struct command	*cmd = NULL;
	int			 rc;

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
	if ((rc = client_parse(o, argc, argv, &cmd)) >= 0)
		return (rc);
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
