/*
 * help.c - the help of the korolev command line: `korolev --help`,
 * `korolev help VERB [SUB]` and `korolev VERB [SUB] --help` (main.c sends
 * every --help / -h here before the verb parses its flags).
 *
 * One entry per verb and per sub-verb: a one-line summary, the usage, the
 * flags and at least one example.  The verbs and their sub-verbs come from
 * main.c's table (ko_cli_commands); tests/integration/cli_help.sh walks
 * that table and fails for any verb whose help lacks a usage or an
 * example, so a new verb cannot ship without help.  docs/cli.md is the
 * long form of the same text.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

typedef struct help_entry {
    const char *path;     /* "table append" */
    const char *summary;  /* one line */
    const char *usage;    /* after "korolev " */
    const char *flags;    /* "  --flag V   what\n" lines, or NULL */
    const char *examples; /* one command per line */
} help_entry;

#define LIST_FMT "  --format table|json|jsonl  output (default table; json is one array)\n"
#define PROGRESS \
    "  --progress | --no-progress  progress bar on stderr (default: when stderr is a terminal)\n"

static const help_entry entries[] = {
    /* ------------------------------------------------------------ store */
    {"store", "operate on objects in any store (local, file://, s3://, gs://)",
     "store ls|cat|put|rm URI ...", NULL,
     "korolev store ls ./warehouse/demo\n"
     "korolev store put s3://bucket/x.csv data.csv"},
    {"store ls", "list the objects under a prefix", "store ls URI [--format table|json|jsonl]",
     LIST_FMT "  (a local directory without a trailing / lists its contents)\n",
     "korolev store ls ./warehouse/demo/events/metadata\n"
     "korolev store ls s3://bucket/prefix/ --format json"},
    {"store cat", "print an object to standard output", "store cat URI", NULL,
     "korolev store cat ./wh/hello.txt | head"},
    {"store put", "store a file (or standard input) as an object", "store put URI [FILE|-]",
     "  FILE  the bytes to store (default: standard input)\n",
     "korolev store put ./wh/hello.txt README.md\n"
     "echo hi | korolev store put gs://bucket/hi.txt"},
    {"store rm", "delete an object", "store rm URI", NULL, "korolev store rm ./wh/hello.txt"},
    /* ------------------------------------------------------------ parquet */
    {"parquet", "inspect and rewrite Parquet files", "parquet schema|meta|cat|copy FILE ...", NULL,
     "korolev parquet schema data.parquet\n"
     "korolev parquet cat data.parquet --limit 3"},
    {"parquet schema", "print the schema tree of a Parquet file", "parquet schema FILE", NULL,
     "korolev parquet schema data.parquet"},
    {"parquet meta", "print the footer metadata as JSON", "parquet meta FILE", NULL,
     "korolev parquet meta data.parquet | jq '.row_groups | length'"},
    {"parquet cat", "print the rows as JSON lines or CSV",
     "parquet cat FILE [--columns a,b] [--limit N] [--format jsonl|csv]",
     "  --columns a,b        only these columns\n"
     "  --limit N            at most N rows\n"
     "  --format jsonl|csv   JSON lines (default) or CSV with a header\n",
     "korolev parquet cat data.parquet --columns id,name --limit 10 --format csv"},
    {"parquet copy", "rewrite a Parquet file with Korolev's writer",
     "parquet copy IN OUT [--codec C] [--row-group-bytes N]",
     "  --codec C              zstd, snappy, gzip, none, ... (default: IN's codecs)\n"
     "  --row-group-bytes N    target row group size\n",
     "korolev parquet copy in.parquet /tmp/out.parquet --codec zstd"},
    /* ------------------------------------------------------------ iceberg */
    {"iceberg", "read any Iceberg table directory, without a catalog",
     "iceberg cat|snapshots|files LOCATION ...", NULL,
     "korolev iceberg cat ./warehouse/demo/events --limit 3\n"
     "korolev iceberg snapshots s3://bucket/warehouse/db/t"},
    {"iceberg cat", "print the rows of a snapshot, deletes applied",
     "iceberg cat LOCATION [--metadata FILE] [--snapshot ID | --ref NAME | --as-of TIME] "
     "[--format jsonl|csv] [--limit N]",
     "  --metadata FILE      a metadata file (default: version-hint or the highest vN)\n"
     "  --snapshot ID        read this snapshot\n"
     "  --ref NAME           read this branch or tag\n"
     "  --as-of TIME         the snapshot current at TIME (ISO-8601 or ms)\n"
     "  --format jsonl|csv   JSON lines (default) or CSV\n"
     "  --limit N            at most N rows\n",
     "korolev iceberg cat ./warehouse/demo/t --ref dev --limit 3\n"
     "korolev iceberg cat ./warehouse/demo/t --as-of 2024-05-01T00:00:00Z --format csv"},
    {"iceberg snapshots", "list the snapshots of a table directory",
     "iceberg snapshots LOCATION [--metadata FILE] [--format table|json|jsonl]",
     "  --metadata FILE  a metadata file\n"
     "  --format F       table, json or jsonl (default: table on a terminal, jsonl when piped)\n",
     "korolev iceberg snapshots ./warehouse/demo/events\n"
     "korolev iceberg snapshots ./warehouse/demo/events --format json | jq '.[0]'"},
    {"iceberg files", "list the data files of a snapshot (the scan plan)",
     "iceberg files LOCATION [--metadata FILE] [--snapshot ID | --ref NAME | --as-of TIME] "
     "[--format table|json|jsonl]",
     "  --snapshot ID | --ref NAME | --as-of TIME  which snapshot (default current)\n"
     "  --format F       table, json or jsonl (default: table on a terminal, jsonl when piped)\n",
     "korolev iceberg files ./warehouse/demo/events --format table"},
    /* ------------------------------------------------------------ namespace */
    {"namespace", "namespaces of the catalog", "namespace create|list|drop NS", NULL,
     "korolev namespace create demo\n"
     "korolev namespace list --format json"},
    {"namespace create", "create a namespace", "namespace create NS [--property k=v]...",
     "  --property k=v   a namespace property (repeatable)\n",
     "korolev namespace create sales --property owner=finance"},
    {"namespace list", "list namespaces", "namespace list [PARENT] [--format table|json|jsonl]",
     LIST_FMT,
     "korolev namespace list\n"
     "korolev namespace list --format json"},
    {"namespace drop", "drop an empty namespace", "namespace drop NS",
     "  (the namespace must be empty)\n", "korolev namespace drop sales"},
    /* ------------------------------------------------------------ table */
    {"table", "Iceberg tables in the warehouse", "table SUB NS.T ...", NULL,
     "korolev table create demo.t --like data.parquet\n"
     "korolev table append demo.t data.parquet\n"
     "korolev table history demo.t"},
    {"table create", "create a table from a schema or a Parquet file",
     "table create NS.T (--schema FILE.json | --like FILE.parquet) [--partition-by SPEC] "
     "[--property k=v]...",
     "  --schema FILE.json    an Iceberg schema (JSON)\n"
     "  --like FILE.parquet   the schema of a Parquet file\n"
     "  --partition-by SPEC   e.g. 'day(ts),bucket(16,id)'\n"
     "  --property k=v        a table property (repeatable)\n",
     "korolev table create demo.events --like events.parquet --partition-by 'day(ts)'"},
    {"table append", "add Parquet files to a table in one snapshot",
     "table append NS.T [--branch B] FILE.parquet...",
     "  --branch B   append to branch B instead of main\n" PROGRESS,
     "korolev table append demo.t part-0.parquet part-1.parquet\n"
     "korolev table append demo.t --branch dev part-2.parquet"},
    {"table describe", "print a table's metadata as JSON", "table describe NS.T",
     "  (JSON: schema, spec, properties, current snapshot)\n",
     "korolev table describe demo.t | jq .schema"},
    {"table history", "list a table's snapshots", "table history NS.T [--format table|json|jsonl]",
     "  --format F   table, json or jsonl (default: table on a terminal, json when piped)\n",
     "korolev table history demo.events\n"
     "korolev table history demo.events --format json | jq 'length'"},
    {"table files", "list the live data and delete files of a snapshot",
     "table files NS.T [--snapshot ID] [--format table|json|jsonl]",
     "  --snapshot ID   the files of this snapshot (default current)\n"
     "  --format F      table, json or jsonl (default: table on a terminal, json when piped)\n",
     "korolev table files demo.events --format table"},
    {"table list", "list the tables of a namespace", "table list NS [--format table|json|jsonl]",
     LIST_FMT,
     "korolev table list demo\n"
     "korolev table list demo --format json"},
    {"table expire", "expire old snapshots and remove unreferenced files",
     "table expire NS.T [--older-than TS] [--retain-last N] [--files-older-than TS | --keep-files]",
     "  --older-than TS         expire snapshots older than TS (ISO-8601, ms or 'now')\n"
     "  --retain-last N         but keep the last N\n"
     "  --files-older-than TS   remove unreferenced files older than TS\n"
     "  --keep-files            remove no files\n",
     "korolev table expire demo.t --older-than 2024-05-01T00:00:00Z --retain-last 5"},
    {"table rollback", "make an earlier snapshot current", "table rollback NS.T SNAPSHOT", NULL,
     "korolev table rollback demo.t 3051729675574597004"},
    {"table add-column", "add a column (schema evolution)", "table add-column NS.T NAME TYPE",
     "  NAME   a.b adds inside struct a; TYPE an Iceberg type (long, string, decimal(9,2), ...)\n",
     "korolev table add-column demo.t country string"},
    {"table rename-column", "rename a column", "table rename-column NS.T OLD NEW", NULL,
     "korolev table rename-column demo.t country country_code"},
    {"table drop-column", "drop a column", "table drop-column NS.T NAME", NULL,
     "korolev table drop-column demo.t country_code"},
    {"table delete", "delete the rows matching a filter",
     "table delete NS.T --where FILTER [--branch B]",
     "  --where FILTER   rows to delete: \"id > 5 and name = 'x'\" (copy-on-write)\n"
     "  --branch B       on branch B\n",
     "korolev table delete demo.t --where 'id >= 5 and bool_col = true'"},
    {"table overwrite", "replace the rows matching a filter with new files",
     "table overwrite NS.T --where FILTER [--branch B] FILE.parquet...",
     "  --where FILTER   rows to replace with the files' rows (INSERT OVERWRITE)\n"
     "  --branch B       on branch B\n" PROGRESS,
     "korolev table overwrite demo.t --where 'day = 20240501' day.parquet"},
    {"table replace", "replace all rows with new files",
     "table replace NS.T [--branch B] FILE.parquet...", "  --branch B   on branch B\n" PROGRESS,
     "korolev table replace demo.t all.parquet"},
    {"table partition", "change the partition spec", "table partition NS.T SPEC",
     "  SPEC   the new partition spec ('' for unpartitioned)\n",
     "korolev table partition demo.t 'bucket(4,id)'"},
    {"table tag", "tag a snapshot",
     "table tag NS.T NAME [SNAPSHOT] [--replace] [--max-ref-age-ms N]",
     "  SNAPSHOT             default: the current snapshot\n"
     "  --replace            move an existing tag\n"
     "  --max-ref-age-ms N   expire the tag after N ms\n",
     "korolev table tag demo.t v1"},
    {"table branch", "create or move a branch",
     "table branch NS.T NAME [SNAPSHOT] [--replace] [--max-ref-age-ms N] "
     "[--max-snapshot-age-ms N] [--min-snapshots-to-keep N]",
     "  SNAPSHOT                   default: the current snapshot\n"
     "  --replace                  move an existing branch\n"
     "  --max-ref-age-ms N         expire the branch after N ms\n"
     "  --max-snapshot-age-ms N    snapshot retention on the branch\n"
     "  --min-snapshots-to-keep N  snapshot retention on the branch\n",
     "korolev table branch demo.t dev"},
    {"table drop-ref", "drop a tag or branch", "table drop-ref NS.T NAME", NULL,
     "korolev table drop-ref demo.t dev"},
    {"table fast-forward", "move a branch to another's head",
     "table fast-forward NS.T FROM [--to BRANCH]",
     "  --to BRANCH   the branch that catches up (default main)\n",
     "korolev table fast-forward demo.t dev"},
    /* ------------------------------------------------------------ audit */
    {"audit", "the catalog's audit trail", "audit list|verify", NULL,
     "korolev audit list --limit 10\n"
     "korolev audit verify"},
    {"audit list", "list audit records",
     "audit list [--object X] [--action A] [--limit N] [--format table|json|jsonl]",
     "  --object X   records about this object (e.g. demo.t)\n"
     "  --action A   records of this action (e.g. table.commit)\n"
     "  --limit N    at most N records\n"
     "  --format F   table, json or jsonl (default: table on a terminal, jsonl when piped)\n",
     "korolev audit list --object demo.t --limit 5\n"
     "korolev audit list --action table.commit --format json"},
    {"audit verify", "verify the audit hash chain", "audit verify",
     "  (checks the hash chain of every record; exit 1 if broken)\n", "korolev audit verify"},
    /* ------------------------------------------------------------ sql */
    {"sql", "run SQL queries against the warehouse",
     "sql [--format table|csv|jsonl|parquet] [--output FILE] [--threads N] "
     "[--memory-limit SIZE] [--timeout SEC] (\"SQL\" | -f FILE | stdin)",
     "  --format F          table (default), csv, jsonl or parquet\n"
     "  --output FILE       write the results to FILE (parquet needs it)\n"
     "  --threads N         worker threads (0: all cores)\n"
     "  --memory-limit SIZE e.g. 2GB\n"
     "  --timeout SEC       cancel the query after SEC seconds\n"
     "  -f FILE             read the statements from FILE\n",
     "korolev sql \"select kind, count(*) from demo.events group by kind\"\n"
     "korolev sql --format csv -f report.sql --output report.csv"},
    /* ------------------------------------------------------------ ingest */
    {"ingest", "load JSON lines, CSV or Parquet with rejects and accounting",
     "ingest NS.T FILE|URI|-... [--input-format jsonl|csv|parquet] [--header|--no-header] "
     "[--delimiter C] [--quote C] [--idempotency-key K] [--max-reject-ratio R] "
     "[--unknown-fields reject|ignore] [--batch-rows N] [--max-line-bytes N] [--threads N] "
     "[--progress|--no-progress]",
     "  --input-format F         jsonl|csv|parquet (default: each name's extension;\n"
     "                           needed for -); --format is the old spelling\n"
     "  --header | --no-header   CSV header row (default --header)\n"
     "  --delimiter C, --quote C CSV (\"tab\" for a tab)\n"
     "  --idempotency-key K      a repeated ingest returns the first record\n"
     "  --max-reject-ratio R     commit nothing when more than R of the rows are rejected\n"
     "  --unknown-fields M       reject (default) or ignore fields not in the table\n"
     "  --batch-rows N           rows per batch\n"
     "  --max-line-bytes N       longest JSON line or CSV record\n"
     "  --threads N              2: parse and write Parquet in parallel\n" PROGRESS
     "  (prints the ingest record as JSON; exit 1 when the ingest failed)\n",
     "korolev ingest demo.people people.csv\n"
     "zcat events.jsonl.gz | korolev ingest demo.events - --input-format jsonl"},
    /* ------------------------------------------------------------ serve */
    {"serve", "run the HTTP server: Iceberg REST catalog, Korolev API, console",
     "serve [--listen HOST:PORT] [--config FILE] [--allow-anonymous] [--console-dir DIR] "
     "[--tls-cert PEM --tls-key PEM] [--threads N] [--max-body-bytes N] [--timeout SEC] "
     "[--pipelines DIR] [--workers N | --no-workers]",
     "  --listen HOST:PORT     default 127.0.0.1:8181\n"
     "  --config FILE          \"key = value\" lines (listen, warehouse, catalog, ...);\n"
     "                         flags given here override it\n"
     "  --allow-anonymous      requests without a token act as an anonymous admin\n"
     "                         (only on a loopback listen address)\n"
     "  --console-dir DIR      the web console (default ./console when it exists)\n"
     "  --tls-cert PEM, --tls-key PEM  serve HTTPS\n"
     "  --threads N            HTTP threads\n"
     "  --max-body-bytes N     largest request body\n"
     "  --timeout SEC          request timeout (--timeout-seconds is the old spelling)\n"
     "  --pipelines DIR        pipeline definitions (default ./pipelines when it exists)\n"
     "  --workers N            pipeline executor threads in the server (default 1)\n"
     "  --no-workers           run no pipelines in the server\n",
     "korolev serve --listen 0.0.0.0:8181\n"
     "korolev --catalog postgresql://ko@db/ko --warehouse gs://bkt/wh serve --no-workers"},
    /* ------------------------------------------------------------ token */
    {"token", "bearer tokens for the server", "token create|list|revoke ...", NULL,
     "TOKEN=$(korolev token create --principal me --role admin)\n"
     "korolev token list"},
    {"token create", "create a token and print it once",
     "token create --principal NAME --role reader|writer|admin [--namespace NS]",
     "  --principal NAME   who the token is for\n"
     "  --role R           reader, writer or admin\n"
     "  --namespace NS     limit the token to NS\n"
     "  (prints the token once on stdout; it cannot be shown again)\n",
     "korolev token create --principal etl --role writer --namespace demo"},
    {"token list", "list tokens (without secrets)", "token list [--format table|json|jsonl]",
     LIST_FMT "  (never shows secrets)\n",
     "korolev token list\n"
     "korolev token list --format json | jq '.[].id'"},
    {"token revoke", "revoke a token", "token revoke ID", NULL,
     "korolev token revoke 5f0c2a9e7d1b4c3a"},
    /* ------------------------------------------------------------ pipeline */
    {"pipeline", "YAML pipelines, their runs, logs and alerts",
     "pipeline SUB ... [--pipelines DIR]",
     "  --pipelines DIR   the pipeline definitions (default $KOROLEV_PIPELINES, else "
     "./pipelines)\n",
     "korolev pipeline list --pipelines examples/pipelines\n"
     "korolev pipeline runs --limit 20"},
    {"pipeline list", "list the pipelines of the directory",
     "pipeline list [--pipelines DIR] [--format table|json|jsonl]",
     LIST_FMT "  --pipelines DIR              the definitions\n",
     "korolev pipeline list --pipelines examples/pipelines --format json"},
    {"pipeline validate", "validate pipeline definitions",
     "pipeline validate [FILE...] [--pipelines DIR]",
     "  FILE   validate these files (default: every file of the directory)\n",
     "korolev pipeline validate examples/pipelines/daily_report.yaml"},
    {"pipeline run", "queue a run (or a backfill, or a dry run)",
     "pipeline run NAME [--param k=v]... [--backfill FROM..TO] [--dry-run] [--pipelines DIR]",
     "  --param k=v          a parameter (ds=YYYY-MM-DD is the logical date)\n"
     "  --backfill FROM..TO  queue one run per date\n"
     "  --dry-run            check the steps without running (exit 1 if a check fails)\n"
     "  (queues the run and prints its id; `korolev worker --once` runs it)\n",
     "korolev pipeline run daily_report --param ds=2024-05-01\n"
     "korolev pipeline run daily_report --backfill 2024-05-01..2024-05-07"},
    {"pipeline runs", "list runs",
     "pipeline runs [NAME] [--state S] [--limit N] [--format table|json|jsonl]",
     "  --state S    queued|running|retrying|succeeded|failed|cancelled\n"
     "  --limit N    at most N runs, newest first\n" LIST_FMT
     "  --json       the old spelling of --format json\n",
     "korolev pipeline runs daily_report --state failed\n"
     "korolev pipeline runs --format json | jq '.[0].state'"},
    {"pipeline show", "print one run as JSON", "pipeline show RUN", "  (one run as JSON)\n",
     "korolev pipeline show 0b9f8a8e-1f6e-4a57-9d0e-2f4f3b7a5c11"},
    {"pipeline logs", "print the logs of every attempt of a run", "pipeline logs RUN", NULL,
     "korolev pipeline logs 0b9f8a8e-1f6e-4a57-9d0e-2f4f3b7a5c11"},
    {"pipeline cancel", "cancel a run", "pipeline cancel RUN", NULL,
     "korolev pipeline cancel 0b9f8a8e-1f6e-4a57-9d0e-2f4f3b7a5c11"},
    {"pipeline alerts", "list alerts", "pipeline alerts [--limit N] [--format table|json|jsonl]",
     "  --limit N    at most N alerts, newest first\n" LIST_FMT,
     "korolev pipeline alerts --limit 10"},
    {"pipeline tick", "run one scheduler tick", "pipeline tick [--pipelines DIR]",
     "  (one scheduler tick: queues the runs that are due; runs nothing)\n",
     "korolev pipeline tick --pipelines examples/pipelines"},
    {"pipeline maintenance", "table maintenance and log retention",
     "pipeline maintenance [--log-retention DURATION]",
     "  --log-retention D   keep run logs this long (default 30d)\n"
     "  (expires snapshots and removes unreferenced files of every table; JSON report)\n",
     "korolev pipeline maintenance --log-retention 14d"},
    /* ------------------------------------------------------------ worker */
    {"worker", "execute pipeline runs (and the scheduler)",
     "worker [--concurrency N] [--once] [--pipelines DIR] [--lease MS] [--poll MS] "
     "[--no-scheduler] [--id ID]",
     "  --concurrency N   executor threads (default 1)\n"
     "  --once            one tick, run every ready run, exit\n"
     "  --pipelines DIR   default $KOROLEV_PIPELINES, else ./pipelines\n"
     "  --lease MS        lease length (default 30000; KOROLEV_LEASE_MS)\n"
     "  --poll MS         tick interval (default 1000; KOROLEV_POLL_MS)\n"
     "  --no-scheduler    execute runs only\n"
     "  --id ID           worker id (default host:pid)\n",
     "korolev worker --concurrency 4\n"
     "korolev worker --once --pipelines examples/pipelines"},
    /* ------------------------------------------------------------ misc */
    {"version", "print the version", "version", NULL, "korolev version"},
    {"help", "show help for a verb", "help [VERB [SUB]]",
     "  (the same as korolev VERB [SUB] --help)\n", "korolev help table append"},
};

static const help_entry *find(const char *verb, const char *sub)
{
    char path[128];
    snprintf(path, sizeof path, "%s%s%s", verb, sub ? " " : "", sub ? sub : "");
    for (size_t i = 0; i < KO_ARRAY_LEN(entries); i++)
        if (strcmp(entries[i].path, path) == 0)
            return &entries[i];
    return NULL;
}

bool ko_cli_has_help(const char *verb, const char *sub)
{
    return find(verb, sub) != NULL;
}

static const ko_cli_command *find_command(const char *verb)
{
    size_t n = 0;
    const ko_cli_command *cmds = ko_cli_commands(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(cmds[i].name, verb) == 0)
            return &cmds[i];
    return NULL;
}

/* Whether word is one of the space-separated words of list. */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return true;
        p = end ? end + 1 : p + len;
    }
    return false;
}

/* Prints text with every line indented by two spaces. */
static void indented(const char *text)
{
    while (*text) {
        const char *nl = strchr(text, '\n');
        int len = nl ? (int)(nl - text) : (int)strlen(text);
        printf("  %.*s\n", len, text);
        text += len + (nl ? 1 : 0);
    }
}

static void print_subs(const ko_cli_command *c)
{
    printf("\nSub-verbs (korolev %s SUB --help for each):\n", c->name);
    for (const char *p = c->subs; *p;) {
        const char *end = strchr(p, ' ');
        int len = end ? (int)(end - p) : (int)strlen(p);
        char sub[64];
        snprintf(sub, sizeof sub, "%.*s", len, p);
        const help_entry *e = find(c->name, sub);
        printf("  %-14s %s\n", sub, e ? e->summary : "(no help)");
        p += len + (end ? 1 : 0);
    }
}

static const char GLOBAL_FLAGS[] =
    "\nGlobal flags (before or after the verb):\n"
    "  --warehouse URI   where tables live (default ./warehouse; env KO_WAREHOUSE)\n"
    "  --catalog URI     sqlite:PATH or postgresql://... (default sqlite:<warehouse>/"
    "catalog.db; env KO_CATALOG)\n"
    "  --output FILE     write standard output to FILE\n"
    "  -h, --help        this help\n";

static int verb_help(const ko_cli_command *c, const char *sub)
{
    const help_entry *e = find(c->name, sub);
    if (!e) {
        fprintf(stderr, "korolev: no help for '%s%s%s'\n", c->name, sub ? " " : "", sub ? sub : "");
        return KO_EXIT_FAIL;
    }
    printf("korolev %s%s%s - %s\n\nusage: korolev %s\n", c->name, sub ? " " : "", sub ? sub : "",
           e->summary, e->usage);
    if (!sub && c->subs[0])
        print_subs(c);
    if (e->flags) {
        printf("\nFlags:\n");
        (void)fputs(e->flags, stdout);
    }
    printf("\nExamples:\n");
    indented(e->examples);
    (void)fputs(GLOBAL_FLAGS, stdout);
    printf("\nExit status: 0 ok, 1 error, 2 usage error (docs/cli.md).\n");
    return KO_EXIT_OK;
}

static int top_help(void)
{
    size_t n = 0;
    const ko_cli_command *cmds = ko_cli_commands(&n);
    printf("korolev - a low-cost data platform on Apache Iceberg\n\n"
           "usage: korolev [--warehouse URI] [--catalog URI] VERB [SUB] [ARGS] [FLAGS]\n"
           "       korolev VERB [SUB] --help\n\nVerbs:\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-10s %s\n", cmds[i].name, cmds[i].summary);
    (void)fputs(GLOBAL_FLAGS, stdout);
    printf("\nListing verbs (store ls, namespace list, table list|history|files, token list,\n"
           "audit list, pipeline list|runs|alerts, iceberg snapshots|files) take\n"
           "--format table|json|jsonl; long work (ingest, table append|overwrite|replace)\n"
           "shows a progress bar when stderr is a terminal.\n"
           "\nStores are local paths, file://, s3://bucket/prefix or gs://bucket/prefix;\n"
           "S3 settings come from S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, ...\n"
           "\nExamples:\n"
           "  korolev namespace create demo\n"
           "  korolev ingest demo.people people.csv\n"
           "  korolev sql \"select count(*) from demo.people\"\n"
           "  korolev table list demo --format json\n"
           "\nExit status:\n  0  success\n  1  error (the message is on stderr)\n"
           "  2  usage error: unknown verb or flag, missing argument\n"
           "\nThe reference is docs/cli.md.\n");
    return KO_EXIT_OK;
}

/* `korolev help --commands`: every verb and "verb sub", one a line, from
 * main.c's table (tests/integration/cli_help.sh). */
static int list_commands(void)
{
    size_t n = 0;
    const ko_cli_command *cmds = ko_cli_commands(&n);
    for (size_t i = 0; i < n; i++) {
        printf("%s\n", cmds[i].name);
        for (const char *p = cmds[i].subs; *p;) {
            const char *end = strchr(p, ' ');
            int len = end ? (int)(end - p) : (int)strlen(p);
            printf("%s %.*s\n", cmds[i].name, len, p);
            p += len + (end ? 1 : 0);
        }
    }
    return KO_EXIT_OK;
}

int ko_cli_unknown_sub(const char *verb, const char *sub)
{
    const help_entry *e = find(verb, NULL);
    fprintf(stderr, "korolev: unknown sub-verb '%s %s'\n", verb, sub);
    return ko_cli_usage(e ? e->usage : verb);
}

int ko_cli_help(const char *verb, const char *sub)
{
    if (!verb)
        return top_help();
    if (strcmp(verb, "--commands") == 0)
        return list_commands();
    const ko_cli_command *c = find_command(verb);
    if (!c) {
        fprintf(stderr, "korolev: unknown verb '%s' (korolev --help lists them)\n", verb);
        return KO_EXIT_USAGE;
    }
    if (sub && !has_word(c->subs, sub))
        return ko_cli_unknown_sub(verb, sub);
    return verb_help(c, sub);
}
