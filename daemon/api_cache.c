/*
 * Answers kept until the store changes: a history of a thousand commits
 * costs a trend a dozen milliseconds to compute, and dashboards ask the
 * same trends again and again between two builds. An entry is the reply
 * to one GET (its path and query) with the store's generation when it
 * was computed; any change to the store makes every entry stale.
 */
#include <stdlib.h>
#include <string.h>

#include "sizematd.h"

#define API_CACHE_ENTRIES	32
#define API_CACHE_MAX_BODY	(8 * 1024 * 1024)

struct api_cache_entry {
	char		*key;
	int64_t		 generation;
	uint64_t	 used;		/* when it last answered, for LRU */
	struct buf	 body;
	const char	*content_type;
};

struct api_cache {
	struct api_cache_entry	 e[API_CACHE_ENTRIES];
	uint64_t		 clock;
	uint64_t		 hits;
	uint64_t		 misses;
};

struct api_cache *
api_cache_create(void)
{
	return (xcalloc(1, sizeof (struct api_cache)));
}

/* Frees an entry's key and body. */
static void
api_cache_drop(struct api_cache_entry *e)
{
	free(e->key);
	if (e->key != NULL)
		buf_free(&e->body);
	memset(e, 0, sizeof *e);
}

void
api_cache_free(struct api_cache *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < API_CACHE_ENTRIES; i++)
		api_cache_drop(&c->e[i]);
	free(c);
}

/*
 * Fills reply with the kept answer to key when it was computed at this
 * generation; returns 1 then, else 0.
 */
int
api_cache_get(struct api_cache *c, const char *key, int64_t generation,
    struct http_reply *reply)
{
	size_t	 i;

	for (i = 0; i < API_CACHE_ENTRIES; i++) {
		if (c->e[i].key == NULL || strcmp(c->e[i].key, key) != 0)
			continue;
		if (c->e[i].generation != generation) {
			api_cache_drop(&c->e[i]);
			break;
		}
		c->e[i].used = ++c->clock;
		reply->status = 200;
		reply->content_type = c->e[i].content_type;
		buf_reset(&reply->body);
		buf_add(&reply->body, c->e[i].body.data, c->e[i].body.len);
		c->hits++;
		return (1);
	}
	c->misses++;
	return (0);
}

/* Keeps a 200 answer to key, in the least recently used place. */
void
api_cache_put(struct api_cache *c, const char *key, int64_t generation,
    const struct http_reply *reply)
{
	struct api_cache_entry	*e = &c->e[0];
	size_t			 i;

	if (reply->status != 200 || reply->body.len > API_CACHE_MAX_BODY)
		return;
	for (i = 1; i < API_CACHE_ENTRIES && e->key != NULL; i++) {
		if (c->e[i].key == NULL || c->e[i].used < e->used)
			e = &c->e[i];
	}
	api_cache_drop(e);
	e->key = xstrdup(key);
	e->generation = generation;
	e->used = ++c->clock;
	e->content_type = reply->content_type;
	buf_init(&e->body);
	buf_add(&e->body, reply->body.data, reply->body.len);
}
