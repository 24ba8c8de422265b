/* register_stats.c — the province's numbers: the counts table, a summary
 * that every write adds to (a code counts once in its (day, prefecture,
 * colour) row), and stats read from it alone, so that counting 10 million
 * codes reads a few hundred rows, not the codes (doc/register.md). */
#include "internal.h"
#include "clock_impl.h"
#include "register_impl.h"

#include <stdlib.h>
#include <string.h>

#define CST_OFFSET_S (8 * 3600)   /* days are counted at UTC+08:00 */

int64_t hc_reg_day(int64_t t)
{
    return hc_clock_local_day(t, CST_OFFSET_S);
}

uint32_t hc_reg_prefecture(uint32_t region)
{
    return region / 100 * 100;
}

hc_err hc_reg_count_add(hc_register *reg, int64_t day, uint32_t region, hc_colour colour, int64_t n,
                        hc_diag *diag)
{
    sqlite3_stmt *st = hc_reg_stmt(reg, ST_COUNT_ADD);
    if (!st)
        return hc_reg_sql_error(reg, sqlite3_errcode(reg->db), diag, "adding to the counts");
    sqlite3_bind_int64(st, 1, day);
    sqlite3_bind_int64(st, 2, hc_reg_prefecture(region));
    sqlite3_bind_text(st, 3, hc_colour_name(colour), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, n);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? HC_OK : hc_reg_sql_error(reg, rc, diag, "adding to the counts");
}

/* The key column of each grouping. */
static const char *const key_expr[] = {
    [HC_STATS_TOTAL] = "0",
    [HC_STATS_BY_DAY] = "day",
    [HC_STATS_BY_PROVINCE] = "region / 10000 * 10000",
    [HC_STATS_BY_PREFECTURE] = "region",
};

static hc_err add_row(hc_register_stats *s, size_t *cap, int64_t key)
{
    if (!hc_reg_grow(&s->rows, s->n_rows, cap, sizeof *s->rows, 64))
        return HC_E_NOMEM;
    memset(&s->rows[s->n_rows], 0, sizeof s->rows[0]);
    s->rows[s->n_rows++].key = key;
    return HC_OK;
}

static hc_err read_groups(hc_register *reg, hc_register_stats *s)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s AS k, colour, sum(n) FROM counts GROUP BY k, colour ORDER BY k",
             key_expr[s->by]);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(reg->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(reg, rc, NULL, "reading the counts");
    size_t cap = 0;
    hc_err err = HC_OK;
    while (err == HC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t key = sqlite3_column_int64(st, 0);
        hc_colour c;
        const unsigned char *col = sqlite3_column_text(st, 1);
        if (!col || hc_colour_parse((const char *)col, &c) != HC_OK) {
            err = HC_E_REGISTER;   /* a counts row edited by hand: the audit names it */
            break;
        }
        if (s->n_rows == 0 || s->rows[s->n_rows - 1].key != key)
            err = add_row(s, &cap, key);
        if (err == HC_OK) {
            uint64_t n = (uint64_t)sqlite3_column_int64(st, 2);
            s->rows[s->n_rows - 1].issued[c] += n;
            s->issued[c] += n;
        }
    }
    if (err == HC_OK && rc != SQLITE_DONE)
        err = hc_reg_sql_error(reg, rc, NULL, "reading the counts");
    sqlite3_finalize(st);
    return err;
}

static hc_err read_acts(hc_register *reg, hc_register_stats *s)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(reg->db, "SELECT (SELECT count(*) FROM corrections),"
                                " (SELECT count(*) FROM revocations WHERE cti IS NOT NULL),"
                                " (SELECT count(*) FROM revocations WHERE sub IS NOT NULL)", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        s->corrections = (uint64_t)sqlite3_column_int64(st, 0);
        s->revoked_cti = (uint64_t)sqlite3_column_int64(st, 1);
        s->revoked_sub = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? HC_OK : hc_reg_sql_error(reg, rc, NULL, "reading the corrections");
}

hc_err hc_register_stats_get(hc_register *reg, hc_stats_by by, hc_register_stats **out)
{
    if (!reg || !out || (unsigned)by > HC_STATS_BY_PREFECTURE)
        return HC_E_ARG;
    *out = NULL;
    hc_register_stats *s = calloc(1, sizeof *s);
    if (!s)
        return HC_E_NOMEM;
    s->by = by;
    /* one snapshot for both reads */
    int rc = hc_reg_exec(reg, "BEGIN");
    hc_err err = rc == SQLITE_OK ? read_groups(reg, s) : hc_reg_sql_error(reg, rc, NULL, "reading the counts");
    if (err == HC_OK)
        err = read_acts(reg, s);
    hc_reg_rollback(reg);
    if (err != HC_OK) {
        hc_register_stats_free(s);
        return err;
    }
    *out = s;
    return HC_OK;
}

void hc_register_stats_free(hc_register_stats *s)
{
    if (!s)
        return;
    free(s->rows);
    free(s);
}

#if !HC_WITH_REGISTER_CHART
hc_err hc_register_chart(const hc_register_stats *s, hc_chart_format format, const char *path)
{
    (void)s, (void)format, (void)path;
    return HC_E_UNSUPPORTED;
}
#endif
