/*
 * regio_access_check_pairs: the access decision for a file of (user,
 * account) pairs, streamed in and written out atomically.
 */
#include "regio/access.h"

#include "regio/buf.h"
#include "regio/csv.h"
#include "regio/output.h"

#include <strings.h>

static int column(const regio_csv *c, const char *const *names)
{
    for (size_t i = 0; i < regio_csv_nfields(c); i++)
        for (int k = 0; names[k]; k++)
            if (!strcasecmp(regio_csv_field(c, i), names[k]))
                return (int)i;
    return -1;
}

regio_err regio_access_check_pairs(const regio_access *a, const char *in_path,
                                   const char *out_path, long *n, regio_error *err)
{
    static const char *const user_names[] = {"user", "username", "login", NULL};
    static const char *const account_names[] = {"account", "account_id", NULL};
    if (n)
        *n = 0;
    regio_csv *c = NULL;
    regio_err rc = regio_csv_open(in_path, NULL, &c, err);
    if (rc)
        return rc;
    int has = 0;
    rc = regio_csv_next(c, &has, err);
    int cu = -1, ca = -1;
    if (!rc && has) {
        cu = column(c, user_names);
        ca = column(c, account_names);
    }
    if (!rc && (cu < 0 || ca < 0)) {
        rc = regio_error_setf(err, REGIO_EDATA, in_path, 1, NULL,
                              "the header needs a user column (user, username or login) and "
                              "an account column (account or account_id)");
    }
    regio_output *o = NULL;
    if (!rc)
        rc = regio_output_open(out_path, &o, err);
    regio_buf b;
    regio_buf_init(&b, 0);
    long rows = 0;
    FILE *f = o ? regio_output_stream(o) : NULL;
    if (!rc && fputs("user,account,level\n", f) < 0)
        rc = regio_error_setf(err, REGIO_EIO, out_path, 0, NULL, "cannot write");
    while (!rc && !(rc = regio_csv_next(c, &has, err)) && has) {
        const char *user = (size_t)cu < regio_csv_nfields(c) ? regio_csv_field(c, (size_t)cu) : "";
        const char *acc = (size_t)ca < regio_csv_nfields(c) ? regio_csv_field(c, (size_t)ca) : "";
        regio_access_level lv =
            regio_access_level_of(a, regio_access_user(a, user), regio_access_account(a, acc));
        regio_buf_reset(&b);
        if (regio_buf_csv_field(&b, user, ',') || regio_buf_putc(&b, ',') ||
            regio_buf_csv_field(&b, acc, ',') || regio_buf_putc(&b, ',') ||
            regio_buf_puts(&b, regio_access_level_name(lv)) || regio_buf_putc(&b, '\n')) {
            rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
            break;
        }
        if (fwrite(b.data, 1, b.len, f) != b.len)
            rc = regio_error_setf(err, REGIO_EIO, out_path, 0, NULL, "cannot write");
        rows++;
    }
    regio_buf_free(&b);
    regio_csv_close(c);
    if (o) {
        if (!rc)
            rc = regio_output_commit(o, err);
        else
            regio_output_discard(o);
    }
    if (!rc && n)
        *n = rows;
    return rc;
}
