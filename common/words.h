/*
 * How near two words are, for "did you mean" in sizematd and sizemat.
 */
#ifndef SIZEMAT_WORDS_H
#define SIZEMAT_WORDS_H

int	 words_distance(const char *, const char *);
int	 words_near(const char *, const char *);

#endif
