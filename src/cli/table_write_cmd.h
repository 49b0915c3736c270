/*
 * table_write_cmd.h - the `korolev table` verbs of table_write_cmd.c
 * (changes by filter, partition specs, tags and branches), dispatched from
 * table_cmd.c, which owns the warehouse and catalog.
 */
#ifndef KO_CLI_TABLE_WRITE_CMD_H
#define KO_CLI_TABLE_WRITE_CMD_H

#include "iceberg/iceberg.h"

extern const char KO_CLI_TABLE_WRITE_USAGE[];

/* Whether op is one of these verbs. */
bool ko_cli_table_write_op(const char *op);
/* Runs `table <op> ...` (argv[1] is op); returns the exit status. */
int ko_cli_table_write(const ko_ice_warehouse *wh, int argc, char **argv, ko_arena *arena,
                       ko_err *err);

#endif
