/*
 * libFuzzer target for the importers behind `regio import` with the header
 * mapping of CRM exports (Salesforce and HubSpot column names as they
 * come): the first byte chooses the import (accounts, reps, users, roles,
 * territories, memberships, associations; bit 3 skips invalid rows, bit 4
 * is a dry run), the rest is the file. Each input goes into an in-memory
 * store holding just model "m" with territory "T1" and account "A1" (made
 * once, copied back before every input).
 * An import that fails must say why and leave the store as it was; a dry
 * run must leave it as it was too.
 */
#include "fuzz_file.h"

#include "regio/import.h"
#include "regio/store.h"
#include "store/schema_sqlite.h"
#include "regio_test_db.h"

#include <stdlib.h>

typedef regio_err (*plain_fn)(regio_store *, const char *, const regio_import_opts *,
                              regio_import_summary *, regio_error *);
typedef regio_err (*model_fn)(regio_store *, const char *, const char *,
                              const regio_import_opts *, regio_import_summary *, regio_error *);

static void ignore_reject(void *ud, long line, const char *reason)
{
    (void)ud;
    if (line < 0 || !reason || !reason[0])
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 16))
        return 0;
    const char *path = fuzz_file(data + 1, size - 1);
    if (!path)
        return 0;
    static regio_store *s;
    static sqlite3 *pristine;
    static uint64_t before;
    regio_error e;
    if (!s) {
        regio_account a;
        regio_account_init(&a);
        a.id = "A1";
        if (regio_store_open(":memory:", &s, &e) ||
            regio_store_model_create(s, "m", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e) ||
            regio_store_territory_upsert(s, "m", "T1", NULL, NULL, &e) ||
            regio_store_account_upsert(s, &a, NULL, &e) ||
            sqlite3_open(":memory:", &pristine) ||
            regio_test_db_copy(regio__sqlite_handle(s), pristine))
            abort();
        before = regio_test_db_fingerprint(pristine, NULL);
    } else if (regio_test_db_copy(pristine, regio__sqlite_handle(s))) {
        abort();
    }
    sqlite3 *db = regio__sqlite_handle(s);
    regio_import_opts o;
    memset(&o, 0, sizeof o);
    o.skip_invalid = (data[0] >> 3) & 1;
    o.dry_run = (data[0] >> 4) & 1;
    o.on_reject = ignore_reject;
    o.actor = "fuzz";
    static const plain_fn plain[] = {regio_import_accounts, regio_import_accounts,
                                     regio_import_reps, regio_import_users, regio_import_roles};
    static const model_fn with_model[] = {regio_import_territories, regio_import_memberships,
                                          regio_import_associations};
    int which = data[0] & 7;
    regio_import_summary sum;
    memset(&sum, 0, sizeof sum);
    regio_err rc = which < 5 ? plain[which](s, path, &o, &sum, &e)
                             : with_model[which - 5](s, path, "m", &o, &sum, &e);
    if (rc && !e.msg[0])
        __builtin_trap();
    if ((rc || o.dry_run) && regio_test_db_fingerprint(db, NULL) != before)
        __builtin_trap();
    if (!rc && sum.rejected > sum.rows)
        __builtin_trap();
    return 0;
}
