/*
 * Webhooks: pending deliveries in the store are POSTed with libcurl's
 * multi interface driven by the event loop (its sockets through uv_poll,
 * its timeouts through a uv_timer), so a slow or dead endpoint never
 * blocks the loop. Every attempt is recorded; a failed one is tried again
 * later, 10 s, 30 s, 90 s, ... after, up to NOTIFY_MAX_ATTEMPTS.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "sizematd.h"

#define NOTIFY_MAX_INFLIGHT	8
#define NOTIFY_MAX_ATTEMPTS	8
#define NOTIFY_TIMEOUT_MS	10000
#define NOTIFY_FIRST_RETRY_S	10
#define NOTIFY_MAX_RETRY_S	3600
#define NOTIFY_LOOK_S		60

struct notify_req {
	struct notify		*n;
	CURL			*easy;
	int64_t			 id;
	int			 attempts;	/* before this one */
	char			*url;
	char			*body;
	struct curl_slist	*headers;
	char			 error[CURL_ERROR_SIZE];
	struct notify_req	*next;
};

struct notify_sock {
	uv_poll_t		 poll;
	curl_socket_t		 fd;
	struct notify		*n;
};

struct notify {
	uv_loop_t		*loop;
	struct store		*store;
	CURLM			*multi;
	uv_timer_t		 timeout;	/* libcurl's */
	uv_timer_t		 due;		/* the next delivery */
	struct notify_req	*inflight;
	int			 ninflight;
	int			 stopping;
	int			 following;	/* another daemon delivers */
};

static void	notify_send_due(struct notify *);

/* Throws response bodies away. */
static size_t
notify_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return (size * n);
}

/* Frees a request, taken off libcurl and the in-flight list. */
static void
notify_req_free(struct notify_req *r)
{
	struct notify		*n = r->n;
	struct notify_req	**pp;

	for (pp = &n->inflight; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	n->ninflight--;
	curl_multi_remove_handle(n->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->url);
	free(r->body);
	free(r);
}

/* Records how an attempt ended, with the next try when it failed. */
static void
notify_finished(struct notify_req *r, CURLcode rc)
{
	long	 status = 0;
	int64_t	 delay, next;
	char	*error = NULL;
	int	 k;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		store_delivery_result(r->n->store, r->id, (int)status, NULL, 0);
		log_info("webhook %lld: delivered to %s (%ld)",
		    (long long)r->id, r->url, status);
		return;
	}
	if (rc != CURLE_OK)
		xasprintf(&error, "%s", r->error[0] != '\0' ? r->error :
		    curl_easy_strerror(rc));
	else
		xasprintf(&error, "HTTP status %ld", status);
	if (r->attempts + 1 >= NOTIFY_MAX_ATTEMPTS) {
		next = -1;
		log_warnx("webhook %lld: %s: %s; giving up after %d attempts",
		    (long long)r->id, r->url, error, r->attempts + 1);
	} else {
		delay = NOTIFY_FIRST_RETRY_S;
		for (k = 0; k < r->attempts && delay < NOTIFY_MAX_RETRY_S; k++)
			delay *= 3;
		if (delay > NOTIFY_MAX_RETRY_S)
			delay = NOTIFY_MAX_RETRY_S;
		next = (int64_t)time(NULL) + delay;
		log_warnx("webhook %lld: %s: %s; trying again in %llds",
		    (long long)r->id, r->url, error, (long long)delay);
	}
	store_delivery_result(r->n->store, r->id, (int)status, error, next);
	free(error);
}

/* Reaps the transfers libcurl has finished. */
static void
notify_check(struct notify *n)
{
	struct notify_req	*r;
	CURLMsg			*msg;
	int			 left, ended = 0;

	while ((msg = curl_multi_info_read(n->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&r);
		notify_finished(r, msg->data.result);
		notify_req_free(r);
		ended = 1;
	}
	if (ended && !n->stopping)
		notify_kick(n);
}

/* A socket libcurl watches is ready. */
static void
notify_on_poll(uv_poll_t *h, int status, int events)
{
	struct notify_sock	*s = h->data;
	int			 flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(s->n->multi, s->fd, flags, &running);
	notify_check(s->n);
}

static void
notify_sock_closed(uv_handle_t *h)
{
	free(h->data);
}

/* libcurl says which sockets to watch, and how. */
static int
notify_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct notify		*n = arg;
	struct notify_sock	*s = sockp;
	int			 events = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, notify_sock_closed);
			curl_multi_assign(n->multi, fd, NULL);
		}
		return (0);
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->fd = fd;
		s->n = n;
		if (uv_poll_init_socket(n->loop, &s->poll, fd) != 0) {
			free(s);
			return (-1);
		}
		s->poll.data = s;
		curl_multi_assign(n->multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&s->poll, events, notify_on_poll);
	return (0);
}

/* libcurl's timeout expired. */
static void
notify_on_timeout(uv_timer_t *h)
{
	struct notify	*n = h->data;
	int		 running;

	curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	notify_check(n);
}

/* libcurl asks to be called after ms (or never, for -1). */
static int
notify_timer(CURLM *m, long ms, void *arg)
{
	struct notify	*n = arg;

	(void)m;
	if (ms < 0)
		uv_timer_stop(&n->timeout);
	else
		uv_timer_start(&n->timeout, notify_on_timeout, (uint64_t)ms,
		    0);
	return (0);
}

/* Tells whether a delivery is being attempted now. */
static int
notify_busy(const struct notify *n, int64_t id)
{
	const struct notify_req	*r;

	for (r = n->inflight; r != NULL; r = r->next) {
		if (r->id == id)
			return (1);
	}
	return (0);
}

/* Starts one POST. */
static void
notify_start(struct notify *n, int64_t id, char *url, char *body,
    int attempts)
{
	struct notify_req	*r;

	r = xcalloc(1, sizeof *r);
	r->n = n;
	r->id = id;
	r->url = url;
	r->body = body;
	r->attempts = attempts;
	r->easy = curl_easy_init();
	if (r->easy == NULL)
		fatalx("webhooks: curl_easy_init failed");
	r->headers = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "sizematd");
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)NOTIFY_TIMEOUT_MS);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->error);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, notify_discard);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	r->next = n->inflight;
	n->inflight = r;
	n->ninflight++;
	if (curl_multi_add_handle(n->multi, r->easy) != CURLM_OK) {
		store_delivery_result(n->store, id, 0, "cannot start the "
		    "request", (int64_t)time(NULL) + NOTIFY_FIRST_RETRY_S);
		notify_req_free(r);
	}
}

/* The due timer fired. */
static void
notify_on_due(uv_timer_t *h)
{
	notify_send_due(h->data);
}

/* Starts what is due, then sets the timer for the next one. */
static void
notify_send_due(struct notify *n)
{
	int64_t	 now = (int64_t)time(NULL), id = 0, next, wait;
	char	*url, *body;
	int	 attempts;

	if (n->stopping || n->following)
		return;
	while (n->ninflight < NOTIFY_MAX_INFLIGHT &&
	    store_delivery_due(n->store, now, &id, &url, &body,
	    &attempts) == STORE_OK) {
		if (notify_busy(n, id)) {
			free(url);
			free(body);
			continue;
		}
		notify_start(n, id, url, body, attempts);
	}
	next = store_delivery_next_at(n->store);
	if (next == 0)
		return;
	/* Under way ones are still pending; their end kicks again. */
	wait = next > now ? next - now : NOTIFY_LOOK_S;
	if (wait > NOTIFY_LOOK_S)
		wait = NOTIFY_LOOK_S;
	uv_timer_start(&n->due, notify_on_due, (uint64_t)wait * 1000, 0);
}

/*
 * Creates the sender, following until told to lead (notify_lead): only
 * the leading daemon delivers.
 */
struct notify *
notify_create(uv_loop_t *loop, struct store *store)
{
	struct notify	*n;

	n = xcalloc(1, sizeof *n);
	n->loop = loop;
	n->store = store;
	if ((n->multi = curl_multi_init()) == NULL)
		fatalx("webhooks: curl_multi_init failed");
	curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, notify_socket);
	curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
	curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, notify_timer);
	curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
	uv_timer_init(loop, &n->timeout);
	uv_timer_init(loop, &n->due);
	n->timeout.data = n->due.data = n;
	n->following = 1;
	return (n);
}

/*
 * Delivers, or leaves the deliveries to another daemon's lead. Deliveries
 * left pending (by a stop, or the last leader) go out when it leads.
 */
void
notify_lead(struct notify *n, int leading)
{
	n->following = !leading;
	if (leading)
		notify_kick(n);
	else
		uv_timer_stop(&n->due);
}

/* Looks for due deliveries at the next turn of the loop. */
void
notify_kick(struct notify *n)
{
	if (!n->stopping)
		uv_timer_start(&n->due, notify_on_due, 0, 0);
}

/*
 * Stops: transfers under way are dropped and stay pending in the store,
 * to be attempted at the next start.
 */
void
notify_stop(struct notify *n)
{
	n->stopping = 1;
	while (n->inflight != NULL)
		notify_req_free(n->inflight);
	/* Cached connections close now, while their poll handles can. */
	curl_multi_cleanup(n->multi);
	n->multi = NULL;
	uv_timer_stop(&n->timeout);
	uv_timer_stop(&n->due);
	uv_close((uv_handle_t *)&n->timeout, NULL);
	uv_close((uv_handle_t *)&n->due, NULL);
}

/* Frees the sender; call after the loop has closed every handle. */
void
notify_free(struct notify *n)
{
	if (n->multi != NULL)
		curl_multi_cleanup(n->multi);
	free(n);
}
