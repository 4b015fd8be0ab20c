/*
 * The other daemons sharing the store. On PostgreSQL, through the store's
 * watch connection: the queue wakes when a notification says there may be
 * a build to claim (not on a polling loop); the queue's events are told to
 * the others and theirs to this daemon's listeners; and one daemon leads,
 * the holder of an advisory lock on its watch connection, doing what must
 * happen once (schedules, regression detection, bisections, searches,
 * webhook deliveries). When the leader's connection goes, its lock goes
 * with it and another daemon takes the lead within a third of a lease.
 * On SQLite no other daemon shares the file: this one leads.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

struct peers {
	uv_loop_t		*loop;
	struct store		*store;
	struct queue		*queue;
	struct db_watch		*watch;		/* NULL: none, or lost */
	int			 shared;	/* the store is PostgreSQL */
	uv_poll_t		 poll;
	int			 polling;
	uv_timer_t		 timer;
	int			 leading;
	int			 relaying;	/* another daemon's event */
	peers_cb		*lead;		/* told when leading changes */
	peers_cb		*work;		/* told when git work waits */
	void			*arg;
};

static void	peers_on_readable(uv_poll_t *, int, int);

/* Leads, or no longer leads, and says so. */
static void
peers_set_leading(struct peers *p, int leading)
{
	if (p->leading == leading)
		return;
	p->leading = leading;
	if (p->shared)
		log_info("%s the daemons sharing the database",
		    leading ? "leading" : "no longer leading");
	p->lead(p->arg, leading);
}

/* Handles one notification from the watch connection. */
static void
peers_heard(const char *channel, const char *payload, int ours, void *arg)
{
	struct peers	*p = arg;
	long long	 id;
	int		 ev;

	if (strcmp(channel, "sizemat_queue") == 0) {
		queue_kick(p->queue);
		return;
	}
	if (ours)
		return;
	if (strcmp(payload, "work") == 0) {
		if (p->leading)
			p->work(p->arg, 1);
		return;
	}
	if (sscanf(payload, "%d %lld", &ev, &id) != 2 || ev < 0 ||
	    ev > QUEUE_BENCH_ENDED) {
		log_debug("peers: ignored \"%s\" on %s", payload, channel);
		return;
	}
	p->relaying = 1;
	queue_relay(p->queue, (enum queue_event)ev, (int64_t)id);
	p->relaying = 0;
}

/* The watch connection is gone: no lead, and nothing heard till again. */
static void
peers_lost(struct peers *p)
{
	log_warnx("peers: the watch connection to the database is gone; "
	    "connecting again");
	if (p->polling) {
		uv_poll_stop(&p->poll);
		uv_close((uv_handle_t *)&p->poll, NULL);
		p->polling = 0;
	}
	store_watch_close(p->watch);
	p->watch = NULL;
	peers_set_leading(p, 0);
}

/* Reads what the watch connection has; its loss is handled. */
static void
peers_read(struct peers *p)
{
	if (p->watch != NULL &&
	    store_watch_read(p->watch, peers_heard, p) != 0)
		peers_lost(p);
}

/* Polls the open watch connection. */
static void
peers_poll(struct peers *p)
{
	if (uv_poll_init(p->loop, &p->poll, store_watch_fd(p->watch)) != 0)
		fatalx("peers: cannot poll the watch connection");
	p->poll.data = p;
	p->polling = 1;
	uv_poll_start(&p->poll, UV_READABLE, peers_on_readable);
}

/* Opens the watch connection again and polls it; 0 or -1 (logged). */
static int
peers_open(struct peers *p)
{
	char	*cause;

	if ((p->watch = store_watch_open(p->store, &cause)) == NULL) {
		log_warnx("peers: %s", cause);
		free(cause);
		return (-1);
	}
	peers_poll(p);
	/* Notifications sent while none listened: look at the queue. */
	queue_kick(p->queue);
	return (0);
}

static void
peers_on_readable(uv_poll_t *h, int status, int events)
{
	struct peers	*p = h->data;

	(void)events;
	if (status < 0)
		peers_lost(p);
	else
		peers_read(p);
}

/*
 * Every third of a lease: connects again if the connection went, makes
 * sure a leader still holds its lock (a connection cut without a word
 * loses it), and tries for the lead when another holds it.
 */
static void
peers_on_timer(uv_timer_t *t)
{
	struct peers	*p = t->data;
	int		 rc;

	if (p->watch == NULL && peers_open(p) != 0)
		return;
	rc = p->leading ? store_watch_leads(p->watch) :
	    store_watch_lead(p->watch);
	if (rc == -1) {
		peers_lost(p);
		return;
	}
	peers_read(p);
	if (p->watch != NULL)
		peers_set_leading(p, rc == 1);
}

/*
 * Starts watching the store with the queue q, trying for the lead every
 * third of lease_s: lead(arg, leading) is told when this daemon starts or
 * stops leading (on SQLite, at once), work(arg, 1) when another daemon
 * asks the leader to look for git work.
 */
struct peers *
peers_create(uv_loop_t *loop, struct store *store, struct queue *q,
    int lease_s, peers_cb *lead, peers_cb *work, void *arg)
{
	struct peers	*p;
	char		*cause;
	uint64_t	 ms = (uint64_t)lease_s * 1000 / 3;

	p = xcalloc(1, sizeof *p);
	p->loop = loop;
	p->store = store;
	p->queue = q;
	p->lead = lead;
	p->work = work;
	p->arg = arg;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	if ((p->watch = store_watch_open(store, &cause)) == NULL &&
	    cause == NULL) {
		peers_set_leading(p, 1);
		return (p);
	}
	p->shared = 1;
	if (p->watch != NULL)
		peers_poll(p);
	else {
		log_warnx("peers: %s; trying again", cause);
		free(cause);
	}
	peers_on_timer(&p->timer);
	uv_timer_start(&p->timer, peers_on_timer, ms, ms);
	return (p);
}

/* Whether this daemon leads. */
int
peers_leading(const struct peers *p)
{
	return (p->leading);
}

/* The queue's listener: tells the other daemons what this queue did. */
void
peers_on_queue(enum queue_event ev, int64_t id, void *arg)
{
	struct peers	*p = arg;
	char		 what[64];

	if (!p->shared || p->relaying)
		return;
	snprintf(what, sizeof what, "%d %" PRId64, (int)ev, id);
	if (store_announce(p->store, what) != 0)
		log_warnx("peers: cannot tell the other daemons of %s", what);
}

/*
 * Asks the leader to look for git work (a run to prepare, a schedule
 * changed); the leader itself looks at once.
 */
void
peers_ask_work(struct peers *p)
{
	if (p->leading)
		p->work(p->arg, 1);
	else if (store_announce(p->store, "work") != 0)
		log_warnx("peers: cannot ask the leader for git work");
}

/* Stops watching; the lead goes with the connection. */
void
peers_stop(struct peers *p)
{
	uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, NULL);
	if (p->polling) {
		uv_poll_stop(&p->poll);
		uv_close((uv_handle_t *)&p->poll, NULL);
		p->polling = 0;
	}
}

/* Frees the watcher; call after the loop has closed its handles. */
void
peers_free(struct peers *p)
{
	if (p == NULL)
		return;
	store_watch_close(p->watch);
	free(p);
}
