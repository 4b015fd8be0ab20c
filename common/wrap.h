/*
 * Help text wrapped to the terminal's usual width, for sizemat and
 * sizematd alike: tables hold their text unwrapped.
 */
#ifndef SIZEMAT_WRAP_H
#define SIZEMAT_WRAP_H

#include <stdio.h>

#define WRAP_WIDTH	77	/* columns a line may take */

void	 wrap_entry(FILE *, const char *, const char *, int, int);

#endif
