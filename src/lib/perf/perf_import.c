/*
 * Imports of goals and results (regio/perf.h): sales lines, quotas and
 * activities, read through the importers' table source and header mapping
 * (Salesforce and HubSpot headers as they come, --map overrides). One
 * transaction per file: every row lands or none, and a failure names the
 * file, the line and the column. Rows upsert by their key.
 */
#include "regio/perf.h"

#include "regio/buf.h"
#include "regio/fields.h"
#include "regio/format.h"
#include "regio/strmap.h"
#include "core/error.h"
#include "core/grow.h"
#include "io/import_common.h"
#include "io/table.h"
#include "perf/perf_store.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum kind { K_SALES, K_QUOTAS, K_ACTIVITIES } kind;

typedef struct imp {
    kind k;
    regio_store *s;
    const char *path;
    const char *actor;
    regio__table *t;
    regio_header_map *map;
    regio_strmap *accounts;  /* external id -> key */
    regio_strmap *users;     /* login -> users.id */
    regio_strmap *reps;      /* rep id -> reps.id */
    regio_strmap *codes;     /* territory codes */
    regio_import_summary *sum;
    regio_err rc;
} imp;

/* The trimmed cell of field f in the current row, or NULL when the file
 * has no such column or the cell is blank. buf holds the copy. */
static const char *cell(const imp *c, regio_field f, char *buf, size_t cap)
{
    long col = regio_header_map_column_of(c->map, f);
    if (col < 0)
        return NULL;
    const char *v = regio__table_field(c->t, (size_t)col);
    if (!v)
        return NULL;
    regio__copy_trim(buf, cap, v);
    return buf[0] ? buf : NULL;
}

static size_t col_of(const imp *c, regio_field f)
{
    long col = regio_header_map_column_of(c->map, f);
    return col < 0 ? (size_t)-1 : (size_t)col;
}

#define FAIL(c, f, e, ...) regio__row_error((e), (c)->path, (c)->t, col_of((c), (f)), __VA_ARGS__)

/* ---- reference maps ------------------------------------------------------------ */

static int on_account(void *ud, const regio__perf_account *a)
{
    imp *c = ud;
    int found = 0;
    long old = 0;
    c->rc = regio_strmap_put(c->accounts, a->id, (long)a->key, &found, &old);
    return c->rc != REGIO_OK;
}

static int on_person(void *ud, int is_rep, long long key, const char *name)
{
    imp *c = ud;
    int found = 0;
    long old = 0;
    if (name)
        c->rc = regio_strmap_put(is_rep ? c->reps : c->users, name, (long)key, &found, &old);
    return c->rc != REGIO_OK;
}

static int on_code(void *ud, const char *code)
{
    imp *c = ud;
    int found = 0;
    long old = 0;
    if (code)
        c->rc = regio_strmap_put(c->codes, code, 1, &found, &old);
    return c->rc != REGIO_OK;
}

static regio_err walked(imp *c, regio_err rc)
{
    if (rc == REGIO_ECANCELLED && c->rc)
        return c->rc;
    return rc;
}

static regio_err load_refs(imp *c, regio_error *e)
{
    regio_err rc = REGIO_OK;
    if (c->k != K_QUOTAS) {
        if (!(c->accounts = regio_strmap_create(1 << 16)))
            return REGIO_ENOMEM;
        if ((rc = walked(c, regio__perf_account_keys(c->s, on_account, c, e))))
            return rc;
    }
    if (c->k == K_ACTIVITIES) {
        if (!(c->users = regio_strmap_create(256)) || !(c->reps = regio_strmap_create(256)))
            return REGIO_ENOMEM;
        if ((rc = walked(c, regio__perf_people(c->s, on_person, c, e))))
            return rc;
    }
    if (c->k == K_QUOTAS) {
        if (!(c->codes = regio_strmap_create(1024)))
            return REGIO_ENOMEM;
        rc = walked(c, regio__perf_territory_codes(c->s, on_code, c, e));
    }
    return rc;
}

/* ---- sales lines ----------------------------------------------------------------- */

/* Lower-case letters and digits of s only: "Closed Won" -> "closedwon". */
static void squash(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)tolower((unsigned char)*s);
    out[n] = '\0';
}

static regio_err sale_status(imp *c, int *status, regio_error *e)
{
    char buf[256], sq[64];
    const char *v = cell(c, REGIO_F_STATUS, buf, sizeof buf);
    if (v) {
        squash(v, sq, sizeof sq);
        if (!strcmp(sq, "won") || !strcmp(sq, "closedwon"))
            *status = REGIO__SALE_WON;
        else if (!strcmp(sq, "open"))
            *status = REGIO__SALE_OPEN;
        else if (!strcmp(sq, "lost") || !strcmp(sq, "closedlost"))
            *status = REGIO__SALE_LOST;
        else
            return FAIL(c, REGIO_F_STATUS, e, "status '%.60s' is none of won, open, lost", v);
        return REGIO_OK;
    }
    char b2[64];
    const char *closed = cell(c, REGIO_F_IS_CLOSED, buf, sizeof buf);
    if (closed) {
        int cl = regio__parse_bool(closed);
        if (cl < 0)
            return FAIL(c, REGIO_F_IS_CLOSED, e, "'%.60s' is neither true nor false", closed);
        const char *won = cell(c, REGIO_F_IS_WON, b2, sizeof b2);
        int w = won ? regio__parse_bool(won) : 0;
        if (w < 0)
            return FAIL(c, REGIO_F_IS_WON, e, "'%.60s' is neither true nor false", won);
        *status = !cl ? REGIO__SALE_OPEN : w ? REGIO__SALE_WON : REGIO__SALE_LOST;
        return REGIO_OK;
    }
    const char *stage = cell(c, REGIO_F_STAGE, buf, sizeof buf);
    if (stage) {
        squash(stage, sq, sizeof sq);
        *status = !strcmp(sq, "closedwon")    ? REGIO__SALE_WON
                  : !strcmp(sq, "closedlost") ? REGIO__SALE_LOST
                                              : REGIO__SALE_OPEN;
        return REGIO_OK;
    }
    *status = REGIO__SALE_WON;
    return REGIO_OK;
}

static regio_err number(imp *c, regio_field f, const char *what, int required, double *out,
                        regio_error *e)
{
    char buf[128];
    const char *v = cell(c, f, buf, sizeof buf);
    *out = NAN;
    if (!v)
        return required ? FAIL(c, f, e, "%s is empty", what) : REGIO_OK;
    int empty = 0;
    if (regio__parse_cell_number(v, out, &empty) || !isfinite(*out))
        return FAIL(c, f, e, "%s '%.60s' is not a number", what, v);
    return REGIO_OK;
}

static regio_err day_of(imp *c, regio_day *d, regio_error *e)
{
    char buf[128];
    const char *v = cell(c, REGIO_F_DATE, buf, sizeof buf);
    if (!v)
        return FAIL(c, REGIO_F_DATE, e, "the date is empty");
    if (regio_day_parse(v, d))
        return FAIL(c, REGIO_F_DATE, e, "'%.60s' is no date (YYYY-MM-DD)", v);
    return REGIO_OK;
}

static regio_err account_of(imp *c, long long *key, regio_error *e)
{
    char buf[512];
    const char *v = cell(c, REGIO_F_ACCOUNT, buf, sizeof buf);
    if (!v)
        return FAIL(c, REGIO_F_ACCOUNT, e, "the account is empty");
    long k = regio_strmap_get(c->accounts, v);
    if (k < 0)
        return FAIL(c, REGIO_F_ACCOUNT, e, "unknown account '%.100s' (import the accounts first)",
                    v);
    *key = k;
    return REGIO_OK;
}

static regio_err sales_row(imp *c, size_t *changed, regio_error *e)
{
    char id[512], product[512], rep[512];
    regio__perf_sale row;
    const char *idv = cell(c, REGIO_F_ID, id, sizeof id);
    if (!idv)
        return FAIL(c, REGIO_F_ID, e, "the line's id is empty");
    regio_err rc = account_of(c, &row.account, e);
    if (!rc)
        rc = day_of(c, &row.day, e);
    if (!rc)
        rc = number(c, REGIO_F_AMOUNT, "the amount", 1, &row.amount, e);
    if (!rc)
        rc = sale_status(c, &row.status, e);
    if (!rc)
        rc = number(c, REGIO_F_PROBABILITY, "the probability", 0, &row.probability, e);
    if (rc)
        return rc;
    char g[32];
    if (!isnan(row.probability) && (row.probability < 0 || row.probability > 100))
        return FAIL(c, REGIO_F_PROBABILITY, e, "the probability %s is not between 0 and 100",
                    regio_format_g15(row.probability, g));
    int ch = 0;
    rc = regio__perf_sale_put(c->s, &row, idv, cell(c, REGIO_F_PRODUCT, product, sizeof product),
                              cell(c, REGIO_F_REP, rep, sizeof rep), &ch, e);
    if (rc) {
        regio__error_set_file(e, c->path, regio__table_line(c->t));
        return rc;
    }
    *changed += (size_t)ch;
    return REGIO_OK;
}

/* ---- quotas ---------------------------------------------------------------------- */

typedef struct qrow {
    char *territory, *period;
    regio_day start, end;
    double amount;
    long line; /* 0: stored */
} qrow;

typedef struct qset {
    qrow *r;
    size_t n, cap;
} qset;

static int on_quota(void *ud, const regio__perf_quota *q)
{
    qset *set = ud;
    if (regio__grow((void **)&set->r, &set->cap, set->n + 1, sizeof *set->r))
        return 1;
    qrow *r = &set->r[set->n];
    r->territory = regio_strdup(q->territory);
    r->period = regio_strdup(q->period);
    if (!r->territory || !r->period) {
        regio_free(r->territory);
        regio_free(r->period);
        return 1;
    }
    r->start = q->start;
    r->end = q->end;
    r->amount = q->amount;
    r->line = 0;
    set->n++;
    return 0;
}

static int cmp_qrow(const void *a, const void *b)
{
    const qrow *x = a, *y = b;
    int c = strcmp(x->territory, y->territory);
    if (c)
        return c;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static regio_err quota_row(imp *c, qset *file, regio_error *e)
{
    char terr[512], per[64];
    const char *t = cell(c, REGIO_F_TERRITORY, terr, sizeof terr);
    const char *p = cell(c, REGIO_F_PERIOD, per, sizeof per);
    if (!t)
        return FAIL(c, REGIO_F_TERRITORY, e, "the territory is empty");
    if (regio_strmap_get(c->codes, t) < 0)
        return FAIL(c, REGIO_F_TERRITORY, e, "unknown territory '%.100s' (no model has it)", t);
    if (!p)
        return FAIL(c, REGIO_F_PERIOD, e, "the period is empty");
    regio_period pp;
    if (!strncasecmp(p, "FY", 2) || regio_period_parse(p, 1, &pp, NULL))
        return FAIL(c, REGIO_F_PERIOD, e,
                    "'%.40s' is no quota period: write a month (2027-01), a quarter (2027Q1) or "
                    "a year (2027)",
                    p);
    double amount;
    regio_err rc = number(c, REGIO_F_AMOUNT, "the amount", 1, &amount, e);
    if (rc)
        return rc;
    char num[32];
    if (amount < 0)
        return FAIL(c, REGIO_F_AMOUNT, e, "the amount %s is negative",
                    regio_format_g15(amount, num));
    for (char *q = per; *q; q++)
        *q = (char)toupper((unsigned char)*q);
    regio__perf_quota q = {t, per, pp.start, pp.end, amount};
    if (on_quota(file, &q))
        return REGIO_ENOMEM;
    file->r[file->n - 1].line = regio__table_line(c->t);
    return REGIO_OK;
}

/* A map from "territory<US>period" to the row's index in q (the last row
 * of a key wins). */
static regio_err key_map(const qset *q, regio_strmap **out)
{
    regio_err rc = (*out = regio_strmap_create(q->n)) ? REGIO_OK : REGIO_ENOMEM;
    regio_buf k;
    regio_buf_init(&k, 0);
    for (size_t i = 0; i < q->n && !rc; i++) {
        regio_buf_reset(&k);
        int found = 0;
        long old = 0;
        if (!(rc = regio_buf_printf(&k, "%s\x1f%s", q->r[i].territory, q->r[i].period)))
            rc = regio_strmap_put(*out, k.data, (long)i, &found, &old);
    }
    regio_buf_free(&k);
    return rc;
}

static long key_find(regio_strmap *m, const qrow *r, regio_buf *k)
{
    regio_buf_reset(k);
    if (regio_buf_printf(k, "%s\x1f%s", r->territory, r->period))
        return -1;
    return regio_strmap_get(m, k->data);
}

/* The file's rows replace the stored rows of the same key; then no two
 * rows of one territory may overlap. */
static regio_err quotas_check(imp *c, qset *stored, qset *file, regio_strmap *in_file,
                              regio_error *e)
{
    qset all = {0};
    regio_err rc = REGIO_OK;
    size_t need = stored->n + file->n;
    if (regio__grow((void **)&all.r, &all.cap, need ? need : 1, sizeof *all.r))
        return REGIO_ENOMEM;
    for (size_t i = 0; i < file->n; i++)
        all.r[all.n++] = file->r[i];
    regio_buf k;
    regio_buf_init(&k, 0);
    for (size_t i = 0; i < stored->n; i++)
        if (key_find(in_file, &stored->r[i], &k) < 0)
            all.r[all.n++] = stored->r[i];
    regio_buf_free(&k);
    qsort(all.r, all.n, sizeof *all.r, cmp_qrow);
    for (size_t i = 1; i < all.n && !rc; i++) {
        const qrow *a = &all.r[i - 1], *b = &all.r[i];
        if (strcmp(a->territory, b->territory) || b->start >= a->end)
            continue;
        const qrow *bad = a->line > b->line ? a : b, *other = bad == a ? b : a;
        char where[64];
        if (other->line)
            snprintf(where, sizeof where, "line %ld", other->line);
        else
            snprintf(where, sizeof where, "the stored quotas");
        rc = regio_error_setf(e, REGIO_EDATA, c->path, bad->line, "period",
                              !strcmp(a->period, b->period)
                                  ? "territory '%s' has a quota for %s twice (also %s)"
                                  : "territory '%s': the quota for %s overlaps %s (%s)",
                              bad->territory, bad->period,
                              !strcmp(a->period, b->period) ? where : other->period,
                              !strcmp(a->period, b->period) ? "" : where);
    }
    regio_free(all.r);
    return rc;
}

static void qset_free(qset *q)
{
    for (size_t i = 0; i < q->n; i++) {
        regio_free(q->r[i].territory);
        regio_free(q->r[i].period);
    }
    regio_free(q->r);
}

static regio_err import_quotas(imp *c, regio_error *e)
{
    qset stored = {0}, file = {0};
    regio_err rc = regio__perf_quotas_foreach(c->s, on_quota, &stored, e);
    if (rc == REGIO_ECANCELLED)
        rc = REGIO_ENOMEM;
    int has = 0;
    while (!rc && !(rc = regio__table_next(c->t, &has, e)) && has) {
        c->sum->rows++;
        rc = quota_row(c, &file, e);
    }
    regio_strmap *in_file = NULL, *in_store = NULL;
    if (!rc)
        rc = key_map(&file, &in_file);
    if (!rc)
        rc = key_map(&stored, &in_store);
    if (!rc)
        rc = quotas_check(c, &stored, &file, in_file, e);
    regio_buf k;
    regio_buf_init(&k, 0);
    for (size_t i = 0; i < file.n && !rc; i++) {
        const qrow *r = &file.r[i];
        long j = key_find(in_store, r, &k);
        int existed = j >= 0, same = existed && stored.r[j].amount == r->amount;
        if (same) {
            c->sum->unchanged++;
            continue;
        }
        regio__perf_quota q = {r->territory, r->period, r->start, r->end, r->amount};
        rc = regio__perf_quota_put(c->s, &q, e);
        if (existed)
            c->sum->updated++;
        else
            c->sum->added++;
    }
    regio_buf_free(&k);
    regio_strmap_destroy(in_file);
    regio_strmap_destroy(in_store);
    qset_free(&stored);
    qset_free(&file);
    return rc;
}

/* ---- activities ------------------------------------------------------------------ */

static const char *const KINDS[] = {"visit", "call", "email", "meeting"};

static const char *activity_kind(const char *v)
{
    char sq[32];
    squash(v, sq, sizeof sq);
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (!strcmp(sq, KINDS[i]))
            return KINDS[i];
    return NULL;
}

static regio_err activity_row(imp *c, regio_error *e)
{
    char id[512], user[512], type[64], at[64], outcome[1024];
    regio__perf_activity a;
    memset(&a, 0, sizeof a);
    if (!(a.id = cell(c, REGIO_F_ID, id, sizeof id)))
        return FAIL(c, REGIO_F_ID, e, "the activity's id is empty");
    regio_err rc = account_of(c, &a.account, e);
    if (!rc)
        rc = day_of(c, &a.day, e);
    if (rc)
        return rc;
    const char *u = cell(c, REGIO_F_USER, user, sizeof user);
    if (!u)
        return FAIL(c, REGIO_F_USER, e, "the user is empty");
    long k = regio_strmap_get(c->users, u);
    if (k >= 0)
        a.user = k;
    else if ((k = regio_strmap_get(c->reps, u)) >= 0)
        a.rep = k;
    else
        return FAIL(c, REGIO_F_USER, e, "'%.100s' is no user and no rep", u);
    const char *ty = cell(c, REGIO_F_TYPE, type, sizeof type);
    if (!ty)
        return FAIL(c, REGIO_F_TYPE, e, "the type is empty");
    if (!(a.kind = activity_kind(ty)))
        return FAIL(c, REGIO_F_TYPE, e, "type '%.40s' is none of visit, call, email, meeting", ty);
    a.occurred_at = cell(c, REGIO_F_DATE, at, sizeof at);
    if ((rc = number(c, REGIO_F_DURATION, "the duration", 0, &a.duration_min, e)) ||
        (rc = number(c, REGIO_F_LAT, "the latitude", 0, &a.lat, e)) ||
        (rc = number(c, REGIO_F_LON, "the longitude", 0, &a.lon, e)))
        return rc;
    char num[32];
    if (!isnan(a.duration_min) && a.duration_min < 0)
        return FAIL(c, REGIO_F_DURATION, e, "the duration %s is negative",
                    regio_format_g15(a.duration_min, num));
    if (!isnan(a.lat) && (a.lat < -90 || a.lat > 90))
        return FAIL(c, REGIO_F_LAT, e, "latitude %s is outside -90..90",
                    regio_format_g15(a.lat, num));
    if (!isnan(a.lon) && (a.lon < -180 || a.lon > 180))
        return FAIL(c, REGIO_F_LON, e, "longitude %s is outside -180..180",
                    regio_format_g15(a.lon, num));
    a.outcome = cell(c, REGIO_F_OUTCOME, outcome, sizeof outcome);
    int added = 0;
    rc = regio__perf_activity_put(c->s, &a, 1, &added, e);
    if (rc) {
        regio__error_set_file(e, c->path, regio__table_line(c->t));
        return rc;
    }
    if (added == 1)
        c->sum->added++;
    else if (added == 2)
        c->sum->updated++;
    else
        c->sum->unchanged++;
    return REGIO_OK;
}

/* ---- the driver ------------------------------------------------------------------ */

static regio_err audit(imp *c, const char *what, regio_error *e)
{
    const regio_import_summary *sum = c->sum;
    if (sum->added + sum->updated == 0)
        return REGIO_OK;
    char after[160], action[32];
    snprintf(after, sizeof after, "{\"rows\":%zu,\"added\":%zu,\"updated\":%zu,\"unchanged\":%zu}",
             sum->rows, sum->added, sum->updated, sum->unchanged);
    snprintf(action, sizeof action, "import.%s", what);
    return regio_store_audit_append(c->s, c->actor, action, "file", c->path, NULL, after, e);
}

static regio_err run(regio_store *s, kind k, const char *path, const regio_import_opts *opts,
                     regio_import_summary *sum, regio_error *err)
{
    static const regio_import_opts defaults;
    static const regio_entity ents[] = {REGIO_ENTITY_SALE, REGIO_ENTITY_QUOTA,
                                        REGIO_ENTITY_ACTIVITY};
    static const char *const what[] = {"sales", "quotas", "activities"};
    regio_import_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    if (!opts)
        opts = &defaults;
    regio_error e;
    regio_error_clear(&e);
    regio_error_clear(err);
    if (!s || !path)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no file to import");
    if (opts->skip_invalid)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "an import of %s is all or nothing: skipping invalid rows is for "
                                "accounts and reps",
                                what[k]);
    imp c;
    memset(&c, 0, sizeof c);
    c.k = k;
    c.s = s;
    c.path = path;
    c.actor = opts->actor ? opts->actor : "cli";
    c.sum = sum;
    int in_txn = 0;
    regio_err rc = regio__table_open(path, opts->sep, &c.t, &e);
    if (!rc && (rc = regio_header_map_build(ents[k], regio__table_header(c.t),
                                            regio__table_ncols(c.t), opts->maps, opts->n_maps,
                                            &c.map, &e)))
        regio__error_set_file(&e, path, 1);
    if (!rc && !opts->in_transaction && !(rc = regio_store_begin(s, &e)))
        in_txn = 1;
    if (!rc)
        rc = load_refs(&c, &e);
    if (!rc && k == K_QUOTAS) {
        rc = import_quotas(&c, &e);
    } else if (!rc) {
        long long before = 0, after = 0;
        size_t changed = 0;
        if (k == K_SALES)
            rc = regio__perf_sales_count(s, &before, &e);
        int has = 0;
        while (!rc && !(rc = regio__table_next(c.t, &has, &e)) && has) {
            sum->rows++;
            rc = k == K_SALES ? sales_row(&c, &changed, &e) : activity_row(&c, &e);
        }
        long long later = 0;
        if (!rc && k == K_SALES && !(rc = regio__perf_sales_settle(s, &later, &e)))
            changed += (size_t)later;
        /* the figures that follow the import read the accounts packed */
        if (!rc && k == K_SALES && !opts->dry_run)
            rc = regio__perf_account_columns_ensure(s, &e);
        if (!rc && k == K_SALES && !(rc = regio__perf_sales_count(s, &after, &e))) {
            sum->added = (size_t)(after - before);
            sum->updated = changed - sum->added;
            sum->unchanged = sum->rows - changed;
        }
    }
    if (!rc && !opts->dry_run)
        rc = audit(&c, what[k], &e);
    if (!rc && !opts->dry_run && in_txn)
        rc = regio_store_commit(s, &e);
    else if (in_txn)
        regio_store_rollback(s, NULL);
    if (rc == REGIO_ENOMEM)
        regio__file_error(&e, REGIO_ENOMEM, path, "out of memory");
    if (rc && err)
        *err = e;
    regio_strmap_destroy(c.accounts);
    regio_strmap_destroy(c.users);
    regio_strmap_destroy(c.reps);
    regio_strmap_destroy(c.codes);
    regio_header_map_destroy(c.map);
    regio__table_close(c.t);
    return rc;
}

regio_err regio_import_sales(regio_store *s, const char *path, const regio_import_opts *opts,
                             regio_import_summary *sum, regio_error *err)
{
    return run(s, K_SALES, path, opts, sum, err);
}

regio_err regio_import_quotas(regio_store *s, const char *path, const regio_import_opts *opts,
                              regio_import_summary *sum, regio_error *err)
{
    return run(s, K_QUOTAS, path, opts, sum, err);
}

regio_err regio_import_activities(regio_store *s, const char *path,
                                  const regio_import_opts *opts, regio_import_summary *sum,
                                  regio_error *err)
{
    return run(s, K_ACTIVITIES, path, opts, sum, err);
}

/* ---- activities logged one by one (the check-in page, the API) -------------------- */

static regio_err log_one(regio_store *s, const regio_activity *a, size_t i, int *added,
                         regio_error *err)
{
#define BAD(...) regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, __VA_ARGS__)
    if (!a->id || !*a->id || strlen(a->id) > 200)
        return BAD("activity %zu: an id (the client's, up to 200 characters) is required", i + 1);
    if (!a->account || !a->user)
        return BAD("activity '%.100s': account and user are required", a->id);
    regio_day day;
    if (!a->date || regio_day_parse(a->date, &day))
        return BAD("activity '%.100s': '%.40s' is no date (YYYY-MM-DD or an ISO timestamp)",
                   a->id, a->date ? a->date : "");
    const char *what = a->type ? activity_kind(a->type) : "visit";
    if (!what)
        return BAD("activity '%.100s': type '%.40s' is none of visit, call, email, meeting", a->id,
                   a->type);
    if ((!isnan(a->lat) && (a->lat < -90 || a->lat > 90)) ||
        (!isnan(a->lon) && (a->lon < -180 || a->lon > 180)))
        return BAD("activity '%.100s': the position is outside -90..90, -180..180", a->id);
    if (!isnan(a->duration_min) && (a->duration_min < 0 || a->duration_min > 24 * 60))
        return BAD("activity '%.100s': the duration must be 0 to 1440 minutes", a->id);
#undef BAD
    long long acc = 0, user = 0, rep = 0;
    regio_err rc = regio__perf_keys_of(s, a->account, a->user, &acc, &user, &rep, err);
    if (rc)
        return rc;
    if (!acc)
        return regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, "account",
                                "activity '%.100s': unknown account '%.100s'", a->id, a->account);
    if (!user && !rep)
        return regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, "user",
                                "activity '%.100s': '%.100s' is no user and no rep", a->id, a->user);
    regio__perf_activity row;
    memset(&row, 0, sizeof row);
    row.id = a->id;
    row.account = acc;
    row.user = user;
    row.rep = rep;
    row.kind = what;
    row.occurred_at = a->date;
    row.day = day;
    row.duration_min = a->duration_min;
    row.outcome = a->outcome;
    row.notes = a->notes;
    row.lat = a->lat;
    row.lon = a->lon;
    rc = regio__perf_activity_put(s, &row, 0, added, err);
    *added = *added == 1;
    return rc;
}

regio_err regio_activities_log(regio_store *s, const regio_activity *a, size_t n,
                               const char *actor, size_t *added, regio_error *err)
{
    regio_error_clear(err);
    if (added)
        *added = 0;
    if (!s || (n && !a))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no activities");
    /* Atomic on its own, or as a part of the caller's transaction. */
    int own = 0;
    regio_err rc = regio_store_nest_begin(s, &own, err);
    if (rc)
        return rc;
    size_t count = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        int one = 0;
        rc = log_one(s, &a[i], i, &one, err);
        count += (size_t)one;
    }
    if (!rc && count) {
        char after[64];
        snprintf(after, sizeof after, "{\"logged\":%zu,\"new\":%zu}", n, count);
        rc = regio_store_audit_append(s, actor ? actor : "cli", "activity.log", "activity",
                                      a[0].id, NULL, after, err);
    }
    rc = regio_store_nest_end(s, own, rc, err);
    if (!rc && added)
        *added = count;
    return rc;
}
