/* cmd_bundle.h — `healthcode bundle make|show`, and the --root/--bundle/
 * --state/--accept-stale options that verify and check share. */
#ifndef HC_CMD_BUNDLE_H
#define HC_CMD_BUNDLE_H

#include <healthcode/healthcode.h>
#include <jansson.h>

/* The command itself, cmd_bundle(), is declared in cmd.h with the others. */

/* The bundle options of verify and check, collected in order. */
#define CLI_BUNDLE_MAX 8
typedef struct {
    const char *roots[CLI_BUNDLE_MAX];
    size_t n_roots;
    const char *bundles[CLI_BUNDLE_MAX];   /* applied in order: a full one, then a delta */
    size_t n_bundles;
    const char *state_dir;
    bool accept_stale;
    hc_bundle_store *store;                /* after cli_bundle_load */
    hc_err err;                            /* why cli_bundle_load failed (HC_OK: usage) */
    char message[512];                     /* … in words: "PATH: what" */
} cli_bundle_opts;

/* Handles --root, --bundle, --state, --accept-stale (name without "--"):
 * 0 handled, 1 not one of them, or EX_USAGE. */
int cli_bundle_option(const char *cmd, cli_bundle_opts *b, const char *name, const char *val);

/* Loads the roots, the state (DIR/bundle-state.cbor) and the bundles at now,
 * as one all-or-nothing set; without --state it warns on stderr that the
 * run has no rollback protection. Returns 0 or an exit status (a refused
 * bundle: 20-27; a file or key that cannot be read: 3), printed, and for
 * those b->err and b->message say why. */
int cli_bundle_load(const char *cmd, cli_bundle_opts *b, int64_t now);

/* The bundle members of a verdict, when bundles were given: stale_trust
 * (null when no trust was loaded) and rollback_protected (--state given). */
void cli_bundle_json(json_t *o, const cli_bundle_opts *b);

/* The exit status of a bundle error (20-27), or 0 if err is not one. */
int cli_bundle_exit_for(hc_err err);

void cli_bundle_free(cli_bundle_opts *b);

#endif
