/*
 * The daemon's configuration as one table: name, type, bounds, default and
 * target. A JSON config file and command-line flags use the same names.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sizematd.h"
#include "../common/wrap.h"

#ifndef SIZEMAT_SHAREDIR
#define SIZEMAT_SHAREDIR "/usr/local/share/sizemat"
#endif

enum config_type {
	CONFIG_STRING,
	CONFIG_INT,
	CONFIG_BOOL,
	CONFIG_LIST
};

static const struct config_entry {
	const char		*name;
	enum config_type	 type;
	long			 min;
	long			 max;
	const char		*def;		/* the default, given once */
	size_t			 offset;
	const char		*arg;		/* the value's name, for help */
	const char		*help;
} config_entries[] = {
	{ "allow-host", CONFIG_LIST, 0, 0, NULL,
	  offsetof(struct config, allow_hosts), "NAME",
	  "a Host header to accept besides the listen address and localhost "
	  "(repeatable)" },
	{ "allow-root", CONFIG_LIST, 0, 0, NULL,
	  offsetof(struct config, allow_roots), "DIR",
	  "only build projects under DIR (repeatable)" },
	{ "build-timeout", CONFIG_INT, 1, 7 * 86400, "3600",
	  offsetof(struct config, build_timeout), "S",
	  "seconds before a build is killed" },
	{ "db", CONFIG_STRING, 0, 0, NULL, offsetof(struct config, db), "PATH",
	  "SQLite database (default: STATE/sizemat.db), or a postgresql:// "
	  "URI whose password, if any, comes from PGPASSFILE, the config "
	  "file or --db-file" },
	{ "db-file", CONFIG_STRING, 0, 0, NULL,
	  offsetof(struct config, db_file), "FILE",
	  "read the database (a postgresql:// URI, password and all) from "
	  "the file's first line" },
	{ "disk-budget", CONFIG_STRING, 0, 0, "20GiB",
	  offsetof(struct config, disk_budget), "SIZE",
	  "N, NKiB, NMiB or NGiB: target dirs beyond it are removed, least "
	  "recently used first" },
	{ "grace", CONFIG_INT, 0, 86400, "30", offsetof(struct config, grace),
	  "S", "on TERM or INT, seconds running builds may take to finish "
	  "before they are killed and queued again" },
	{ "cores", CONFIG_INT, 0, 4096, "0", offsetof(struct config, cores),
	  "N", "cores the builds share through the daemon's jobserver, "
	  "whatever --jobs says (0: every online core)" },
	{ "jobs", CONFIG_STRING, 0, 0, "auto",
	  offsetof(struct config, jobs_text), "N",
	  "builds at once: auto (from the cores and the memory: the least of "
	  "the cores, 2 + cores/4 and the available memory / 2GiB, at least "
	  "1), 0 (build nothing: an API-only daemon) or 1 to 256" },
	{ "keep-artifacts", CONFIG_INT, 1, 100000, "5",
	  offsetof(struct config, keep_artifacts), "N",
	  "newest copies of each variant's artifacts kept for diff" },
	{ "keep-logs", CONFIG_INT, 1, 10000000, "5000",
	  offsetof(struct config, keep_logs), "N",
	  "cargo logs of the newest N builds kept" },
	{ "lease", CONFIG_INT, 3, 86400, "30", offsetof(struct config, lease),
	  "S", "seconds a claimed build is this daemon's without a renewal "
	  "(renewed every third of it); then another daemon sharing the "
	  "database builds it again" },
	{ "listen", CONFIG_STRING, 0, 0, NULL,
	  offsetof(struct config, listen), "HOST:PORT",
	  "address to listen on; port 0 picks one (default: 127.0.0.1:7420; "
	  "a --worker listens on nothing unless given one)" },
	{ "log-file", CONFIG_STRING, 0, 0, NULL,
	  offsetof(struct config, log_file), "PATH",
	  "log there instead of stderr; HUP reopens it" },
	{ "max-body", CONFIG_INT, 1024, 64 * 1024 * 1024, "1048576",
	  offsetof(struct config, max_body), "BYTES",
	  "largest request body" },
	{ "max-builds", CONFIG_INT, 1, 1000000, "1024",
	  offsetof(struct config, max_builds), "N",
	  "most builds one run may queue" },
	{ "max-connections", CONFIG_INT, 1, 65536, "256",
	  offsetof(struct config, max_connections), "N",
	  "most connections at once" },
	{ "max-hold", CONFIG_INT, 0, 60000, "60000",
	  offsetof(struct config, max_hold), "MS",
	  "longest a request waiting for events is held, in ms (lower it "
	  "behind a proxy that cuts idle connections)" },
	{ "min-free", CONFIG_STRING, 0, 0, "256MiB",
	  offsetof(struct config, min_free), "SIZE",
	  "a build starts only with this much free on the work dir's disk, and "
	  "fails with the reason otherwise" },
	{ "name", CONFIG_STRING, 0, 0, NULL, offsetof(struct config, name),
	  "NAME", "the name every build this daemon makes records as the "
	  "machine that made it (default: HOST:PID)" },
	{ "open-reads", CONFIG_BOOL, 0, 1, "0",
	  offsetof(struct config, open_reads), NULL,
	  "with a token, answer read-only queries without it (build logs still "
	  "need it)" },
	{ "profiles", CONFIG_STRING, 0, 0, NULL,
	  offsetof(struct config, profiles), "DIR",
	  "matrices (default: SHARE/profiles, else ./profiles)" },
	{ "socket", CONFIG_STRING, 0, 0, NULL,
	  offsetof(struct config, socket), "PATH",
	  "also listen on a Unix socket (mode 0600): its requests need no "
	  "token, since only its owner can connect" },
	{ "tcp-read-only", CONFIG_BOOL, 0, 1, "0",
	  offsetof(struct config, tcp_read_only), NULL,
	  "the TCP port answers only reads (the dashboard); changes go through "
	  "--socket" },
	{ "token-file", CONFIG_STRING, 0, 0, NULL,
	  offsetof(struct config, token_file), "F",
	  "bearer token that TCP requests must send (reads too, unless "
	  "--open-reads)" },
	{ "unstable", CONFIG_STRING, 0, 0, NULL,
	  offsetof(struct config, unstable), "bootstrap",
	  "unstable options on stable toolchains (RUSTC_BOOTSTRAP=1)" },
	{ "verbose", CONFIG_INT, 0, 2, "0", offsetof(struct config, verbose),
	  "N", "log level: 0 info, 1 debug (-v)" },
	{ "worker", CONFIG_BOOL, 0, 1, "0", offsetof(struct config, worker),
	  NULL, "build what the shared database queues and serve nothing "
	  "unless given --listen" },
	{ "workdir", CONFIG_STRING, 0, 0, NULL,
	  offsetof(struct config, workdir), "DIR",
	  "target dirs and logs (default: STATE/)" },
};
#define NCONFIG_ENTRIES (sizeof config_entries / sizeof config_entries[0])

/* Finds a config entry by name. */
static const struct config_entry *
config_entry(const char *name)
{
	size_t	 i;

	for (i = 0; i < NCONFIG_ENTRIES; i++) {
		if (strcmp(config_entries[i].name, name) == 0)
			return (&config_entries[i]);
	}
	return (NULL);
}

/* Returns the list of names, for messages. */
static char *
config_names(void)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < NCONFIG_ENTRIES; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", config_entries[i].name);
	return (b.data);
}

/*
 * Returns the flags' help text, generated from the table: each flag, its
 * value's name, what it does and its default.
 */
const char *
config_usage(void)
{
	static char	*text;
	const struct config_entry *e;
	size_t		 i, len;
	char		*head, *desc;
	FILE		*f;

	if (text != NULL)
		return (text);
	if ((f = open_memstream(&text, &len)) == NULL)
		fatal("open_memstream");
	for (i = 0; i < NCONFIG_ENTRIES; i++) {
		e = &config_entries[i];
		xasprintf(&head, "--%s%s%s", e->name, e->arg ? " " : "",
		    e->arg ? e->arg : "");
		if (e->def != NULL && e->type != CONFIG_BOOL)
			xasprintf(&desc, "%s (default: %s)", e->help, e->def);
		else
			desc = xstrdup(e->help);
		wrap_entry(f, head, desc, 21, 21);
		free(head);
		free(desc);
	}
	fclose(f);
	return (text);
}

/* Sets one entry from text, checking type and bounds. */
int
config_set(struct config *c, const char *name, const char *value,
    char **cause)
{
	const struct config_entry	*e;
	char				*end, *names;
	long				 n;

	if ((e = config_entry(name)) == NULL) {
		names = config_names();
		xasprintf(cause, "%s: unknown setting; known: %s", name, names);
		free(names);
		return (-1);
	}
	switch (e->type) {
	case CONFIG_STRING:
		if (*value == '\0') {
			xasprintf(cause, "%s: must not be empty", name);
			return (-1);
		}
		free(*(char **)((char *)c + e->offset));
		*(char **)((char *)c + e->offset) = xstrdup(value);
		break;
	case CONFIG_BOOL:
		if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0)
			n = 1;
		else if (strcmp(value, "0") == 0 ||
		    strcmp(value, "false") == 0)
			n = 0;
		else {
			xasprintf(cause, "%s: \"%s\" is not true or false",
			    name, value);
			return (-1);
		}
		*(int *)((char *)c + e->offset) = (int)n;
		break;
	case CONFIG_INT:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < e->min ||
		    n > e->max) {
			xasprintf(cause, "%s: \"%s\" is not a whole number from "
			    "%ld to %ld", name, value, e->min, e->max);
			return (-1);
		}
		*(int *)((char *)c + e->offset) = (int)n;
		break;
	case CONFIG_LIST:
		strlist_add((struct strlist *)((char *)c + e->offset), value);
		break;
	}
	return (0);
}

/* Tells whether a setting is a switch, given as a flag without a value. */
int
config_is_switch(const char *name)
{
	const struct config_entry	*e = config_entry(name);

	return (e != NULL && e->type == CONFIG_BOOL);
}

/*
 * Says why a flag is not a setting: what to try, and the nearest name
 * when it looks like a typo. NULL when it is one (or "config").
 */
char *
config_unknown(const char *name)
{
	const char	*near = NULL;
	char		*why;
	size_t		 i;

	if (strcmp(name, "config") == 0 || config_entry(name) != NULL)
		return (NULL);
	for (i = 0; i < NCONFIG_ENTRIES && near == NULL; i++) {
		if (words_near(name, config_entries[i].name))
			near = config_entries[i].name;
	}
	xasprintf(&why, "unknown flag --%s%s%s%s; try 'sizematd --help'", name,
	    near ? "; did you mean --" : "", near ? near : "", near ? "?" : "");
	return (why);
}

/* Fills in the table's defaults. */
void
config_defaults(struct config *c)
{
	size_t	 i;
	char	*cause;

	memset(c, 0, sizeof *c);
	for (i = 0; i < NCONFIG_ENTRIES; i++) {
		if (config_entries[i].def != NULL &&
		    config_set(c, config_entries[i].name,
		    config_entries[i].def, &cause) != 0)
			fatalx("config default: %s", cause);
	}
}

/* Appends a line to the collected errors. */
static void
config_error(struct buf *errors, const char *file, const char *msg)
{
	buf_printf(errors, "%s%s: %s", errors->len ? "\n" : "", file, msg);
}

/*
 * Loads a JSON config file; every error is collected, each as
 * "file: key: message", before failing.
 */
int
config_load_file(struct config *c, const char *path, char **cause)
{
	const struct config_entry	*e;
	struct buf			 errors;
	char				*msg, *value;
	cJSON				*doc, *item, *v;

	free(c->config_file);
	c->config_file = xstrdup(path);
	if ((doc = json_load_file(path, 1 << 20, cause)) == NULL)
		return (-1);
	buf_init(&errors);
	if (!cJSON_IsObject(doc))
		config_error(&errors, path, "must be a JSON object");
	cJSON_ArrayForEach(item, doc) {
		if (strcmp(item->string, "toolchains") == 0) {
			/* Checked by the toolchain module, which owns them. */
			cJSON_Delete(c->toolchains);
			c->toolchains = cJSON_Duplicate(item, 1);
			continue;
		}
		if (cJSON_IsArray(item)) {
			cJSON_ArrayForEach(v, item) {
				if (!cJSON_IsString(v)) {
					xasprintf(&msg, "%s: list entries "
					    "must be strings", item->string);
					config_error(&errors, path, msg);
					free(msg);
				} else if (config_set(c, item->string,
				    v->valuestring, &msg) != 0) {
					config_error(&errors, path, msg);
					free(msg);
				}
			}
			continue;
		}
		e = config_entry(item->string);
		if (e != NULL && e->type == CONFIG_BOOL &&
		    !cJSON_IsBool(item)) {
			xasprintf(&msg, "%s: must be true or false",
			    item->string);
			config_error(&errors, path, msg);
			free(msg);
			continue;
		}
		/* A number stands for its digits: "jobs": 2, "jobs": "auto". */
		if (e != NULL && e->type == CONFIG_STRING &&
		    !cJSON_IsString(item) && !cJSON_IsNumber(item)) {
			xasprintf(&msg, "%s: must be a string", item->string);
			config_error(&errors, path, msg);
			free(msg);
			continue;
		}
		if (cJSON_IsString(item))
			value = xstrdup(item->valuestring);
		else if (cJSON_IsNumber(item))
			xasprintf(&value, "%.0f", item->valuedouble);
		else if (cJSON_IsBool(item))
			value = xstrdup(cJSON_IsTrue(item) ? "1" : "0");
		else {
			xasprintf(&msg, "%s: must be a string or a number",
			    item->string);
			config_error(&errors, path, msg);
			free(msg);
			continue;
		}
		if (cJSON_IsNumber(item) &&
		    item->valuedouble != (double)(long)item->valuedouble) {
			xasprintf(&msg, "%s: must be a whole number",
			    item->string);
			config_error(&errors, path, msg);
			free(msg);
		} else if (config_set(c, item->string, value, &msg) != 0) {
			config_error(&errors, path, msg);
			free(msg);
		}
		free(value);
	}
	cJSON_Delete(doc);
	if (errors.len > 0) {
		*cause = errors.data;
		return (-1);
	}
	buf_free(&errors);
	return (0);
}

/*
 * Returns the profiles of the source tree a daemon runs from (its build
 * dir's parent has profiles/), so that one started by the client from a
 * build finds them wherever it runs; NULL when there are none.
 */
static char *
config_tree_profiles(void)
{
	struct stat	 sb;
	char		 self[4096], *slash, *dir;
	ssize_t		 n;

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0)
		return (NULL);
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return (NULL);
	*slash = '\0';
	xasprintf(&dir, "%s/../profiles", self);
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		return (dir);
	free(dir);
	return (NULL);
}

/* Returns an absolute copy of a path. */
static char *
config_absolute(const char *path)
{
	char	 cwd[PATH_MAX], *abs;

	if (path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return (xstrdup(path));
	xasprintf(&abs, "%s/%s", cwd, path);
	return (abs);
}

/* Tells whether a listen host is a loopback address. */
int
config_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}

/* Reads the token file: its first line, of at least 16 characters. */
static int
config_read_token(struct config *c, char **cause)
{
	char	*line, *why;

	if ((line = token_file_read(c->token_file, &why)) == NULL) {
		xasprintf(cause, "token-file: %s", why);
		free(why);
		return (-1);
	}
	if (strlen(line) < 16) {
		xasprintf(cause, "token-file: %s: the token must be at least "
		    "16 characters on the first line", c->token_file);
		free(line);
		return (-1);
	}
	c->token = line;
	return (0);
}

/*
 * Reads the database's name from --db-file's first line. The file holds a
 * password: one that others may read is refused.
 */
static int
config_read_db(struct config *c, char **cause)
{
	struct stat	 sb;
	char		*line, *why;

	if (stat(c->db_file, &sb) == 0 && (sb.st_mode & 077) != 0) {
		xasprintf(cause, "db-file: %s may be read by others (mode %04o);"
		    " 'chmod 600 %s' first", c->db_file,
		    (unsigned int)(sb.st_mode & 07777), c->db_file);
		return (-1);
	}
	if ((line = token_file_read(c->db_file, &why)) == NULL) {
		xasprintf(cause, "db-file: %s", why);
		free(why);
		return (-1);
	}
	if (*line == '\0') {
		xasprintf(cause, "db-file: %s: the first line is empty; it "
		    "should name the database", c->db_file);
		free(line);
		return (-1);
	}
	free(c->db);
	c->db = line;
	return (0);
}

/*
 * The name builds record as the machine that made them: --name, else
 * HOST:PID. A name is printable and at most 128 bytes.
 */
static int
config_name(struct config *c, char **cause)
{
	char		 host[256];
	const char	*p;

	if (c->name == NULL) {
		if (gethostname(host, sizeof host) != 0)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		free(c->name);
		xasprintf(&c->name, "%s:%ld", host, (long)getpid());
		return (0);
	}
	for (p = c->name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			break;
	if (*c->name == '\0' || *p != '\0' || strlen(c->name) > 128) {
		xasprintf(cause, "name: \"%s\" is not a name: 1 to 128 "
		    "printable characters", c->name);
		return (-1);
	}
	return (0);
}

/* The memory the system can give, from /proc/meminfo; -1 when unknown. */
static int64_t
config_mem_available(void)
{
	FILE		*f;
	char		 line[256];
	long long	 kib = -1;

	if ((f = fopen("/proc/meminfo", "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return (kib < 0 ? -1 : (int64_t)kib * 1024);
}

/*
 * Resolves --cores (0: every online core) and --jobs: auto is the least
 * of the cores, 2 + cores/4 (past that, builds mostly wait for each
 * other's cores) and the available memory over 2 GiB (what a fat-LTO
 * link of a large crate may take), at least 1.
 */
static int
config_jobs(struct config *c, char **cause)
{
	char		*end;
	int64_t		 mem;
	long		 online, n;

	if (c->cores == 0) {
		online = sysconf(_SC_NPROCESSORS_ONLN);
		c->cores = online > 0 ? (int)(online < 4096 ? online : 4096) :
		    1;
	}
	if (strcmp(c->jobs_text, "auto") == 0) {
		n = c->cores < 2 + c->cores / 4 ? c->cores : 2 + c->cores / 4;
		mem = config_mem_available();
		if (mem > 0 && mem / ((int64_t)2 << 30) < n)
			n = (long)(mem / ((int64_t)2 << 30));
		c->jobs = n < 1 ? 1 : (int)n;
		return (0);
	}
	errno = 0;
	n = strtol(c->jobs_text, &end, 10);
	if (errno != 0 || end == c->jobs_text || *end != '\0' || n < 0 ||
	    n > 256) {
		xasprintf(cause, "jobs: \"%s\" is not allowed; give auto, 0 "
		    "(build nothing) or 1 to 256", c->jobs_text);
		return (-1);
	}
	c->jobs = (int)n;
	return (0);
}

/* Reads a size: N bytes, or N with KiB, MiB or GiB; at least 1 MiB. */
static int
config_size(const char *s, int64_t *out)
{
	static const struct { const char *unit; int64_t mult; } units[] = {
		{ "", 1 }, { "B", 1 }, { "KiB", 1024 }, { "MiB", 1 << 20 },
		{ "GiB", (int64_t)1 << 30 }, { "TiB", (int64_t)1 << 40 },
	};
	char		*end;
	long long	 n;
	size_t		 i;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || n < 0)
		return (-1);
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (n > INT64_MAX / units[i].mult)
			return (-1);
		*out = n * units[i].mult;
		return (*out >= (1 << 20) ? 0 : -1);
	}
	return (-1);
}

/*
 * Fills in the paths not given (state dir, database, profiles) and makes
 * every path absolute.
 */
static void
config_paths(struct config *c)
{
	const char	*state, *home;
	char		*base, *p;
	struct stat	 sb;
	size_t		 i;

	if ((state = getenv("XDG_STATE_HOME")) != NULL && *state == '/')
		xasprintf(&base, "%s/sizemat", state);
	else if ((home = getenv("HOME")) != NULL)
		xasprintf(&base, "%s/.local/state/sizemat", home);
	else
		base = xstrdup("./sizemat-state");
	if (c->workdir == NULL)
		c->workdir = xstrdup(base);
	if (c->db == NULL)
		xasprintf(&c->db, "%s/sizemat.db", base);
	free(base);
	if (c->profiles == NULL) {
		if (stat(SIZEMAT_SHAREDIR "/profiles", &sb) == 0 &&
		    S_ISDIR(sb.st_mode))
			c->profiles = xstrdup(SIZEMAT_SHAREDIR "/profiles");
		else if ((p = config_tree_profiles()) != NULL)
			c->profiles = p;
		else
			c->profiles = xstrdup("profiles");
	}
	p = config_absolute(c->workdir);
	free(c->workdir);
	c->workdir = p;
	p = config_absolute(c->profiles);
	free(c->profiles);
	c->profiles = p;
	for (i = 0; i < c->allow_roots.n; i++) {
		p = config_absolute(c->allow_roots.v[i]);
		free(c->allow_roots.v[i]);
		c->allow_roots.v[i] = p;
	}
}

/* Reads --listen: HOST:PORT, with an IPv6 host in brackets. */
static int
config_listen(struct config *c, char **cause)
{
	const char	*colon;
	char		*end;
	long		 port;

	if (c->listen[0] == '[') {
		if ((colon = strstr(c->listen, "]:")) == NULL)
			goto bad;
		c->listen_host = xstrndup(c->listen + 1,
		    (size_t)(colon - c->listen - 1));
		colon++;
	} else {
		if ((colon = strrchr(c->listen, ':')) == NULL)
			goto bad;
		c->listen_host = xstrndup(c->listen,
		    (size_t)(colon - c->listen));
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 0 ||
	    port > 65535)
		goto bad;
	c->listen_port = (int)port;
	return (0);
bad:
	xasprintf(cause, "listen: \"%s\" is not HOST:PORT (for example "
	    "127.0.0.1:7420, [::1]:7420, 127.0.0.1:0 for a free port)",
	    c->listen);
	return (-1);
}

/* Makes the socket's and the log's paths absolute. */
static int
config_finish_paths(struct config *c)
{
	char	*p;

	if (c->socket != NULL) {
		p = config_absolute(c->socket);
		free(c->socket);
		c->socket = p;
	}
	if (c->log_file != NULL) {
		p = config_absolute(c->log_file);
		free(c->log_file);
		c->log_file = p;
	}
	return (0);
}

/* Fills in derived defaults and checks what only the whole can tell. */
int
config_finish(struct config *c, char **cause)
{
	config_paths(c);
	if (c->listen == NULL && !c->worker)
		c->listen = xstrdup("127.0.0.1:7420");
	if (c->listen != NULL && config_listen(c, cause) != 0)
		return (-1);
	if (c->listen == NULL && c->socket != NULL) {
		xasprintf(cause, "socket: a worker serves nothing unless given "
		    "--listen too");
		return (-1);
	}
	if (c->token_file != NULL && config_read_token(c, cause) != 0)
		return (-1);
	if (c->db_file != NULL && config_read_db(c, cause) != 0)
		return (-1);
	free(c->db_name);
	c->db_name = store_safe_name(c->db);
	if (config_name(c, cause) != 0)
		return (-1);
	if (config_size(c->disk_budget, &c->disk_budget_bytes) != 0) {
		xasprintf(cause, "disk-budget: \"%s\" is not a size (N bytes, "
		    "NKiB, NMiB or NGiB, at least 1MiB)", c->disk_budget);
		return (-1);
	}
	if (config_jobs(c, cause) != 0)
		return (-1);
	if (config_size(c->min_free, &c->min_free_bytes) != 0) {
		xasprintf(cause, "min-free: \"%s\" is not a size (N bytes, "
		    "NKiB, NMiB or NGiB, at least 1MiB)", c->min_free);
		return (-1);
	}
	if (c->unstable != NULL && strcmp(c->unstable, "bootstrap") != 0) {
		xasprintf(cause, "unstable: \"%s\" is not allowed; the only "
		    "value is \"bootstrap\"", c->unstable);
		return (-1);
	}
	if (c->worker && c->jobs == 0) {
		xasprintf(cause, "jobs: a worker that builds nothing (--jobs 0) "
		    "has nothing to do; give it build slots");
		return (-1);
	}
	if (c->listen_host == NULL)
		return (config_finish_paths(c));
	if (!config_loopback(c->listen_host) && c->token == NULL) {
		xasprintf(cause, "listen: %s is not a loopback address; "
		    "listening there needs --token-file", c->listen_host);
		return (-1);
	}
	if (!config_loopback(c->listen_host) && c->allow_roots.n == 0) {
		xasprintf(cause, "listen: %s is not a loopback address; "
		    "listening there needs at least one --allow-root, so that "
		    "a request cannot build any directory", c->listen_host);
		return (-1);
	}
	if (c->tcp_read_only && c->socket == NULL) {
		xasprintf(cause, "tcp-read-only: changes would have no way in; "
		    "give --socket PATH too");
		return (-1);
	}
	return (config_finish_paths(c));
}

/* Frees what the config holds. */
void
config_free(struct config *c)
{
	free(c->config_file);
	free(c->db);
	free(c->db_file);
	free(c->db_name);
	free(c->name);
	free(c->listen);
	free(c->workdir);
	free(c->profiles);
	free(c->token_file);
	free(c->token);
	free(c->listen_host);
	free(c->unstable);
	free(c->disk_budget);
	free(c->jobs_text);
	free(c->min_free);
	free(c->socket);
	free(c->log_file);
	cJSON_Delete(c->toolchains);
	strlist_free(&c->allow_roots);
	strlist_free(&c->allow_hosts);
}
