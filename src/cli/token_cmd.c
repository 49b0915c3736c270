/*
 * token_cmd.c - `korolev token create|list|revoke`: bearer tokens of the
 * server, kept in the catalog as salted hashes (catalog.h, "tokens").
 *
 *   token create --principal NAME --role reader|writer|admin [--namespace NS]
 *   token list [--format table|json|jsonl]
 *   token revoke ID
 *
 * create prints the token once, on stdout, and nothing else there: it is
 * not stored and cannot be shown again.  list never shows secrets.
 * The acting principal recorded in the audit trail is KO_PRINCIPAL, else
 * USER.
 */
#include "catalog/catalog.h"
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char USAGE[] = "token create --principal NAME --role reader|writer|admin "
                            "[--namespace NS] | list [--format table|json|jsonl] | revoke ID";

void ko_cli_make_catalog_dir(const char *uri)
{
    if (strncmp(uri, "sqlite:", 7) != 0 || strcmp(uri, "sqlite::memory:") == 0)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s", uri + 7);
    char *slash = strrchr(path, '/');
    if (!slash)
        return;
    *slash = '\0';
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        (void)mkdir(path, 0777);
        *p = '/';
    }
    (void)mkdir(path, 0777);
}

static ko_cat_change actor(void)
{
    const char *p = getenv("KO_PRINCIPAL");
    return (ko_cat_change){p && *p ? p : getenv("USER"), NULL};
}

static int create(ko_cat *cat, int argc, char **argv)
{
    const char *principal = NULL, *role = NULL, *ns = NULL;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc)
            return ko_cli_usage(USAGE);
        if (strcmp(argv[i], "--principal") == 0)
            principal = argv[i + 1];
        else if (strcmp(argv[i], "--role") == 0)
            role = argv[i + 1];
        else if (strcmp(argv[i], "--namespace") == 0)
            ns = argv[i + 1];
        else
            return ko_cli_usage(USAGE);
    }
    if (!principal || !role)
        return ko_cli_usage(USAGE);
    char token[KO_CAT_TOKEN_MAX], id[17];
    ko_err err = {0};
    ko_cat_change chg = actor();
    if (ko_cat_token_create(cat, &chg, principal, role, ns, token, id, &err) != KO_OK)
        return ko_cli_fail(&err);
    printf("%s\n", token);
    fprintf(stderr, "korolev: token %s for %s (%s%s%s) created; it is shown only this once\n", id,
            principal, role, ns ? ", namespace " : "", ns ? ns : "");
    return 0;
}

static const ko_cli_col TOKEN_COLS[] = {
    {"ID", "id", false},           {"PRINCIPAL", "principal", false},
    {"ROLE", "role", false},       {"NAMESPACE", "namespace", false},
    {"CREATED", "created", false}, {"REVOKED", "revoked", false}};

static int list(ko_cat *cat, ko_cli_fmt fmt)
{
    ko_arena a = {0};
    ko_cat_token *items = NULL;
    size_t n = 0;
    ko_err err = {0};
    if (ko_cat_token_list(cat, &a, &items, &n, &err) != KO_OK) {
        ko_arena_free(&a);
        return ko_cli_fail(&err);
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        char created[KO_TIME_STR_MAX], revoked[KO_TIME_STR_MAX];
        ko_time_format(items[i].created_us, created);
        ko_time_format(items[i].revoked_us, revoked);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?}", "id", items[i].id,
                                             "principal", items[i].principal, "role", items[i].role,
                                             "namespace", items[i].ns, "created", created,
                                             "revoked", items[i].revoked_us ? revoked : NULL));
    }
    ko_arena_free(&a);
    return ko_cli_print_list(arr, fmt, TOKEN_COLS, KO_ARRAY_LEN(TOKEN_COLS));
}

int ko_cli_token(int argc, char **argv)
{
    if (argc < 2)
        return ko_cli_usage(USAGE);
    ko_cli_fmt fmt = KO_CLI_FMT_TABLE;
    bool is_create = strcmp(argv[1], "create") == 0;
    bool is_list = strcmp(argv[1], "list") == 0 &&
                   (argc == 2 || (argc == 4 && strcmp(argv[2], "--format") == 0 &&
                                  ko_cli_fmt_parse(argv[3], &fmt)));
    bool is_revoke = strcmp(argv[1], "revoke") == 0 && argc == 3;
    if (!is_create && !is_list && !is_revoke)
        return ko_cli_usage(USAGE);
    ko_cat *cat = NULL;
    ko_err err = {0};
    ko_cli_make_catalog_dir(ko_cli_catalog());
    if (ko_cat_open(ko_cli_catalog(), NULL, &cat, &err) != KO_OK)
        return ko_cli_fail(&err);
    int rc = 0;
    if (is_create)
        rc = create(cat, argc, argv);
    else if (is_list)
        rc = list(cat, fmt);
    else {
        ko_cat_change chg = actor();
        rc = ko_cat_token_revoke(cat, &chg, argv[2], &err) == KO_OK ? 0 : ko_cli_fail(&err);
    }
    ko_cat_close(cat);
    return rc;
}
