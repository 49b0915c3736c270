/*
 * parquet_cmd.c - `korolev parquet schema|meta|cat|copy` (being written).
 */
#include "cli/cli.h"

int ko_cli_parquet(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return ko_cli_usage("parquet schema|meta|cat|copy FILE");
}
