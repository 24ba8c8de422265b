/* cmd_bundle.h — `healthcode bundle make|show`, and the --root/--bundle/
 * --state/--accept-stale options that verify and check share. */
#ifndef HC_CMD_BUNDLE_H
#define HC_CMD_BUNDLE_H

#include <healthcode/healthcode.h>

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
} cli_bundle_opts;

/* Handles --root, --bundle, --state, --accept-stale (name without "--"):
 * 0 handled, 1 not one of them, or EX_USAGE. */
int cli_bundle_option(const char *cmd, cli_bundle_opts *b, const char *name, const char *val);

/* Loads the roots, the state (DIR/bundle-state.cbor) and the bundles at now.
 * Returns 0 or an exit status (a refused bundle: 20-27, printed). */
int cli_bundle_load(const char *cmd, cli_bundle_opts *b, int64_t now);

/* The exit status of a bundle error (20-27), or 0 if err is not one. */
int cli_bundle_exit_for(hc_err err);

void cli_bundle_free(cli_bundle_opts *b);

#endif
