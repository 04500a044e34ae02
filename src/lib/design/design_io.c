/*
 * Territory design problems (see regio/design_io.h): turns units (a file or
 * the store, design_store.c) with their adjacency and the optional rep
 * homes, locks, targets, groups, baseline and alignment into the engine's
 * arrays, one loading step per input. Writing alignments and reports:
 * design_write.c; saving a result as a model: regio_model_view_save.
 */
#include "design/design_io_internal.h"

#include "core/grow.h"

#include "regio/buf.h"
#include "regio/design_opts.h"
#include "regio/format.h"
#include "regio/strmap.h"
#include "io/import_common.h"
#include "io/table.h"
#include "regio/fields.h"
#include "regio/geo.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Fills err with file and line (no field) and returns code. */
#define fail(err, code, file, line, ...) regio_error_setf((err), (code), (file), (line), NULL, __VA_ARGS__)

static regio_err add_note(regio_design_problem *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static regio_err add_note(regio_design_problem *p, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **nn = regio_realloc(p->notes, (p->n_notes + 1) * sizeof *nn);
    if (!nn)
        return REGIO_ENOMEM;
    p->notes = nn;
    if (!(nn[p->n_notes] = regio_strdup(buf)))
        return REGIO_ENOMEM;
    p->n_notes++;
    return REGIO_OK;
}

/* ---- territory names ----------------------------------------------------- */

/* Index of a territory name, or -1. k is small (hundreds): linear. */
static int territory_index(const regio_design_problem *p, int n_named, const char *name)
{
    for (int t = 0; t < n_named; t++)
        if (!strcmp(p->territory[t], name))
            return t;
    return -1;
}

static regio_err push_name(regio_design_problem *p, int *n_named, int *cap, const char *name)
{
    size_t c = (size_t)*cap;
    if (regio__grow(&p->territory, &c, (size_t)*n_named + 1, sizeof *p->territory))
        return REGIO_ENOMEM;
    *cap = (int)c;
    if (!(p->territory[*n_named] = regio_strdup(name)))
        return REGIO_ENOMEM;
    (*n_named)++;
    p->n_names_ = *n_named;
    return REGIO_OK;
}

/* ---- small CSV files ------------------------------------------------------- */

static long find_col(regio__table *t, const char *const *names)
{
    const char *const *h = regio__table_header(t);
    for (size_t i = 0; i < regio__table_ncols(t); i++)
        for (const char *const *n = names; *n; n++)
            if (!strcasecmp(regio__trim_view(h[i]), *n))
                return (long)i;
    return -1;
}

typedef regio_err (*pair_cb)(void *ud, regio__table *t, const char *path, const char *a,
                             const char *b, regio_error *err);

/* Reads two named columns of a CSV, calling cb for each row. */
static regio_err read_pairs(const char *path, const char *const *a_names,
                            const char *const *b_names, pair_cb cb, void *ud, regio_error *err)
{
    regio__table *t = NULL;
    regio_err rc = regio__table_open(path, 0, &t, err);
    if (rc)
        return rc;
    long ca = find_col(t, a_names), cb_ = find_col(t, b_names);
    if (ca < 0 || cb_ < 0) {
        regio__table_close(t);
        return fail(err, REGIO_EDATA, path, 1, "the file needs columns %s and %s", a_names[0],
                    b_names[0]);
    }
    for (;;) {
        int has = 0;
        if ((rc = regio__table_next(t, &has, err)) || !has)
            break;
        char a[256], b[256];
        regio__copy_trim(a, sizeof a, regio__table_field(t, (size_t)ca));
        regio__copy_trim(b, sizeof b, regio__table_field(t, (size_t)cb_));
        if ((rc = cb(ud, t, path, a, b, err)))
            break;
    }
    regio__table_close(t);
    return rc;
}

static const char *const unit_cols[] = {"unit_id", "unit", "id", NULL};
static const char *const terr_cols[] = {"territory", "territory_id", "label", "district", NULL};
static const char *const share_cols[] = {"share", "target", "weight", NULL};

/* Collects distinct labels of an alignment file (first pass). */
typedef struct label_ctx {
    regio_design_problem *p;
    int *n_named, *cap;
    int *labels;  /* when set: unit -> label index */
    long *line_of;/* unit -> line it was given on (duplicates) */
} label_ctx;

static regio_err collect_label(void *ud, regio__table *t, const char *path, const char *a,
                               const char *b, regio_error *err)
{
    label_ctx *c = ud;
    if (!*b)
        return regio__row_error(err, path, t, 0, "unit '%s' has no territory", a);
    if (territory_index(c->p, *c->n_named, b) < 0)
        return push_name(c->p, c->n_named, c->cap, b);
    return REGIO_OK;
}

/* A unit,territory row of a labels file: the unit's position and the
 * territory's index among the first n_named names, or a row error. */
static regio_err resolve_row(const label_ctx *c, regio__table *t, const char *path,
                             const char *a, const char *b, int n_named, long *u, int *ti,
                             regio_error *err)
{
    *u = regio_unitset_find(c->p->loaded.units, a);
    if (*u < 0)
        return regio__row_error(err, path, t, 0, "unit '%s' is not among the units", a);
    *ti = territory_index(c->p, n_named, b);
    if (*ti < 0)
        return regio__row_error(err, path, t, 1, "territory '%s' is not one of the %d territories",
                                b, c->p->k);
    return REGIO_OK;
}

static regio_err assign_label(void *ud, regio__table *t, const char *path, const char *a,
                              const char *b, regio_error *err)
{
    label_ctx *c = ud;
    long u = regio_unitset_find(c->p->loaded.units, a);
    if (u >= 0 && c->line_of[u])
        return regio__row_error(err, path, t, 0, "unit '%s' is listed twice (first on line %ld)",
                                a, c->line_of[u]);
    int ti;
    regio_err rc = resolve_row(c, t, path, a, b, *c->n_named, &u, &ti, err);
    if (rc)
        return rc;
    c->labels[u] = ti;
    c->line_of[u] = regio__table_line(t);
    return REGIO_OK;
}

/* Reads a full alignment (every unit labelled) into labels[]. */
static regio_err read_alignment(regio_design_problem *p, const char *path, int *n_named, int *cap,
                                int *labels, regio_error *err)
{
    size_t n = p->loaded.units->n;
    long *line_of = regio_calloc(n, sizeof *line_of);
    if (!line_of)
        return REGIO_ENOMEM;
    label_ctx c = {p, n_named, cap, labels, line_of};
    regio_err rc = read_pairs(path, unit_cols, terr_cols, assign_label, &c, err);
    for (size_t i = 0; !rc && i < n; i++)
        if (!line_of[i])
            rc = fail(err, REGIO_EDATA, path, 0, "unit '%s' has no territory in the file",
                      p->loaded.units->units[i].id);
    regio_free(line_of);
    return rc;
}

static regio_err lock_unit(void *ud, regio__table *t, const char *path, const char *a,
                           const char *b, regio_error *err)
{
    label_ctx *c = ud;
    long u;
    int ti;
    regio_err rc = resolve_row(c, t, path, a, b, c->p->k, &u, &ti, err);
    if (!rc)
        c->labels[u] = ti;
    return rc;
}

static regio_err set_target(void *ud, regio__table *t, const char *path, const char *a,
                            const char *b, regio_error *err)
{
    label_ctx *c = ud;
    int ti = territory_index(c->p, c->p->k, a);
    if (ti < 0)
        return regio__row_error(err, path, t, 0, "territory '%s' is not one of the %d territories",
                                a, c->p->k);
    double v;
    int empty;
    if (regio__parse_cell_number(b, &v, &empty) || empty || v <= 0)
        return regio__row_error(err, path, t, 1, "share '%s' is not a positive number", b);
    c->p->targets_[ti] = v;
    return REGIO_OK;
}

/* ---- homes ------------------------------------------------------------------ */

static regio_err read_homes(regio_design_problem *p, const char *path, int *n_named, int *cap,
                            regio_error *err)
{
    regio__table *t = NULL;
    regio_header_map *map = NULL;
    regio_err rc = regio__table_open(path, 0, &t, err);
    if (rc)
        return rc;
    rc = regio_header_map_build(REGIO_ENTITY_REP, regio__table_header(t), regio__table_ncols(t),
                                NULL, 0, &map, err);
    if (rc) {
        regio__error_set_file(err, path, 1);
        regio__table_close(t);
        return rc;
    }
    long cid = regio_header_map_column_of(map, REGIO_F_ID);
    long clat = regio_header_map_column_of(map, REGIO_F_LAT);
    long clon = regio_header_map_column_of(map, REGIO_F_LON);
    if (clat < 0 || clon < 0) {
        rc = fail(err, REGIO_EDATA, path, 1, "rep homes need coordinate columns lat,lon (or x,y)");
        goto done;
    }
    size_t cap_x = 0, cap_y = 0, n_h = 0;
    for (;;) {
        int has = 0;
        if ((rc = regio__table_next(t, &has, err)) || !has)
            break;
        char id[256];
        regio__copy_trim(id, sizeof id, regio__table_field(t, (size_t)cid));
        double lat, lon;
        int e1, e2;
        if (!*id) {
            rc = regio__row_error(err, path, t, (size_t)cid, "the rep id is empty");
            break;
        }
        if (regio__parse_cell_number(regio__table_field(t, (size_t)clat), &lat, &e1) || e1 ||
            regio__parse_cell_number(regio__table_field(t, (size_t)clon), &lon, &e2) || e2) {
            rc = regio__row_error(err, path, t, (size_t)clat,
                                  "rep '%s' needs a home: lat and lon must be numbers", id);
            break;
        }
        if (territory_index(p, *n_named, id) >= 0) {
            rc = regio__row_error(err, path, t, (size_t)cid, "rep '%s' appears twice", id);
            break;
        }
        if ((rc = push_name(p, n_named, cap, id)))
            break;
        if (regio__grow(&p->home_x_, &cap_x, n_h + 1, sizeof *p->home_x_) ||
            regio__grow(&p->home_y_, &cap_y, n_h + 1, sizeof *p->home_y_)) {
            rc = REGIO_ENOMEM;
            break;
        }
        p->home_x_[n_h] = lon;
        p->home_y_[n_h] = lat;
        n_h++;
    }
    if (!rc && n_h == 0)
        rc = fail(err, REGIO_EDATA, path, 0, "the homes file lists no rep");
done:
    regio_header_map_destroy(map);
    regio__table_close(t);
    return rc;
}

/* ---- measures ------------------------------------------------------------- */

static int measure_index(const regio_unitset *us, const char *name)
{
    for (size_t i = 0; i < us->n_measures; i++)
        if (!strcmp(us->measure_names[i], name))
            return (int)i;
    return -1;
}

static regio_err unknown_measure(const regio_unitset *us, const char *path, const char *name,
                                 regio_error *err)
{
    regio_buf b;
    regio_buf_init(&b, 4096);
    for (size_t i = 0; i < us->n_measures; i++)
        regio_buf_printf(&b, "%s%s", i ? ", " : "", us->measure_names[i]);
    regio_err rc = fail(err, REGIO_EDATA, path, 0, "no measure '%s' in the units (measures: %s)",
                        name, b.data ? b.data : "none");
    regio_buf_free(&b);
    return rc;
}

/* Parses "a,b,c" into measure indexes. */
static regio_err parse_balance(regio_design_problem *p, const char *path, const char *list,
                               regio_error *err)
{
    const regio_unitset *us = p->loaded.units;
    size_t cap = 1;
    for (const char *c = list; *c; c++)
        cap += *c == ',';
    p->balance_cols_ = regio_calloc(cap, sizeof *p->balance_cols_);
    if (!p->balance_cols_)
        return REGIO_ENOMEM;
    size_t n = 0;
    const char *s = list;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char name[256];
        if (len >= sizeof name)
            len = sizeof name - 1;
        memcpy(name, s, len);
        name[len] = '\0';
        regio__copy_trim(name, sizeof name, name);
        if (*name) {
            int mi = measure_index(us, name);
            if (mi < 0)
                return unknown_measure(us, path, name, err);
            p->balance_cols_[n++] = mi;
        }
        s = e ? e + 1 : s + len;
    }
    if (n == 0)
        return fail(err, REGIO_EINVAL, NULL, 0, "--balance names no measure");
    p->params.balance_cols = p->balance_cols_;
    p->params.n_balance = n;
    return REGIO_OK;
}

static regio_err parse_weights(regio_design_problem *p, const char *list, regio_error *err)
{
    size_t n = p->params.n_balance;
    p->weights_ = regio_calloc(n ? n : 1, sizeof *p->weights_);
    if (!p->weights_)
        return REGIO_ENOMEM;
    regio_err rc = regio_design_index_weights_parse(list, REGIO_OPTS_CLI, n, p->weights_, err);
    if (!rc)
        p->params.index_weights = p->weights_;
    return rc;
}

typedef struct model_labels {
    regio_design_problem *p;
    int *n_named, *cap;
    int *labels;
    size_t seen;
    regio_err rc;
} model_labels;

static int model_label(void *ud, const regio_alignment_row *row)
{
    model_labels *c = ud;
    if (!row->unit_id || !row->territory)
        return 0;
    long u = regio_unitset_find(c->p->loaded.units, row->unit_id);
    if (u < 0)
        return 0;
    int t = territory_index(c->p, *c->n_named, row->territory);
    if (t < 0 && !c->labels) {
        c->rc = push_name(c->p, c->n_named, c->cap, row->territory);
        return c->rc != REGIO_OK;
    }
    if (c->labels && t >= 0) {
        c->labels[u] = t;
        c->seen++;
    }
    return 0;
}

static void free_reps(regio_design_problem *p)
{
    for (int t = 0; p->territory_rep && t < p->k; t++)
        regio_free(p->territory_rep[t]);
    regio_free(p->territory_rep);
    p->territory_rep = NULL;
}

regio_err regio_design_problem_set_reps(regio_design_problem *p, const char *const *reps,
                                        regio_error *err)
{
    free_reps(p);
    if (!reps)
        return REGIO_OK;
    if (!(p->territory_rep = regio_calloc((size_t)(p->k > 0 ? p->k : 1), sizeof(char *))))
        return fail(err, REGIO_ENOMEM, NULL, 0, "out of memory");
    for (int t = 0; t < p->k; t++)
        if (reps[t] && !(p->territory_rep[t] = regio_strdup(reps[t]))) {
            free_reps(p);
            return fail(err, REGIO_ENOMEM, NULL, 0, "out of memory");
        }
    return REGIO_OK;
}

void regio_design_problem_destroy(regio_design_problem *p)
{
    if (!p)
        return;
    free_reps(p);
    for (int t = 0; p->territory && t < p->n_names_; t++)
        regio_free(p->territory[t]);
    regio_free(p->territory);
    for (size_t i = 0; i < p->n_notes; i++)
        regio_free(p->notes[i]);
    regio_free(p->notes);
    regio_free(p->alignment);
    regio_free(p->x_);
    regio_free(p->y_);
    regio_free(p->measures_);
    regio_free(p->xadj_);
    regio_free(p->adjncy_);
    regio_free(p->balance_cols_);
    regio_free(p->locked_);
    regio_free(p->groups_);
    regio_free(p->baseline_);
    regio_free(p->weights_);
    regio_free(p->targets_);
    regio_free(p->home_x_);
    regio_free(p->home_y_);
    regio_free(p->unit_ids_);
    regio_units_loaded_free(&p->loaded);
    regio_free(p);
}

/* ---- load, one step per input ---------------------------------------------- */

/* What the steps of regio_design_problem_load share. */
typedef struct loader {
    const regio_design_spec *spec;
    regio_design_problem *p;
    int n_named, cap;    /* territory names so far (p->territory) */
    int from_homes;      /* territories named by the rep homes file */
    const char *labelled;/* the labels file that names territories, or NULL */
} loader;

/* Units (a file or the store), with a note per island link. */
static regio_err load_units(loader *L, regio_error *err)
{
    const regio_design_spec *spec = L->spec;
    regio_design_problem *p = L->p;
    regio_import_summary sum;
    regio_err rc = spec->units_path
                       ? regio_units_load(spec->units_path, &spec->units_opts, &p->loaded, &sum, err)
                       : regio__design_units_from_store(spec->store, spec->with_geometry,
                                                        &p->loaded, err);
    if (rc)
        return rc;
    const regio_unitset *us = p->loaded.units;
    if (us->n_measures == 0)
        return fail(err, REGIO_EDATA, spec->units_path, 0,
                    spec->units_path
                        ? "the units have no numeric measure to balance (add a column such as "
                          "accounts or workload)"
                        : "the units have no numeric measure to balance: place the accounts "
                          "and count them per unit with `regio assign units --measures`");
    for (size_t i = 0; i < p->loaded.islands.n_links; i++)
        if ((rc = add_note(p, "island %s linked to %s (%.1f %s)", p->loaded.islands.links[i].a,
                           p->loaded.islands.links[i].b, p->loaded.islands.links[i].dist_km,
                           us->planar ? "units" : "km")))
            return rc;
    return REGIO_OK;
}

/* The engine's arrays: coordinates, measures, ids and the adjacency G' as CSR. */
static regio_err build_input(regio_design_problem *p)
{
    const regio_unitset *us = p->loaded.units;
    size_t n = us->n, m = us->n_measures;
    p->x_ = regio_malloc(n * sizeof *p->x_);
    p->y_ = regio_malloc(n * sizeof *p->y_);
    p->measures_ = regio_malloc(n * m * sizeof *p->measures_);
    p->unit_ids_ = regio_malloc(n * sizeof *p->unit_ids_);
    if (!p->x_ || !p->y_ || !p->measures_ || !p->unit_ids_)
        return REGIO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const regio_unit *u = &us->units[i];
        p->x_[i] = u->lon;
        p->y_[i] = u->lat;
        p->unit_ids_[i] = u->id;
        for (size_t c = 0; c < m; c++) {
            double v = regio_attrs_num(u->attrs, u->n_attrs, us->measure_names[c]);
            p->measures_[i * m + c] = isnan(v) ? 0 : v;
        }
    }
    size_t ne = p->loaded.n_edges;
    int *ea = regio_malloc((ne ? ne : 1) * sizeof *ea);
    int *eb = regio_malloc((ne ? ne : 1) * sizeof *eb);
    regio_err rc = REGIO_ENOMEM;
    if (ea && eb) {
        for (size_t e = 0; e < ne; e++) {
            ea[e] = (int)regio_unitset_find(us, p->loaded.edges[e].a);
            eb[e] = (int)regio_unitset_find(us, p->loaded.edges[e].b);
        }
        rc = regio_design_csr_from_edges(n, ea, eb, ne, &p->xadj_, &p->adjncy_);
    }
    regio_free(ea);
    regio_free(eb);
    if (rc)
        return rc;
    p->in.n = n;
    p->in.coords = us->planar ? REGIO_COORDS_PLANAR : REGIO_COORDS_LATLON;
    p->in.x = p->x_;
    p->in.y = p->y_;
    p->in.m = m;
    p->in.measures = p->measures_;
    p->in.measure_names = (const char *const *)us->measure_names;
    p->in.unit_ids = p->unit_ids_;
    p->in.xadj = p->xadj_;
    p->in.adjncy = p->adjncy_;
    return REGIO_OK;
}

/* The measures to balance (with their index weights) and to weigh travel by. */
static regio_err choose_measures(loader *L, regio_error *err)
{
    const regio_design_spec *spec = L->spec;
    regio_design_problem *p = L->p;
    const regio_unitset *us = p->loaded.units;
    regio_err rc = parse_balance(p, spec->units_path,
                                 spec->balance ? spec->balance : us->measure_names[0], err);
    if (!rc && spec->index_weights)
        rc = parse_weights(p, spec->index_weights, err);
    if (!rc && spec->travel) {
        int ti = measure_index(us, spec->travel);
        if (ti < 0)
            return unknown_measure(us, spec->units_path, spec->travel, err);
        p->params.travel_col = ti;
    }
    return rc;
}

/* Territory names: one per rep of the homes file, else the labels of the
 * stored models and the baseline or alignment file, sorted (the labels'
 * order must not depend on row order). */
static regio_err name_territories(loader *L, model_labels *ml, regio_error *err)
{
    const regio_design_spec *spec = L->spec;
    regio_design_problem *p = L->p;
    regio_err rc = REGIO_OK;
    if (spec->homes_path) {
        if ((rc = read_homes(p, spec->homes_path, &L->n_named, &L->cap, err)))
            return rc;
        p->params.home_x = p->home_x_;
        p->params.home_y = p->home_y_;
    }
    L->labelled = spec->baseline_path ? spec->baseline_path : spec->alignment_path;
    L->from_homes = L->n_named;
    if (L->from_homes)
        return REGIO_OK;
    const char *models[2] = {spec->baseline_model, spec->alignment_model};
    for (int mi = 0; mi < 2 && spec->store; mi++) {
        if (!models[mi])
            continue;
        rc = regio_store_alignment_foreach(spec->store, models[mi], model_label, ml, err);
        if (rc == REGIO_ECANCELLED && ml->rc)
            rc = ml->rc;
        if (rc)
            return rc;
    }
    label_ctx lc = {p, &L->n_named, &L->cap, NULL, NULL};
    if (L->labelled && (rc = read_pairs(L->labelled, unit_cols, terr_cols, collect_label, &lc, err)))
        return rc;
    for (int a = 1; a < L->n_named; a++)
        for (int b = a; b > 0 && strcmp(p->territory[b - 1], p->territory[b]) > 0; b--) {
            char *tmp = p->territory[b];
            p->territory[b] = p->territory[b - 1];
            p->territory[b - 1] = tmp;
        }
    return REGIO_OK;
}

/* k: given, from the capacity, or the number of names; unnamed territories
 * get T01, T02, ... (skipping names in use). */
static regio_err choose_k(loader *L, regio_error *err)
{
    const regio_design_spec *spec = L->spec;
    regio_design_problem *p = L->p;
    size_t n = p->in.n, m = p->in.m;
    regio_err rc;
    int k = spec->k;
    if (spec->capacity > 0) {
        double total = 0;
        int c0 = p->params.balance_cols[0];
        for (size_t i = 0; i < n; i++)
            total += p->measures_[i * m + (size_t)c0];
        k = (int)ceil(total / spec->capacity - 1e-9);
        if (k < 1)
            k = 1;
        char tot[400], cap[400];
        if ((rc = add_note(p, "k = %d: total %s %s / capacity %s per territory, rounded up", k,
                           p->in.measure_names[c0], regio_format_sig(total, 6, tot, sizeof tot),
                           regio_format_sig(spec->capacity, 6, cap, sizeof cap))))
            return rc;
    }
    if (k <= 0)
        k = L->n_named;
    if (k <= 0)
        return fail(err, REGIO_EINVAL, NULL, 0,
                    "the number of territories is unknown: give --k, --homes or --capacity");
    if (L->from_homes && k != L->from_homes)
        return fail(err, REGIO_EINVAL, spec->homes_path, 0,
                    "--k %d conflicts with the %d reps of the homes file (one territory per rep)",
                    k, L->from_homes);
    if (L->n_named > k)
        return fail(err, REGIO_EDATA, L->labelled, 0, "the file uses %d territories but --k is %d",
                    L->n_named, k);
    if ((size_t)k > n)
        return fail(err, REGIO_EINVAL, NULL, 0, "--k %d exceeds the %zu units", k, n);
    int width = k >= 100 ? 3 : 2;
    for (int next = 1; L->n_named < k; next++) {
        char name[32];
        snprintf(name, sizeof name, "T%0*d", width, next);
        if (territory_index(p, L->n_named, name) < 0 &&
            (rc = push_name(p, &L->n_named, &L->cap, name)))
            return rc;
    }
    p->k = k;
    p->params.k = k;
    return REGIO_OK;
}

/* The baseline and the alignment to measure: from stored models and files;
 * every unit must have a territory. */
static regio_err read_labels(loader *L, model_labels *ml, regio_error *err)
{
    const regio_design_spec *spec = L->spec;
    regio_design_problem *p = L->p;
    size_t n = p->in.n;
    regio_err rc = REGIO_OK;
    const char *models[2] = {spec->baseline_model, spec->alignment_model};
    for (int mi = 0; mi < 2 && spec->store; mi++) {
        if (!models[mi])
            continue;
        int *labels = regio_malloc(n * sizeof *labels);
        if (!labels)
            return REGIO_ENOMEM;
        if (mi == 0)
            p->baseline_ = labels;
        else
            p->alignment = labels;
        for (size_t i = 0; i < n; i++)
            labels[i] = -1;
        ml->labels = labels;
        /* Units added after the model was made stay -1: a report lists
         * them, a realign assigns them (regio_model_view_realign_input). */
        rc = regio_store_alignment_foreach(spec->store, models[mi], model_label, ml, err);
        if (rc)
            return rc;
        if (mi == 0)
            p->params.baseline = p->baseline_;
    }
    if (spec->baseline_path) {
        p->baseline_ = regio_malloc(n * sizeof *p->baseline_);
        if (!p->baseline_ ||
            (rc = read_alignment(p, spec->baseline_path, &L->n_named, &L->cap, p->baseline_, err)))
            return rc ? rc : REGIO_ENOMEM;
        p->params.baseline = p->baseline_;
    }
    if (spec->alignment_path) {
        p->alignment = regio_malloc(n * sizeof *p->alignment);
        if (!p->alignment ||
            (rc = read_alignment(p, spec->alignment_path, &L->n_named, &L->cap, p->alignment, err)))
            return rc ? rc : REGIO_ENOMEM;
    }
    return REGIO_OK;
}

/* The reps of a stored model's territories, for the report. */
typedef struct model_reps {
    regio_design_problem *p;
    regio_err rc;
} model_reps;

static int model_rep(void *ud, const regio_territory_info *ti)
{
    model_reps *c = ud;
    int t = ti->rep ? territory_index(c->p, c->p->k, ti->id) : -1;
    if (t >= 0 && !(c->p->territory_rep[t] = regio_strdup(ti->rep))) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    return 0;
}

static regio_err read_reps(loader *L, regio_error *err)
{
    const regio_design_spec *spec = L->spec;
    regio_design_problem *p = L->p;
    if (!(p->territory_rep = regio_calloc((size_t)p->k, sizeof *p->territory_rep)))
        return REGIO_ENOMEM;
    model_reps c = {p, REGIO_OK};
    regio_err rc = regio_store_territories_foreach(
        spec->store, spec->alignment_model ? spec->alignment_model : spec->baseline_model,
        model_rep, &c, err);
    return rc == REGIO_ECANCELLED && c.rc ? c.rc : rc;
}

/* Locked units: unit_id,territory. */
static regio_err read_locks(loader *L, regio_error *err)
{
    regio_design_problem *p = L->p;
    size_t n = p->in.n;
    if (!(p->locked_ = regio_malloc(n * sizeof *p->locked_)))
        return REGIO_ENOMEM;
    for (size_t i = 0; i < n; i++)
        p->locked_[i] = -1;
    label_ctx lc = {p, &L->n_named, &L->cap, p->locked_, NULL};
    regio_err rc = read_pairs(L->spec->locked_path, unit_cols, terr_cols, lock_unit, &lc, err);
    if (!rc)
        p->params.locked = p->locked_;
    return rc;
}

/* Target shares: territory,share (scaled to sum to 1, with a note). */
static regio_err read_targets(loader *L, regio_error *err)
{
    regio_design_problem *p = L->p;
    const char *path = L->spec->targets_path;
    int k = p->k;
    if (!(p->targets_ = regio_calloc((size_t)k, sizeof *p->targets_)))
        return REGIO_ENOMEM;
    label_ctx lc = {p, &L->n_named, &L->cap, NULL, NULL};
    regio_err rc = read_pairs(path, terr_cols, share_cols, set_target, &lc, err);
    if (rc)
        return rc;
    double sum_s = 0;
    for (int t = 0; t < k; t++) {
        if (p->targets_[t] <= 0)
            return fail(err, REGIO_EDATA, path, 0, "territory '%s' has no share in the targets file",
                        p->territory[t]);
        sum_s += p->targets_[t];
    }
    char sum_text[64];
    if (fabs(sum_s - 1) > 1e-9 &&
        (rc = add_note(p, "target shares sum to %s; they were scaled to sum to 1",
                       regio_format_sig(sum_s, 6, sum_text, sizeof sum_text))))
        return rc;
    p->params.target_shares = p->targets_;
    return REGIO_OK;
}

/* --keep-whole: units with equal values of an attribute form one group
 * (regio_design_groups_by_attribute); a units file without the attribute
 * is a data error of that file. */
static regio_err read_groups(loader *L, regio_error *err)
{
    const regio_design_spec *spec = L->spec;
    regio_design_problem *p = L->p;
    const regio_unitset *us = p->loaded.units;
    if (!(p->groups_ = regio_malloc((us->n ? us->n : 1) * sizeof *p->groups_)))
        return REGIO_ENOMEM;
    regio_err rc = regio_design_groups_by_attribute(us, spec->keep_whole, REGIO_OPTS_CLI,
                                                    p->groups_, err);
    if (rc == REGIO_EINVAL) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return fail(err, REGIO_EDATA, spec->units_path, 0, "%s", msg);
    }
    if (!rc)
        p->params.groups = p->groups_;
    return rc;
}

regio_err regio_design_problem_load(const regio_design_spec *spec, regio_design_problem **out,
                                    regio_error *err)
{
    *out = NULL;
    regio_error_clear(err);
    if (!spec->units_path && !spec->store)
        return fail(err, REGIO_EINVAL, NULL, 0, "units (a file or the store) are required");
    regio_design_problem *p = regio_calloc(1, sizeof *p);
    if (!p)
        return REGIO_ENOMEM;
    regio_design_params_init(&p->params);
    loader L = {spec, p, 0, 0, 0, NULL};
    model_labels ml = {p, &L.n_named, &L.cap, NULL, 0, REGIO_OK};
    regio_err rc = load_units(&L, err);
    if (!rc)
        rc = build_input(p);
    if (!rc)
        rc = choose_measures(&L, err);
    if (!rc)
        rc = name_territories(&L, &ml, err);
    if (!rc)
        rc = choose_k(&L, err);
    if (!rc)
        rc = read_labels(&L, &ml, err);
    if (!rc && spec->store && (spec->alignment_model || spec->baseline_model))
        rc = read_reps(&L, err);
    /* On rep homes each territory is its rep's, and named after the rep. */
    if (!rc && L.from_homes)
        rc = regio_design_problem_set_reps(p, (const char *const *)p->territory, err);
    if (!rc && spec->locked_path)
        rc = read_locks(&L, err);
    if (!rc && spec->targets_path)
        rc = read_targets(&L, err);
    if (!rc && spec->keep_whole)
        rc = read_groups(&L, err);
    if (rc) {
        if (rc == REGIO_ENOMEM && err && !err->msg[0])
            fail(err, REGIO_ENOMEM, NULL, 0, "out of memory");
        regio_design_problem_destroy(p);
        return rc;
    }
    *out = p;
    return REGIO_OK;
}

regio_err regio_design_problem_load_units(regio_store *s, int with_geometry,
                                          regio_design_problem **out, regio_error *err)
{
    regio_design_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.store = s;
    spec.with_geometry = with_geometry;
    spec.k = 1; /* each model brings its own territories */
    return regio_design_problem_load(&spec, out, err);
}
