/*
 * What only the SQLite driver has: its connection, for the tests that
 * read SQLite's query plans.
 */
#ifndef DB_SQLITE_H
#define DB_SQLITE_H

#include <sqlite3.h>

struct db;
sqlite3	*db_sqlite(struct db *);

#endif
