/* register.c — the issuer's register: opening a file (or making it with its
 * schema), checking that it is a register of this version, the handle, its
 * signing key and the write transactions every other room of the register
 * goes through (register_impl.h; the schema is documented in doc/register.md). */
#include "cbor_impl.h"
#include "internal.h"
#include "register_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BUSY_MS 10000

/* The schema of version 1 (doc/register.md explains each column). Every
 * event table has seq, its place in the one chain over all of them, and
 * chain, the chain hash after it. */
static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE codes(seq INTEGER PRIMARY KEY, cti TEXT NOT NULL, sub TEXT, iss TEXT NOT NULL,"
    " kid TEXT NOT NULL, colour TEXT NOT NULL, iat INTEGER NOT NULL, exp INTEGER NOT NULL,"
    " region INTEGER, kind TEXT NOT NULL, doc TEXT, batch TEXT, line INTEGER,"
    " personal BLOB NOT NULL, chain BLOB NOT NULL);"
    /* by batch first: a batch's codes go into a part of the index of their
     * own, so that recording them costs the same in a register of 10 million
     * codes as in an empty one (an index on cti alone made each new code
     * touch a random page of the whole register: 23 us a code at 10 M); a
     * lookup by cti seeks once a batch (hc_reg_find_code) */
    "CREATE INDEX codes_cti ON codes(batch, cti);"
    /* a batch's progress, kept with its rows: what a resume reconciles
     * against (an index on (batch, line) cost a tenth of a batch's time) */
    "CREATE TABLE batches(batch TEXT PRIMARY KEY, rows INTEGER NOT NULL, last_line INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE corrections(seq INTEGER PRIMARY KEY, old_cti TEXT NOT NULL, new_cti TEXT NOT NULL,"
    " operator TEXT NOT NULL, reason TEXT NOT NULL, evidence TEXT, at INTEGER NOT NULL,"
    " chain BLOB NOT NULL);"
    "CREATE TABLE revocations(seq INTEGER PRIMARY KEY, cti TEXT, sub TEXT, reason TEXT NOT NULL,"
    " operator TEXT NOT NULL, at INTEGER NOT NULL, chain BLOB NOT NULL);"
    "CREATE INDEX revocations_cti ON revocations(cti) WHERE cti IS NOT NULL;"
    "CREATE INDEX revocations_sub ON revocations(sub) WHERE sub IS NOT NULL;"
    "CREATE TABLE purges(seq INTEGER PRIMARY KEY, before INTEGER NOT NULL, operator TEXT NOT NULL,"
    " at INTEGER NOT NULL, rows INTEGER NOT NULL, chain BLOB NOT NULL);"
    "CREATE TABLE heads(seq INTEGER PRIMARY KEY, chain BLOB NOT NULL, kid TEXT NOT NULL,"
    " alg INTEGER NOT NULL, sig BLOB NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE counts(day INTEGER NOT NULL, region INTEGER NOT NULL, colour TEXT NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(day, region, colour)) WITHOUT ROWID;";

static const char *const tables[] = {"meta", "codes", "batches", "corrections", "revocations", "purges",
                                     "heads", "counts"};

static const char *const stmt_sql[ST__COUNT] = {
    [ST_INSERT_CODE] = "INSERT INTO codes(seq, cti, sub, iss, kid, colour, iat, exp, region, kind,"
                       " doc, batch, line, personal, chain) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_COUNT_ADD] = "INSERT INTO counts(day, region, colour, n) VALUES(?,?,?,?)"
                     " ON CONFLICT(day, region, colour) DO UPDATE SET n = n + excluded.n",
    [ST_INSERT_HEAD] = "INSERT INTO heads(seq, chain, kid, alg, sig, at) VALUES(?,?,?,?,?,?)",
    [ST_LAST_HEAD] = "SELECT seq, chain FROM codes WHERE seq = (SELECT max(seq) FROM codes)"
                     " UNION ALL SELECT seq, chain FROM corrections WHERE seq = (SELECT max(seq) FROM corrections)"
                     " UNION ALL SELECT seq, chain FROM revocations WHERE seq = (SELECT max(seq) FROM revocations)"
                     " UNION ALL SELECT seq, chain FROM purges WHERE seq = (SELECT max(seq) FROM purges)",
    [ST_BATCH_ADD] = "INSERT INTO batches(batch, rows, last_line) VALUES(?,?,?) ON CONFLICT(batch)"
                     " DO UPDATE SET rows = rows + excluded.rows, last_line = max(last_line, excluded.last_line)",
    [ST_FIND_CTI] = "SELECT seq, cti, sub, iss, kid, colour, iat, exp, region, kind, doc, batch, line"
                    " FROM codes WHERE cti = ?1 AND batch IS ?2 ORDER BY seq LIMIT 1",
};

/* ------------------------------------------------------------- helpers */

bool hc_reg_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
    void **p = arr;
    if (n < *cap)
        return true;
    size_t c = *cap ? 2 * *cap : first;
    void *q = realloc(*p, c * size);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

/* UTF-8 text of 1 to max bytes (the library's one UTF-8 check: no
 * overlong form, surrogate or code point past U+10FFFF), with no control
 * character. */
static bool good_text(const char *s, size_t max)
{
    size_t n = s ? strnlen(s, max + 1) : 0;
    if (n == 0 || n > max || !hc_cbor_utf8_ok((const uint8_t *)s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

hc_err hc_reg_check_action(const hc_register_action *act, bool need_reason, hc_diag *diag)
{
    if (!act)
        return hc_diag_set(diag, HC_E_ARG, "", "no operator, reason or time given");
    if (!good_text(act->operator_id, 128))
        return hc_diag_set(diag, HC_E_ARG, "operator",
                           "the operator must be 1-128 bytes of text without control characters");
    if (need_reason && !good_text(act->reason, 1024))
        return hc_diag_set(diag, HC_E_ARG, "reason",
                           "the reason must be 1-1024 bytes of text without control characters");
    if (act->evidence && !good_text(act->evidence, 1024))
        return hc_diag_set(diag, HC_E_ARG, "evidence",
                           "the evidence must be 1-1024 bytes of text without control characters");
    if (act->now < 0)
        return hc_diag_set(diag, HC_E_ARG, "now", "the time must not be before 1970");
    return HC_OK;
}

hc_err hc_reg_sql_error(hc_register *reg, int rc, hc_diag *diag, const char *doing)
{
    hc_err err;
    const char *what;
    switch (rc & 0xff) {
    case SQLITE_BUSY: case SQLITE_LOCKED:
        err = HC_E_REGISTER_BUSY, what = "another writer held the lock past the busy timeout";
        break;
    case SQLITE_FULL:
        err = HC_E_IO, what = "the disk (or the file system's quota) is full";
        break;
    case SQLITE_READONLY:
        err = HC_E_IO, what = "the file is read-only";
        break;
    case SQLITE_IOERR: case SQLITE_CANTOPEN: case SQLITE_PERM:
        err = HC_E_IO, what = "the file cannot be written";
        break;
    case SQLITE_NOMEM:
        err = HC_E_NOMEM, what = "out of memory";
        break;
    default:
        err = HC_E_REGISTER, what = "the database refused it";
        break;
    }
    /* what the file system said, when SQLite's own code is vaguer */
    int sys = reg && reg->db ? sqlite3_system_errno(reg->db) : 0;
    if (err == HC_E_IO && (sys == ENOSPC || sys == EDQUOT))
        what = "the disk (or the file system's quota) is full";
    else if (err == HC_E_IO && (sys == EROFS || sys == EACCES || sys == EPERM))
        what = "the file (or its directory) is read-only";
    const char *msg = reg && reg->db ? sqlite3_errmsg(reg->db) : sqlite3_errstr(rc);
    hc_diag_set(diag, err, "", "%s: %s: %s (%s); nothing of it was written", reg ? reg->path : "register",
                doing, what, msg);
    return err;
}

int hc_reg_exec(hc_register *reg, const char *sql)
{
    return sqlite3_exec(reg->db, sql, NULL, NULL, NULL);
}

hc_err hc_reg_prepare(hc_register *reg, const char *sql, sqlite3_stmt **st, const char *doing, hc_diag *diag)
{
    int rc = sqlite3_prepare_v2(reg->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? HC_OK : hc_reg_sql_error(reg, rc, diag, doing);
}

hc_err hc_reg_append(hc_register *reg, hc_reg_head *head, sqlite3_stmt *st, int64_t seq, const uint8_t hash[32],
                     const char *doing, hc_diag *diag)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hc_reg_sql_error(reg, rc, diag, doing);
    head->seq = seq;
    memcpy(head->hash, hash, 32);
    return HC_OK;
}

sqlite3_stmt *hc_reg_stmt(hc_register *reg, int which)
{
    sqlite3_stmt *st = reg->st[which];
    if (!st) {
        if (sqlite3_prepare_v3(reg->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
            return NULL;
        reg->st[which] = st;
    }
    sqlite3_reset(st);
    if (which != ST_INSERT_CODE)   /* which binds every parameter, once a code */
        sqlite3_clear_bindings(st);
    return st;
}

/* ------------------------------------------------------------- opening */

/* One integer from a query without parameters; rc is SQLite's result. */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_NOTFOUND;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Makes the schema in a file that has none, inside one transaction: a second
 * process creating the same file at the same moment finds it made. */
static hc_err create_schema(hc_register *reg, hc_diag *diag)
{
    /* WAL cannot be turned on inside a transaction; on an empty file it is safe. */
    int rc = hc_reg_exec(reg, "PRAGMA journal_mode=WAL");
    if (rc == SQLITE_OK)
        rc = hc_reg_exec(reg, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(reg, rc, diag, "making the schema");
    int64_t n = 0;
    rc = query_int(reg->db, "SELECT count(*) FROM sqlite_master", &n);
    if (rc == SQLITE_OK && n == 0) {
        uint8_t id[16];
        char sql[256];
        if (hc_crypto_random(id, sizeof id) != HC_OK) {
            hc_reg_rollback(reg);
            return hc_diag_set(diag, HC_E_CRYPTO, "", "no random bytes for the register's id");
        }
        hc_hex_encode(id, sizeof id, reg->id);
        snprintf(sql, sizeof sql, "INSERT INTO meta VALUES('id', '%s');"
                 "PRAGMA application_id=%d; PRAGMA user_version=%d;", reg->id, HC_REG_APP_ID,
                 HC_REGISTER_SCHEMA_VERSION);
        rc = hc_reg_exec(reg, schema_sql);
        if (rc == SQLITE_OK)
            rc = hc_reg_exec(reg, sql);
    }
    if (rc == SQLITE_OK)
        rc = hc_reg_exec(reg, "COMMIT");
    if (rc != SQLITE_OK) {
        hc_reg_rollback(reg);
        return hc_reg_sql_error(reg, rc, diag, "making the schema");
    }
    return HC_OK;
}

/* The checks of an existing file: SQLite, our application id, our schema
 * version, every table, the id. */
static hc_err check_register(hc_register *reg, bool may_create, hc_diag *diag)
{
    int64_t app = 0, ver = 0, objs = 0;
    int rc = query_int(reg->db, "PRAGMA application_id", &app);
    if (rc == SQLITE_OK)
        rc = query_int(reg->db, "PRAGMA user_version", &ver);
    if (rc == SQLITE_OK)
        rc = query_int(reg->db, "SELECT count(*) FROM sqlite_master", &objs);
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
        return hc_diag_set(diag, HC_E_REGISTER, "", "%s is not a register: not an SQLite database", reg->path);
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(reg, rc, diag, "opening");
    if (app == 0 && ver == 0 && objs == 0) {
        if (!may_create)
            return hc_diag_set(diag, HC_E_REGISTER, "", "%s is not a register: an empty database", reg->path);
        hc_err err = create_schema(reg, diag);
        if (err != HC_OK)
            return err;
        return check_register(reg, false, diag);
    }
    if (app != HC_REG_APP_ID)
        return hc_diag_set(diag, HC_E_REGISTER, "", "%s is not a register: an SQLite database of another "
                           "application (application_id %lld)", reg->path, (long long)app);
    if (ver != HC_REGISTER_SCHEMA_VERSION)
        return hc_diag_set(diag, HC_E_REGISTER_VERSION, "", "%s is a register of schema version %lld; "
                           "this library reads version %d", reg->path, (long long)ver,
                           HC_REGISTER_SCHEMA_VERSION);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[128];
        int64_t n = 0;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'", tables[i]);
        if ((rc = query_int(reg->db, sql, &n)) != SQLITE_OK)
            return hc_reg_sql_error(reg, rc, diag, "reading the schema");
        if (n != 1)
            return hc_diag_set(diag, HC_E_REGISTER, "", "%s is not a whole register: the table %s is missing",
                               reg->path, tables[i]);
    }
    sqlite3_stmt *st;
    rc = sqlite3_prepare_v2(reg->db, "SELECT value FROM meta WHERE key='id'", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(reg, rc, diag, "reading the id");
    rc = sqlite3_step(st);
    const unsigned char *id = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    uint8_t raw[16];
    bool ok = id && hc_hex_parse((const char *)id, raw, sizeof raw);
    if (ok)
        hc_hex_encode(raw, sizeof raw, reg->id);
    sqlite3_finalize(st);
    if (!ok)
        return hc_diag_set(diag, HC_E_REGISTER, "meta", "%s is not a whole register: it has no id", reg->path);
    return HC_OK;
}

/* A new file, mode 0600 (it holds pseudonyms): SQLite would make it 0644. */
static hc_err make_file(const char *path, hc_diag *diag)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return HC_OK;
    }
    if (errno == EEXIST)
        return HC_OK;
    return hc_diag_set(diag, HC_E_IO, "", "cannot create %s: %s", path, strerror(errno));
}

hc_err hc_register_open(const char *path, unsigned flags, hc_register **out, hc_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof *diag);
    if (!path || !out || (flags & ~(HC_REGISTER_CREATE | HC_REGISTER_READ_ONLY)) ||
        ((flags & HC_REGISTER_CREATE) && (flags & HC_REGISTER_READ_ONLY)))
        return hc_diag_set(diag, HC_E_ARG, "", "a path and valid flags are required");
    *out = NULL;
    hc_register *reg = calloc(1, sizeof *reg);
    if (!reg)
        return HC_E_NOMEM;
    hc_strlcpy(reg->path, path, sizeof reg->path);
    reg->read_only = flags & HC_REGISTER_READ_ONLY;
    hc_err err = hc_sha256_new(&reg->sha);
    if (err != HC_OK)
        goto fail;
    struct stat st;
    if ((flags & HC_REGISTER_CREATE) && (err = make_file(path, diag)) != HC_OK)
        goto fail;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        err = hc_diag_set(diag, HC_E_IO, "", "cannot open %s: %s", path,
                          errno ? strerror(errno) : "not a regular file");
        goto fail;
    }
    /* one thread at a time uses a handle (register.h): no mutex per call */
    int rc = sqlite3_open_v2(path, &reg->db, (reg->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                             SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err = hc_reg_sql_error(reg, rc, diag, "opening");
        goto fail;
    }
    sqlite3_extended_result_codes(reg->db, 1);
    sqlite3_busy_timeout(reg->db, DEFAULT_BUSY_MS);
    if (!reg->read_only && sqlite3_db_readonly(reg->db, "main") == 1) {
        err = hc_diag_set(diag, HC_E_IO, "", "%s is read-only (its mode or its file system): "
                          "a register that records must be writable", path);
        goto fail;
    }
    if ((err = check_register(reg, !reg->read_only, diag)) != HC_OK)
        goto fail;
    /* A commit that returned is on disk (WAL, fsync at each commit). */
    if (!reg->read_only && (rc = hc_reg_exec(reg, "PRAGMA synchronous=FULL; PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=8192")) != SQLITE_OK) {
        err = hc_reg_sql_error(reg, rc, diag, "setting it up");
        goto fail;
    }
    *out = reg;
    return HC_OK;
fail:
    hc_register_free(reg);
    return err;
}

void hc_register_free(hc_register *reg)
{
    if (!reg)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(reg->st[i]);
    sqlite3_close_v2(reg->db);
    hc_signer_free(reg->signer);
    hc_key_free(reg->key);
    hc_sha256_free(reg->sha);
    free(reg);
}

hc_err hc_register_set_key(hc_register *reg, const hc_key *key)
{
    if (!reg || !key)
        return HC_E_ARG;
    if (!hc_key_is_private(key))
        return HC_E_KEY;
    hc_signer *s = NULL;
    hc_key *ref = NULL;
    hc_err err = hc_signer_new(key, &s);
    if (err == HC_OK)
        err = hc_key_ref(key, &ref);
    if (err != HC_OK) {
        hc_signer_free(s);
        return err;
    }
    hc_signer_free(reg->signer);
    hc_key_free(reg->key);
    reg->signer = s;
    reg->key = ref;
    return HC_OK;
}

hc_err hc_register_set_busy_timeout(hc_register *reg, int ms)
{
    if (!reg || ms < 0)
        return HC_E_ARG;
    sqlite3_busy_timeout(reg->db, ms);
    return HC_OK;
}

hc_err hc_register_id(const hc_register *reg, char *buf, size_t cap)
{
    if (!reg || !buf)
        return HC_E_ARG;
    return hc_strlcpy(buf, reg->id, cap) ? HC_OK : HC_E_BUFFER;
}

/* --------------------------------------------------------- transactions */

hc_err hc_reg_begin(hc_register *reg, hc_reg_head *head, hc_diag *diag)
{
    if (!reg->signer)
        return hc_diag_set(diag, HC_E_ARG, "key", "the register needs the issuer's key to sign its head");
    if (reg->read_only)
        return hc_diag_set(diag, HC_E_ARG, "", "%s was opened for reading only", reg->path);
    int rc = hc_reg_exec(reg, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(reg, rc, diag, "taking the write lock");
    /* The head is the last event of every event table: never a head row, so
     * that a deleted head cannot make a writer fork the chain. */
    memset(head, 0, sizeof *head);
    sqlite3_stmt *st = hc_reg_stmt(reg, ST_LAST_HEAD);
    if (!st) {
        rc = sqlite3_errcode(reg->db);
        hc_reg_rollback(reg);
        return hc_reg_sql_error(reg, rc, diag, "reading the chain's head");
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        if (seq > head->seq && sqlite3_column_bytes(st, 1) == 32) {
            head->seq = seq;
            memcpy(head->hash, sqlite3_column_blob(st, 1), 32);
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        hc_reg_rollback(reg);
        return hc_reg_sql_error(reg, rc, diag, "reading the chain's head");
    }
    head->first_seq = head->seq + 1;
    return HC_OK;
}

void hc_reg_rollback(hc_register *reg)
{
    if (!sqlite3_get_autocommit(reg->db))
        (void)hc_reg_exec(reg, "ROLLBACK");
}
