/*
 * Schedules of tracked projects: "daily HH:MM", "every N(s|m|h|d)" or a
 * 5-field cron line (minute hour day-of-month month day-of-week, with
 * "*", lists, ranges and steps), in the daemon's local time.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sizematd.h"

static const char schedule_syntax[] = "a schedule is \"daily HH:MM\", "
    "\"every N\" with a unit (s, m, h or d, as in \"every 6h\"), or a "
    "5-field cron line (\"0 3 * * 1-5\")";

static const struct {
	const char	*name;
	int		 lo, hi;
} schedule_fields[5] = {
	{ "minute", 0, 59 },
	{ "hour", 0, 23 },
	{ "day of month", 1, 31 },
	{ "month", 1, 12 },
	{ "day of week", 0, 7 },
};

/* Reads a number from *s within [lo, hi]. */
static int
schedule_number(const char **s, int lo, int hi, int *v)
{
	char	*end;
	long	 n;

	if (!isdigit((unsigned char)**s))
		return (-1);
	n = strtol(*s, &end, 10);
	if (n < lo || n > hi)
		return (-1);
	*s = end;
	*v = (int)n;
	return (0);
}

/* Parses one cron field into a bit mask. */
static int
schedule_field(const char *text, int f, uint64_t *mask, char **cause)
{
	const char	*s = text;
	int		 lo, hi, step, i;

	*mask = 0;
	for (;;) {
		lo = schedule_fields[f].lo;
		hi = schedule_fields[f].hi;
		step = 1;
		if (*s == '*')
			s++;
		else {
			if (schedule_number(&s, lo, hi, &lo) != 0)
				goto bad;
			hi = lo;
			if (*s == '-') {
				s++;
				if (schedule_number(&s, lo, schedule_fields[f].hi,
				    &hi) != 0)
					goto bad;
			}
		}
		if (*s == '/') {
			s++;
			if (schedule_number(&s, 1, 60, &step) != 0)
				goto bad;
			if (text[0] != '*' && hi == lo)
				hi = schedule_fields[f].hi;
		}
		for (i = lo; i <= hi; i += step)
			*mask |= (uint64_t)1 << i;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			goto bad;
	}
	if (f == 4 && (*mask & ((uint64_t)1 << 7)))
		*mask |= 1;		/* 7 is Sunday too */
	return (0);
bad:
	xasprintf(cause, "cron %s field \"%s\" is not valid (%d-%d, *, lists,"
	    " ranges and /steps); %s", schedule_fields[f].name, text,
	    schedule_fields[f].lo, schedule_fields[f].hi, schedule_syntax);
	return (-1);
}

/* Parses a schedule. */
int
schedule_parse(const char *spec, struct schedule *sc, char **cause)
{
	char		*copy, *field[7], *p, *end;
	int		 n = 0, h, m, i;
	long		 v;

	memset(sc, 0, sizeof *sc);
	if (spec == NULL || *spec == '\0') {
		xasprintf(cause, "empty; %s", schedule_syntax);
		return (-1);
	}
	/* Up to six words, so a seventh field is seen as one too many. */
	copy = xstrdup(spec);
	p = copy;
	while (n < 6) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		field[n++] = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
	}
	field[n] = NULL;
	if (n == 2 && strcmp(field[0], "daily") == 0) {
		if (sscanf(field[1], "%d:%d", &h, &m) != 2 || h < 0 ||
		    h > 23 || m < 0 || m > 59 || strlen(field[1]) != 5)
			goto bad;
		sc->kind = SCHEDULE_CRON;
		sc->mask[0] = (uint64_t)1 << m;
		sc->mask[1] = (uint64_t)1 << h;
		sc->mask[2] = sc->mask[3] = sc->mask[4] = ~(uint64_t)0;
		free(copy);
		return (0);
	}
	if (n == 2 && strcmp(field[0], "every") == 0) {
		v = strtol(field[1], &end, 10);
		if (end == field[1] || v <= 0 || v > 100000)
			goto bad;
		if (strcmp(end, "s") == 0)
			sc->every = v;
		else if (strcmp(end, "m") == 0)
			sc->every = v * 60;
		else if (strcmp(end, "h") == 0)
			sc->every = v * 3600;
		else if (strcmp(end, "d") == 0)
			sc->every = v * 86400;
		else
			goto bad;
		sc->kind = SCHEDULE_EVERY;
		free(copy);
		return (0);
	}
	if (n == 5) {
		for (i = 0; i < 5; i++) {
			if (schedule_field(field[i], i, &sc->mask[i],
			    cause) != 0) {
				free(copy);
				return (-1);
			}
		}
		sc->kind = SCHEDULE_CRON;
		/* As cron: two restricted day fields mean either day. */
		sc->either_day = field[2][0] != '*' && field[4][0] != '*';
		free(copy);
		return (0);
	}
bad:
	xasprintf(cause, "\"%s\" is not a schedule; %s", spec,
	    schedule_syntax);
	free(copy);
	return (-1);
}

/* Returns the first time strictly after "after" the schedule fires. */
time_t
schedule_next(const struct schedule *sc, time_t after)
{
	struct tm	 tm;
	time_t		 t;
	int		 i, dom, dow;

	if (sc->kind == SCHEDULE_EVERY)
		return (after + sc->every);
	/* Whole minutes, at most a year and a bit ahead. */
	t = after - after % 60 + 60;
	for (i = 0; i < 366 * 24 * 60 + 1; i++, t += 60) {
		localtime_r(&t, &tm);
		if ((sc->mask[0] & ((uint64_t)1 << tm.tm_min)) &&
		    (sc->mask[1] & ((uint64_t)1 << tm.tm_hour)) &&
		    (sc->mask[3] & ((uint64_t)1 << (tm.tm_mon + 1)))) {
			dom = (sc->mask[2] & ((uint64_t)1 << tm.tm_mday)) != 0;
			dow = (sc->mask[4] & ((uint64_t)1 << tm.tm_wday)) != 0;
			if (sc->either_day ? (dom || dow) : (dom && dow))
				return (t);
		}
	}
	return (after + 366 * 86400);
}
