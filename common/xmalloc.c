/* Allocation helpers that abort on failure, and a growable buffer. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static void xmalloc_die(const char *, size_t) __attribute__((noreturn));

/* Prints why an allocation failed and aborts. */
static void
xmalloc_die(const char *what, size_t size)
{
	fprintf(stderr, "fatal: %s: cannot allocate %zu bytes\n", what, size);
	abort();
}

/* Allocates size bytes. */
void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		xmalloc_die("xmalloc", size);
	return (p);
}

/* Allocates a zeroed array of n elements. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		xmalloc_die("xcalloc", n * size);
	return (p);
}

/* Resizes an array of n elements, checking the multiplication. */
void *
xreallocarray(void *ptr, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if (SIZE_MAX / n < size)
		xmalloc_die("xreallocarray", SIZE_MAX);
	if ((p = realloc(ptr, n * size)) == NULL)
		xmalloc_die("xreallocarray", n * size);
	return (p);
}

/* Copies a string. */
char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		xmalloc_die("xstrdup", strlen(s) + 1);
	return (p);
}

/* Copies at most n bytes of a string. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		xmalloc_die("xstrndup", n + 1);
	return (p);
}

/* Formats into a newly allocated string. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	 n;

	n = vasprintf(ret, fmt, ap);
	if (n < 0)
		xmalloc_die("xvasprintf", 0);
	return (n);
}

/* Formats into a newly allocated string. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return (n);
}

/* Makes an empty buffer. */
void
buf_init(struct buf *b)
{
	b->cap = 64;
	b->len = 0;
	b->data = xmalloc(b->cap);
	b->data[0] = '\0';
}

/* Appends len bytes. */
void
buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->data == NULL)
		buf_init(b);
	if (len >= b->cap - b->len) {
		while (len >= b->cap - b->len)
			b->cap *= 2;
		b->data = xreallocarray(b->data, 1, b->cap);
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* Appends a string. */
void
buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Appends formatted text. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(&s, fmt, ap);
	va_end(ap);
	buf_add(b, s, (size_t)n);
	free(s);
}

/* Empties the buffer, keeping its memory. */
void
buf_reset(struct buf *b)
{
	if (b->data == NULL)
		buf_init(b);
	b->len = 0;
	b->data[0] = '\0';
}

/* Frees the buffer's memory. */
void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
