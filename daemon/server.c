/*
 * The server: TCP and Unix socket accept on libuv, one connection per
 * request, each with an idle timer and size caps, handing complete
 * requests to the API.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sizematd.h"

struct conn {
	union {
		uv_tcp_t	 tcp;
		uv_pipe_t	 pipe;
	}			 u;
	int			 local;		/* came through the socket */
	uv_timer_t		 timer;
	uv_write_t		 write;
	struct server		*server;
	struct http_request	*request;
	char			*out;
	int			 open;		/* handles not yet closed */
	int			 replied;
	int			 holding;	/* waits for an event */
	struct conn		*prev, *next;
};

struct server {
	uv_loop_t		*loop;
	uv_tcp_t		 tcp;
	uv_pipe_t		 pipe;
	int			 piped;		/* pipe is open */
	int			 sock_bound;	/* we made the socket file */
	struct api		*api;
	const struct config	*config;
	struct conn		*conns;
	int			 nconns;
	int			 port;
};

/* Frees a connection once both its handles are closed. */
static void
server_conn_closed(uv_handle_t *h)
{
	struct conn	*c = h->data;

	if (--c->open > 0)
		return;
	http_request_free(c->request);
	free(c->out);
	free(c);
}

/* Closes a connection and unlinks it from the server. */
static void
server_conn_close(struct conn *c)
{
	struct server	*s = c->server;

	if (uv_is_closing((uv_handle_t *)&c->u))
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->nconns--;
	uv_close((uv_handle_t *)&c->u, server_conn_closed);
	uv_close((uv_handle_t *)&c->timer, server_conn_closed);
}

/* Closes the connection once the reply is written. */
static void
server_written(uv_write_t *w, int status)
{
	struct conn	*c = w->data;

	(void)status;
	server_conn_close(c);
}

/* Sends a reply and closes the connection after it. */
static void
server_reply(struct conn *c, const struct http_reply *reply)
{
	uv_buf_t	 b;
	size_t		 len;

	if (c->replied)
		return;
	c->replied = 1;
	uv_read_stop((uv_stream_t *)&c->u);
	uv_timer_stop(&c->timer);
	c->out = http_reply_format(reply, &len);
	b = uv_buf_init(c->out, (unsigned int)len);
	c->write.data = c;
	if (uv_write(&c->write, (uv_stream_t *)&c->u, &b, 1,
	    server_written) != 0)
		server_conn_close(c);
}

static void	server_held(uv_timer_t *);

/* Answers a connection that stayed idle too long. */
static void
server_idle(uv_timer_t *t)
{
	struct conn		*c = t->data;
	struct http_reply	 reply;

	http_reply_init(&reply);
	http_reply_error(&reply, 408, "timeout", "no complete request within "
	    "%d ms", SERVER_IDLE_TIMEOUT_MS);
	server_reply(c, &reply);
	http_reply_free(&reply);
}

/* Allocates a read buffer. */
static void
server_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	b->base = xmalloc(suggested);
	b->len = suggested;
}

/*
 * Answers a complete request, or holds it when its handler waits for an
 * event (hold_ms): it is asked again at each event (server_wake), and a
 * last time when hold_ms have passed.
 */
static void
server_answer(struct conn *c, int last)
{
	struct http_reply	 reply;

	http_reply_init(&reply);
	reply.last = last;
	api_handle(c->server->api, c->request, c->local, &reply);
	if (reply.hold_ms > 0 && !last) {
		if (!c->holding)
			uv_timer_start(&c->timer, server_held, (uint64_t)
			    reply.hold_ms, 0);
		c->holding = 1;
	} else {
		c->holding = 0;
		server_reply(c, &reply);
	}
	http_reply_free(&reply);
}

/* A held request's time is up: it answers with what there is. */
static void
server_held(uv_timer_t *t)
{
	server_answer(t->data, 1);
}

/* Something happened: each held request is asked again. */
void
server_wake(void *arg)
{
	struct server	*s = arg;
	struct conn	*c, *next;

	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (c->holding && !c->replied)
			server_answer(c, 0);
	}
}

/* Feeds what was read to the parser; a complete request is answered. */
static void
server_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *b)
{
	struct conn		*c = stream->data;
	struct http_reply	 reply;
	int			 rc;

	if (n < 0) {
		free(b->base);
		server_conn_close(c);
		return;
	}
	if (n == 0) {
		free(b->base);
		return;
	}
	if (c->holding) {
		/* Nothing more is read from a request that waits. */
		free(b->base);
		return;
	}
	http_reply_init(&reply);
	rc = http_request_feed(c->request, b->base, (size_t)n, &reply);
	free(b->base);
	if (rc == 1)
		server_answer(c, 0);
	else if (rc == -1)
		server_reply(c, &reply);
	http_reply_free(&reply);
}

/*
 * Accepts a connection from either listener, or answers 503 when there
 * are too many.
 */
static void
server_accept(uv_stream_t *listener, int status)
{
	struct server		*s = listener->data;
	struct conn		*c;
	struct http_reply	 reply;
	struct http_limits	 limits;

	if (status < 0) {
		log_warnx("accept: %s", uv_strerror(status));
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->server = s;
	c->local = listener == (uv_stream_t *)&s->pipe;
	if (c->local)
		uv_pipe_init(s->loop, &c->u.pipe, 0);
	else
		uv_tcp_init(s->loop, &c->u.tcp);
	uv_timer_init(s->loop, &c->timer);
	c->u.tcp.data = c->timer.data = c;
	c->open = 2;
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	if (uv_accept(listener, (uv_stream_t *)&c->u) != 0) {
		server_conn_close(c);
		return;
	}
	/* From the config at each accept, so a reload takes effect. */
	limits.max_url = HTTP_MAX_URL;
	limits.max_headers = HTTP_MAX_HEADERS;
	limits.max_body = (size_t)s->config->max_body;
	c->request = http_request_create(&limits);
	if (s->nconns > s->config->max_connections) {
		http_reply_init(&reply);
		http_reply_error(&reply, 503, "busy", "more than %d "
		    "connections at once; try again shortly",
		    s->config->max_connections);
		server_reply(c, &reply);
		http_reply_free(&reply);
		return;
	}
	uv_timer_start(&c->timer, server_idle, SERVER_IDLE_TIMEOUT_MS, 0);
	uv_read_start((uv_stream_t *)&c->u, server_alloc, server_read);
}

/*
 * Listens on a Unix socket that only its owner may use: created under a
 * 0077 umask, so no other user can connect even for an instant. A stale
 * socket left by a killed daemon is replaced; any other file is not.
 */
static int
server_listen_socket(struct server *s, const char *path, char **cause)
{
	struct stat		 sb;
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 rc, fd, live;

	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "--socket %s: longer than %zu bytes", path,
		    sizeof sun.sun_path - 1);
		return (-1);
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			xasprintf(cause, "--socket %s: exists and is not a "
			    "socket; choose another path", path);
			return (-1);
		}
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, path, strlen(path));
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		live = fd != -1 && connect(fd, (struct sockaddr *)&sun,
		    sizeof sun) == 0;
		if (fd != -1)
			close(fd);
		if (live) {
			xasprintf(cause, "--socket %s: another daemon is "
			    "listening there", path);
			return (-1);
		}
		unlink(path);
	}
	uv_pipe_init(s->loop, &s->pipe, 0);
	s->pipe.data = s;
	s->piped = 1;
	old = umask(0077);
	rc = uv_pipe_bind(&s->pipe, path);
	umask(old);
	s->sock_bound = rc == 0;
	if (rc == 0 && chmod(path, 0600) == -1)
		rc = uv_translate_sys_error(errno);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&s->pipe, 128, server_accept);
	if (rc != 0) {
		xasprintf(cause, "--socket %s: %s", path, uv_strerror(rc));
		return (-1);
	}
	return (0);
}

/* Listens on the configured address; the port may be 0 for a free one. */
struct server *
server_create(uv_loop_t *loop, struct api *api, const struct config *cfg,
    char **cause)
{
	struct server		*s;
	struct sockaddr_storage	 ss;
	int			 len = sizeof ss, rc;

	s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->api = api;
	s->config = cfg;
	if (strchr(cfg->listen_host, ':') != NULL)
		rc = uv_ip6_addr(cfg->listen_host, cfg->listen_port,
		    (struct sockaddr_in6 *)&ss);
	else
		rc = uv_ip4_addr(cfg->listen_host, cfg->listen_port,
		    (struct sockaddr_in *)&ss);
	if (rc != 0) {
		xasprintf(cause, "--listen %s: not a numeric address (%s)",
		    cfg->listen, uv_strerror(rc));
		free(s);
		return (NULL);
	}
	uv_tcp_init(loop, &s->tcp);
	s->tcp.data = s;
	if ((rc = uv_tcp_bind(&s->tcp, (struct sockaddr *)&ss, 0)) != 0 ||
	    (rc = uv_listen((uv_stream_t *)&s->tcp, 128, server_accept)) != 0) {
		xasprintf(cause, "--listen %s: %s", cfg->listen,
		    uv_strerror(rc));
		server_close(s);
		return (NULL);
	}
	if (cfg->socket != NULL &&
	    server_listen_socket(s, cfg->socket, cause) != 0) {
		server_close(s);
		return (NULL);
	}
	uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &len);
	s->port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return (s);
}

/* Returns the port listened on (0 when listening failed). */
int
server_port(const struct server *s)
{
	return (s->port);
}

/* Frees the server once its listeners are closed. */
static void
server_freed(uv_handle_t *h)
{
	struct server	*s = h->data;

	if (h == (uv_handle_t *)&s->pipe)
		s->piped = 0;
	else
		s->tcp.data = NULL;
	if (!s->piped && s->tcp.data == NULL)
		free(s);
}

/*
 * Stops listening, closes every connection and frees the server; the
 * socket file is removed.
 */
void
server_close(struct server *s)
{
	while (s->conns != NULL)
		server_conn_close(s->conns);
	if (s->piped) {
		if (s->sock_bound)
			unlink(s->config->socket);
		uv_close((uv_handle_t *)&s->pipe, server_freed);
	}
	uv_close((uv_handle_t *)&s->tcp, server_freed);
}
