/* Runs every unit suite of sizematd in Check's fork mode. */
#include <stdlib.h>

#include "check_sizematd.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(variant_suite());
	srunner_add_suite(sr, matrix_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, measure_suite());
	srunner_add_suite(sr, http_suite());
	srunner_add_suite(sr, levers_suite());
	srunner_add_suite(sr, history_suite());
	srunner_add_suite(sr, units_suite());
	srunner_add_suite(sr, plans_suite());
	srunner_add_suite(sr, search_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
