/* Levelled logging to stderr, with the level checked before formatting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"

static int log_verbose;
static FILE *log_file;		/* NULL: stderr */

static void log_vwrite(const char *, const char *, int, const char *, va_list)
    __attribute__((format(printf, 4, 0)));

/* Sets how much is logged: 0 info and up, 1 debug too. */
void
log_init(int verbose)
{
	log_verbose = verbose;
}

/*
 * Sends log lines to a file, appending; a second call reopens it (after
 * logrotate moved it away). The old file is kept when the new one fails.
 */
int
log_open(const char *path)
{
	FILE	*f;

	if ((f = fopen(path, "a")) == NULL)
		return (-1);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	return (0);
}

/* Writes one log line with a time stamp, and strerror when errnum is set. */
static void
log_vwrite(const char *level, const char *suffix, int errnum, const char *fmt,
    va_list ap)
{
	FILE		*out = log_file != NULL ? log_file : stderr;
	char		 stamp[32];
	time_t		 now;
	struct tm	 tm;

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, "%s sizematd[%s] ", stamp, level);
	vfprintf(out, fmt, ap);
	if (errnum != 0)
		fprintf(out, ": %s", strerror(errnum));
	fprintf(out, "%s\n", suffix);
	fflush(out);
}

/* Logs a debug line when -v was given. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vwrite("debug", "", 0, fmt, ap);
	va_end(ap);
}

/* Logs an informational line. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite("info", "", 0, fmt, ap);
	va_end(ap);
}

/* Logs a warning with the current errno's text. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite("warn", "", saved, fmt, ap);
	va_end(ap);
}

/* Logs a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite("warn", "", 0, fmt, ap);
	va_end(ap);
}

/* Logs an error with errno's text and exits. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite("fatal", "", saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Logs an error and exits. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite("fatal", "", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
