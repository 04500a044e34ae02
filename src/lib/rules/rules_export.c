/*
 * A model's rules as the CSV regio_import_rules reads (one row per
 * criterion; a rule's logic, inherit and active flags on its first row),
 * so that `regio rules list --format csv` imports back unchanged.
 */
#include "rules/rules_run.h"

#include "regio/buf.h"
#include "regio/output.h"

#include <stdio.h>
#include <string.h>

typedef struct ectx {
    FILE *f;
    regio_buf b;
    size_t rows;
    regio_err rc;
} ectx;

static int on_rule(void *ud, const regio_rule_info *r)
{
    ectx *c = ud;
    for (int i = 0; i < r->n_criteria && !c->rc; i++) {
        const regio_rule_criterion *k = &r->criteria[i];
        regio_buf *b = &c->b;
        regio_buf_reset(b);
        regio_err rc = regio_buf_csv_field(b, r->name, ',');
        if (!rc)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = regio_buf_csv_field(b, r->territory, ',');
        if (!rc)
            rc = regio_buf_putc(b, ',');
        if (!rc && i == 0 && r->logic)
            rc = regio_buf_csv_field(b, r->logic, ',');
        if (!rc)
            rc = regio_buf_printf(b, ",%s,%d,", i ? "" : r->inherit ? "true" : "false", i + 1);
        if (!rc)
            rc = regio_buf_csv_field(b, k->field, ',');
        if (!rc)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = regio_buf_csv_field(b, k->op, ',');
        if (!rc)
            rc = regio_buf_putc(b, ',');
        if (!rc && k->value)
            rc = regio_buf_csv_field(b, k->value, ',');
        if (!rc)
            rc = regio_buf_printf(b, ",%s\n", i ? "" : r->active ? "true" : "false");
        if (rc)
            c->rc = rc;
        else if (fwrite(b->data, 1, b->len, c->f) != b->len)
            c->rc = REGIO_EIO;
        c->rows++;
    }
    return c->rc != REGIO_OK;
}

regio_err regio_rules_export(regio_store *s, const char *model, const char *territory,
                             const char *path, size_t *rows, regio_error *err)
{
    regio_error_clear(err);
    if (rows)
        *rows = 0;
    if (!s)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store");
    /* Check the model and territory before creating the file. */
    ectx c;
    memset(&c, 0, sizeof c);
    regio_buf_init(&c.b, 0);
    regio_output *out = NULL;
    regio_err rc = regio_output_open(path, &out, err);
    if (!rc) {
        c.f = regio_output_stream(out);
        if (fputs("rule,territory,logic,inherit,criterion,field,operator,value,active\n", c.f) < 0)
            c.rc = REGIO_EIO;
        rc = c.rc ? c.rc : regio_store_rules_foreach(s, model, territory, on_rule, &c, err);
        if (rc == REGIO_ECANCELLED && c.rc)
            rc = c.rc;
        if (rc == REGIO_EIO)
            regio_error_setf(err, REGIO_EIO, path, 0, NULL, "cannot write the file");
        else if (rc == REGIO_ENOMEM)
            regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (out && !rc)
        rc = regio_output_commit(out, err);
    else
        regio_output_discard(out);
    if (!rc && rows)
        *rows = c.rows;
    regio_buf_free(&c.b);
    return rc;
}
