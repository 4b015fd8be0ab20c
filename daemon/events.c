/*
 * The queue's events as clients see them: each event the queue emits (a
 * build started, a build ended, a run settled) gets a number, and the
 * newest EVENTS_KEEP are kept, so that a client waiting on
 * GET /v1/runs/{id}/events learns at once what happened after the last
 * number it saw, instead of asking again and again. The server is woken
 * at each event to answer the requests that wait for one.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

#define EVENTS_KEEP	1024

struct event {
	uint64_t		 seq;
	enum queue_event	 type;
	int64_t			 build;		/* 0 for a run's event */
	int64_t			 run;
};

struct events {
	struct store	*store;
	struct event	 ring[EVENTS_KEEP];
	uint64_t	 seq;		/* the newest event's number */
	void		(*wake)(void *);
	void		*wake_arg;
};

static const char *const events_names[] = {
	[QUEUE_BUILD_STARTED] = "build_started",
	[QUEUE_BUILD_ENDED] = "build_ended",
	[QUEUE_RUN_SETTLED] = "run_settled",
	[QUEUE_BENCH_ENDED] = "bench_ended",
};

struct events *
events_create(struct store *st)
{
	struct events	*e;

	e = xcalloc(1, sizeof *e);
	e->store = st;
	return (e);
}

void
events_free(struct events *e)
{
	free(e);
}

/* Who is woken at each event (the server, to answer waiting requests). */
void
events_set_wake(struct events *e, void (*wake)(void *), void *arg)
{
	e->wake = wake;
	e->wake_arg = arg;
}

/* The queue's listener: numbers and keeps the event, then wakes. */
void
events_on_queue(enum queue_event ev, int64_t id, void *arg)
{
	struct events	*e = arg;
	struct event	*x;
	int64_t		 run = id;
	int		 settled;

	if (ev != QUEUE_RUN_SETTLED && store_build_run(e->store, id, &run,
	    &settled) != STORE_OK)
		run = 0;
	x = &e->ring[++e->seq % EVENTS_KEEP];
	x->seq = e->seq;
	x->type = ev;
	x->build = ev == QUEUE_RUN_SETTLED ? 0 : id;
	x->run = run;
	if (e->wake != NULL)
		e->wake(e->wake_arg);
}

/* The newest event's number (0: none yet). */
uint64_t
events_seq(const struct events *e)
{
	return (e->seq);
}

/*
 * The events after number after, oldest first, of one run (run 0: of
 * every run), as [{seq, event, build, run}]. *lost is set when events
 * after it are no longer kept, or after is not a number of this daemon's
 * (it restarted): the client should read the whole state again.
 */
cJSON *
events_since(const struct events *e, int64_t run, uint64_t after, int *lost)
{
	const struct event	*x;
	cJSON			*a, *o;
	uint64_t		 s, first;

	a = cJSON_CreateArray();
	first = e->seq > EVENTS_KEEP ? e->seq - EVENTS_KEEP + 1 : 1;
	/* Gone from the ring, or numbered by a daemon before a restart. */
	*lost = after + 1 < first || after > e->seq;
	for (s = after + 1 > first ? after + 1 : first; s <= e->seq; s++) {
		x = &e->ring[s % EVENTS_KEEP];
		if (run != 0 && x->run != run)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq", (double)x->seq);
		cJSON_AddStringToObject(o, "event", events_names[x->type]);
		if (x->build != 0)
			cJSON_AddNumberToObject(o, "build", (double)x->build);
		else
			cJSON_AddNullToObject(o, "build");
		cJSON_AddNumberToObject(o, "run", (double)x->run);
		cJSON_AddItemToArray(a, o);
	}
	return (a);
}
