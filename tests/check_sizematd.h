/* The daemon's unit suites, one per module. */
#ifndef CHECK_SIZEMATD_H
#define CHECK_SIZEMATD_H

#include <check.h>

Suite	*variant_suite(void);
Suite	*matrix_suite(void);
Suite	*store_suite(void);
Suite	*measure_suite(void);
Suite	*http_suite(void);
Suite	*levers_suite(void);
Suite	*history_suite(void);
Suite	*units_suite(void);
Suite	*plans_suite(void);
Suite	*search_suite(void);

#endif
