/*
 * `regio import salesforce DIR --model M`: the folder regio export
 * salesforce writes, read back in one transaction. Each file goes through
 * the import that already reads its columns (types, territories,
 * memberships, associations) inside that transaction; the rule files,
 * which Regio spreads over three Salesforce objects, are joined by
 * regio__import_sf_rules. AccountOwners.csv is not read.
 */
#include "regio/salesforce.h"

#include "regio/buf.h"
#include "regio/org.h"
#include "regio/rule_store.h"
#include "io/import_common.h"
#include "io/salesforce_map.h"
#include "rules/rules_salesforce.h"

#include <string.h>

/* One file's import into the caller's transaction. */
static regio_err import_file(regio_store *s, regio_sf_file f, const char *path,
                             const char *model, const regio_import_opts *o,
                             regio_import_summary *sum, regio_error *err)
{
    switch (f) {
    case REGIO_SF_TERRITORY2_TYPE:
        return regio__import_types_skip(s, path, o, REGIO__SF_DEFAULT_TYPE, sum, err);
    case REGIO_SF_TERRITORY2: return regio_import_territories(s, path, model, o, sum, err);
    case REGIO_SF_USER_TERRITORY2: return regio_import_memberships(s, path, model, o, sum, err);
    case REGIO_SF_OBJECT_TERRITORY2: return regio_import_associations(s, path, model, o, sum, err);
    default: return REGIO_OK;
    }
}

regio_err regio_import_salesforce(regio_store *s, const char *dir, const char *model,
                                  const regio_import_opts *opts, regio_sf_import_summary *sum,
                                  regio_error *err)
{
    static const regio_import_opts defaults;
    regio_sf_import_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    if (!opts)
        opts = &defaults;
    regio_error_clear(err);
    if (!s || !dir || !*dir || !model || !*model)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "regio_import_salesforce: a store, a folder and a model are "
                                "required");
    if (opts->skip_invalid)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "an import of a Salesforce folder is all or nothing");
    regio_import_opts o = *opts;
    o.in_transaction = 1;
    o.dry_run = 0; /* the transaction below is rolled back instead */
    o.maps = NULL; /* the files' columns are Salesforce's */
    o.n_maps = 0;
    o.sep = ',';
    regio_error e;
    regio_error_clear(&e);
    regio_buf path;
    regio_buf_init(&path, 0);
    regio_err rc = regio_store_begin(s, &e);
    int in_txn = rc == REGIO_OK;
    for (int f = 0; !rc && f < REGIO_SF_ASSIGNMENT_RULE; f++) {
        regio_buf_reset(&path);
        if ((rc = regio_buf_printf(&path, "%s/%s", dir, regio_sf_file_name((regio_sf_file)f))))
            break;
        rc = import_file(s, (regio_sf_file)f, path.data, model, &o, &sum->files[f], &e);
    }
    if (!rc) {
        regio_import_summary rules[3];
        memset(rules, 0, sizeof rules);
        rc = regio__import_sf_rules(s, model, dir, opts->actor ? opts->actor : "cli", rules, &e);
        sum->files[REGIO_SF_ASSIGNMENT_RULE] = rules[0];
        sum->files[REGIO_SF_ASSIGNMENT_RULE_ITEM].rows = rules[1].rows;
        sum->files[REGIO_SF_RULE_TERRITORY2].rows = rules[2].rows;
    }
    if (!rc && !opts->dry_run)
        rc = regio_store_commit(s, &e);
    else if (in_txn)
        regio_store_rollback(s, NULL);
    if (rc == REGIO_ENOMEM)
        regio__file_error(&e, REGIO_ENOMEM, dir, "out of memory");
    if (rc && err)
        *err = e;
    if (rc)
        memset(sum, 0, sizeof *sum);
    regio_buf_free(&path);
    return rc;
}
