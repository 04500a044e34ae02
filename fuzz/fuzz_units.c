/*
 * libFuzzer target for the units importer (regio_import_units) on GeoJSON
 * and TopoJSON, the way `regio import units FILE.json` reads them: the
 * input is written to an in-memory GDAL file *.json (GDAL picks the driver
 * from the content), imported into an in-memory store holding two
 * accounts to place (made once, copied back before every input), with the
 * adjacency derived (shared borders or
 * Delaunay, island links). A failed import must say why and leave the
 * store as it was; a successful one stores at least one unit.
 */
#include "fuzz_file.h"

#include "regio/import.h"
#include "regio/store.h"
#include "store/schema_sqlite.h"
#include "regio_test_db.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 18))
        return 0;
    const char *path = "/vsimem/fuzz_units/input.json";
    if (fuzz_vsimem(path, data, size))
        return 0;
    static regio_store *s;
    static sqlite3 *pristine;
    static uint64_t before;
    regio_error e;
    if (!s) {
        if (regio_store_open(":memory:", &s, &e))
            abort();
        const double at[2][2] = {{40.0, -100.0}, {10.0, 10.0}};
        for (int i = 0; i < 2; i++) {
            regio_account a;
            regio_account_init(&a);
            a.id = i ? "A2" : "A1";
            a.lat = at[i][0];
            a.lon = at[i][1];
            if (regio_store_account_upsert(s, &a, NULL, &e))
                abort();
        }
        if (sqlite3_open(":memory:", &pristine) ||
            regio_test_db_copy(regio__sqlite_handle(s), pristine))
            abort();
        before = regio_test_db_fingerprint(pristine, NULL);
    } else if (regio_test_db_copy(pristine, regio__sqlite_handle(s))) {
        abort();
    }
    sqlite3 *db = regio__sqlite_handle(s);
    regio_units_import_opts o;
    memset(&o, 0, sizeof o);
    o.skip_empty = size & 1;
    regio_import_summary sum;
    memset(&sum, 0, sizeof sum);
    regio_err rc = regio_import_units(s, path, &o, &sum, &e);
    if (rc) {
        if (!e.msg[0] || regio_test_db_fingerprint(db, NULL) != before)
            __builtin_trap();
    } else {
        if (regio_test_sql_int(db, "SELECT count(*) FROM units") < 1)
            __builtin_trap();
    }
    VSIUnlink(path);
    return 0;
}
