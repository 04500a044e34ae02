/*
 * Every account's associations in a model, whatever their cause: geo (the
 * territory its unit is aligned to, replaced by a hand move), rule and
 * manual, read from the alignment and the association table; and their
 * export as CSV account,territory,cause. Owners assignment (owners.c)
 * reads the same. O(accounts + associations) plus a sort of each.
 */
#include "rules/rules_run.h"

#include "regio/buf.h"
#include "regio/org.h"
#include "regio/output.h"
#include "core/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static regio_err oom(regio_error *err)
{
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}

void regio__assocs_free(regio__assocs *a)
{
    for (size_t t = 0; t < a->n_terr; t++) {
        regio_free(a->terr[t]);
        regio_free(a->terr_name[t]);
        regio_free(a->terr_type[t]);
    }
    regio_free(a->terr);
    regio_free(a->terr_name);
    regio_free(a->terr_type);
    regio_strmap_destroy(a->terr_map);
    for (size_t i = 0; i < a->n_acc; i++) {
        regio_free(a->id[i]);
        regio_free(a->owner[i]);
        regio_free(a->type[i]);
    }
    regio_free(a->key);
    regio_free(a->id);
    regio_free(a->owner);
    regio_free(a->type);
    regio_free(a->start);
    regio_free(a->terr_of);
    regio_free(a->cause);
    regio_free(a->model);
    memset(a, 0, sizeof *a);
}

typedef struct link {
    long acc, terr;
    int cause;
} link;

typedef struct loader {
    regio__assocs *a;
    size_t cap_t, cap_a;
    regio_strmap *unit_terr; /* unit -> territory */
    regio_strmap *acc_map;   /* account external id -> index */
    long *geo;               /* account -> geo territory, -1 */
    char **unit;             /* account -> its unit (freed after) */
    link *links;
    size_t n_links, cap_links;
    regio_err rc;
} loader;

static int on_territory(void *ud, const regio_territory_info *t)
{
    loader *l = ud;
    regio__assocs *a = l->a;
    size_t cap = l->cap_t;
    if (regio__grow(&a->terr, &cap, a->n_terr + 1, sizeof *a->terr) ||
        (cap = l->cap_t, regio__grow(&a->terr_name, &cap, a->n_terr + 1, sizeof *a->terr_name)) ||
        (cap = l->cap_t, regio__grow(&a->terr_type, &cap, a->n_terr + 1, sizeof *a->terr_type))) {
        l->rc = REGIO_ENOMEM;
        return 1;
    }
    l->cap_t = cap;
    size_t i = a->n_terr++;
    a->terr[i] = regio_strdup(t->id);
    a->terr_name[i] = t->name ? regio_strdup(t->name) : NULL;
    a->terr_type[i] = t->type ? regio_strdup(t->type) : NULL;
    int found = 0;
    long old = 0;
    if (!a->terr[i] || (t->name && !a->terr_name[i]) || (t->type && !a->terr_type[i]) ||
        regio_strmap_put(a->terr_map, t->id, (long)i, &found, &old))
        l->rc = REGIO_ENOMEM;
    return l->rc != REGIO_OK;
}

static int on_alignment(void *ud, const regio_alignment_row *r)
{
    loader *l = ud;
    if (!r->unit_id || !r->territory)
        return 0;
    long t = regio_strmap_get(l->a->terr_map, r->territory);
    int found = 0;
    long old = 0;
    if (t >= 0 && regio_strmap_put(l->unit_terr, r->unit_id, t, &found, &old))
        l->rc = REGIO_ENOMEM;
    return l->rc != REGIO_OK;
}

static char *dup_or_null(const regio_rule_value *v, regio_err *rc)
{
    if (v->kind != 1 || !v->text)
        return NULL;
    char *d = regio_strdup(v->text);
    if (!d)
        *rc = REGIO_ENOMEM;
    return d;
}

static int on_account(void *ud, const regio_rule_account *ra)
{
    loader *l = ud;
    regio__assocs *a = l->a;
    size_t cap = l->cap_a, n = a->n_acc + 1;
    if (regio__grow(&a->key, &cap, n, sizeof *a->key) ||
        (cap = l->cap_a, regio__grow(&a->id, &cap, n, sizeof *a->id)) ||
        (cap = l->cap_a, regio__grow(&a->owner, &cap, n, sizeof *a->owner)) ||
        (cap = l->cap_a, regio__grow(&a->type, &cap, n, sizeof *a->type)) ||
        (cap = l->cap_a, regio__grow(&l->unit, &cap, n, sizeof *l->unit))) {
        l->rc = REGIO_ENOMEM;
        return 1;
    }
    l->cap_a = cap;
    size_t i = a->n_acc++;
    a->key[i] = ra->key;
    a->id[i] = regio_strdup(ra->id);
    a->owner[i] = dup_or_null(&ra->values[0], &l->rc);
    a->type[i] = dup_or_null(&ra->values[1], &l->rc);
    l->unit[i] = dup_or_null(&ra->values[2], &l->rc);
    int found = 0;
    long old = 0;
    if (!a->id[i] || regio_strmap_put(l->acc_map, ra->id, (long)i, &found, &old))
        l->rc = REGIO_ENOMEM;
    return l->rc != REGIO_OK;
}

static regio_err link_add(loader *l, long acc, long terr, int cause)
{
    if (regio__grow(&l->links, &l->cap_links, l->n_links + 1, sizeof *l->links))
        return REGIO_ENOMEM;
    l->links[l->n_links++] = (link){acc, terr, cause};
    return REGIO_OK;
}

static int on_association(void *ud, const regio_association_info *as)
{
    loader *l = ud;
    long acc = regio_strmap_get(l->acc_map, as->account);
    long t = regio_strmap_get(l->a->terr_map, as->territory);
    if (acc < 0 || t < 0)
        return 0;
    if (!strcmp(as->cause, "geo")) {
        l->geo[acc] = t; /* a hand move replaces the unit's territory */
        return 0;
    }
    l->rc = link_add(l, acc, t, !strcmp(as->cause, "rule") ? 1 : 2);
    return l->rc != REGIO_OK;
}

static int cmp_link(const void *x, const void *y)
{
    const link *a = x, *b = y;
    if (a->acc != b->acc)
        return (a->acc > b->acc) - (a->acc < b->acc);
    if (a->terr != b->terr)
        return (a->terr > b->terr) - (a->terr < b->terr);
    return a->cause - b->cause;
}

regio_err regio__assocs_load(regio_store *s, const char *model, regio__assocs *a,
                             regio_error *err)
{
    memset(a, 0, sizeof *a);
    loader l;
    memset(&l, 0, sizeof l);
    l.a = a;
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    regio_err rc = regio_store_model_find(s, model, &mi, err);
    if (rc)
        return rc;
    a->model = mi.name;
    mi.name = NULL;
    regio_model_info_clear(&mi);
    a->terr_map = regio_strmap_create(256);
    l.unit_terr = regio_strmap_create(1024);
    l.acc_map = regio_strmap_create(1024);
    if (!a->terr_map || !l.unit_terr || !l.acc_map)
        rc = oom(err);
#define READ(call)                                                                         \
    do {                                                                                   \
        if (!rc) {                                                                         \
            rc = (call);                                                                   \
            if (rc == REGIO_ECANCELLED && l.rc)                                            \
                rc = oom(err);                                                             \
        }                                                                                  \
    } while (0)
    READ(regio_store_territories_foreach(s, a->model, on_territory, &l, err));
    READ(regio_store_alignment_foreach(s, a->model, on_alignment, &l, err));
    static const char *const fields[] = {"owner", "type", "unit"};
    READ(regio_store_rule_accounts_foreach(s, fields, 3, on_account, &l, err));
    if (!rc && !(l.geo = regio_malloc((a->n_acc ? a->n_acc : 1) * sizeof *l.geo)))
        rc = oom(err);
    for (size_t i = 0; !rc && i < a->n_acc; i++)
        l.geo[i] = l.unit[i] ? regio_strmap_get(l.unit_terr, l.unit[i]) : -1;
    READ(regio_store_associations_foreach(s, a->model, on_association, &l, err));
#undef READ
    for (size_t i = 0; !rc && i < a->n_acc; i++)
        if (l.geo[i] >= 0 && link_add(&l, (long)i, l.geo[i], 0))
            rc = oom(err);
    if (!rc && l.n_links > 1)
        qsort(l.links, l.n_links, sizeof *l.links, cmp_link);
    if (!rc) {
        a->start = regio_calloc(a->n_acc + 1, sizeof *a->start);
        a->terr_of = regio_malloc((l.n_links ? l.n_links : 1) * sizeof *a->terr_of);
        a->cause = regio_malloc(l.n_links ? l.n_links : 1);
        if (!a->start || !a->terr_of || !a->cause)
            rc = oom(err);
    }
    for (size_t k = 0; !rc && k < l.n_links; k++) {
        a->start[l.links[k].acc + 1]++;
        a->terr_of[k] = l.links[k].terr;
        a->cause[k] = (unsigned char)l.links[k].cause;
    }
    for (size_t i = 0; !rc && i < a->n_acc; i++)
        a->start[i + 1] += a->start[i];
    for (size_t i = 0; l.unit && i < a->n_acc; i++)
        regio_free(l.unit[i]);
    regio_free(l.unit);
    regio_free(l.geo);
    regio_free(l.links);
    regio_strmap_destroy(l.unit_terr);
    regio_strmap_destroy(l.acc_map);
    if (rc)
        regio__assocs_free(a);
    return rc;
}

/* Account indexes by external id. */
typedef struct by_id {
    const char *id;
    size_t i;
} by_id;

static int cmp_by_id(const void *x, const void *y)
{
    return strcmp(((const by_id *)x)->id, ((const by_id *)y)->id);
}

regio_err regio_export_associations(regio_store *s, const char *model, const char *path,
                                    size_t *rows, regio_error *err)
{
    static const char *const CAUSES[3] = {"geo", "rule", "manual"};
    regio_error_clear(err);
    if (rows)
        *rows = 0;
    if (!s)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store");
    regio__assocs a;
    regio_err rc = regio__assocs_load(s, model, &a, err);
    if (rc)
        return rc;
    by_id *order = regio_malloc((a.n_acc ? a.n_acc : 1) * sizeof *order);
    regio_output *out = NULL;
    regio_buf b;
    regio_buf_init(&b, 0);
    if (!order)
        rc = oom(err);
    for (size_t i = 0; !rc && i < a.n_acc; i++)
        order[i] = (by_id){a.id[i], i};
    if (!rc && a.n_acc > 1)
        qsort(order, a.n_acc, sizeof *order, cmp_by_id);
    if (!rc)
        rc = regio_output_open(path, &out, err);
    FILE *f = out ? regio_output_stream(out) : NULL;
    if (!rc && fputs("account,territory,cause\n", f) < 0)
        rc = REGIO_EIO;
    size_t n = 0;
    for (size_t k = 0; !rc && k < a.n_acc; k++) {
        size_t i = order[k].i;
        for (size_t j = a.start[i]; !rc && j < a.start[i + 1]; j++) {
            regio_buf_reset(&b);
            rc = regio_buf_csv_field(&b, a.id[i], ',');
            if (!rc)
                rc = regio_buf_putc(&b, ',');
            if (!rc)
                rc = regio_buf_csv_field(&b, a.terr[a.terr_of[j]], ',');
            if (!rc)
                rc = regio_buf_printf(&b, ",%s\n", CAUSES[a.cause[j]]);
            if (rc)
                rc = oom(err);
            else if (fwrite(b.data, 1, b.len, f) != b.len)
                rc = REGIO_EIO;
            n++;
        }
    }
    if (rc == REGIO_EIO)
        regio_error_setf(err, REGIO_EIO, path, 0, NULL, "cannot write the file");
    if (out && !rc)
        rc = regio_output_commit(out, err);
    else
        regio_output_discard(out);
    if (!rc && rows)
        *rows = n;
    regio_buf_free(&b);
    regio_free(order);
    regio__assocs_free(&a);
    return rc;
}
