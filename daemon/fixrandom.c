/*
 * sizemat-fixrandom.so: preloaded into a benchmark's run under valgrind
 * (bench.c), it answers getrandom(3) with a fixed stream, so that hash
 * seeds (Rust's RandomState, seeded from getrandom) repeat, and the
 * instruction count with them. The timed runs never load it.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

ssize_t	getrandom(void *, size_t, unsigned int);

/* Fills buf with the next bytes of a fixed xorshift stream. */
ssize_t
getrandom(void *buf, size_t len, unsigned int flags)
{
	static uint64_t	 x = 0x9e3779b97f4a7c15ULL;
	unsigned char	*p = buf;
	size_t		 i;

	(void)flags;
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 32);
	}
	return ((ssize_t)len);
}
