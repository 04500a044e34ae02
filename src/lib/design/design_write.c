/*
 * Writing what a design produced (see regio/design_io.h): the alignment
 * CSV (through regio_output_write: a regular file atomically, "-" to
 * stdout) and the METRICS.md report as JSON, CSV or text, for `regio
 * design`, `realign` and `report`.
 */
#include "regio/design_io.h"

#include "regio/buf.h"
#include "regio/format.h"
#include "regio/output.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fills err with file and line (no field) and returns code. */
#define fail(err, code, file, line, ...) regio_error_setf((err), (code), (file), (line), NULL, __VA_ARGS__)

/* ---- writing ------------------------------------------------------------- */

regio_err regio_design_write_alignment(const regio_design_problem *p, const int *labels,
                                       const char *path, regio_error *err)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "unit_id,territory\n");
    const regio_unitset *us = p->loaded.units;
    for (size_t i = 0; i < us->n && !rc; i++) {
        rc = regio_buf_csv_field(&b, us->units[i].id, ',');
        if (!rc)
            rc = regio_buf_putc(&b, ',');
        if (!rc)
            rc = regio_buf_csv_field(&b, labels[i] >= 0 && labels[i] < p->k
                                              ? p->territory[labels[i]] : "", ',');
        if (!rc)
            rc = regio_buf_putc(&b, '\n');
    }
    if (!rc)
        rc = regio_output_write(path, b.data, b.len, err);
    regio_buf_free(&b);
    return rc;
}

#define P(...)                                                                 \
    do {                                                                       \
        if (!rc)                                                               \
            rc = regio_buf_printf(b, __VA_ARGS__);                            \
    } while (0)
#define NUM(v)                                                                 \
    do {                                                                       \
        if (!rc)                                                               \
            rc = regio_buf_num(b, (v));                                       \
    } while (0)
#define STR(s)                                                                 \
    do {                                                                       \
        if (!rc)                                                               \
            rc = regio_buf_json_str(b, (s));                                  \
    } while (0)

static int is_balanced(const regio_design_problem *p, size_t c)
{
    for (size_t i = 0; i < p->params.n_balance; i++)
        if ((size_t)p->params.balance_cols[i] == c)
            return 1;
    return 0;
}

/* The reason of unit i in res (NULL when it has none): reasons are in
 * unit order, so a binary search finds it. */
static const regio_design_reason *reason_of(const regio_design_result *res, size_t i)
{
    if (!res)
        return NULL;
    size_t lo = 0, hi = res->n_reasons;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (res->reasons[mid].unit < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < res->n_reasons && res->reasons[lo].unit == i ? &res->reasons[lo] : NULL;
}

regio_err regio_design_reason_json(const regio_design_problem *p, const regio_design_reason *r,
                                   regio_buf *b)
{
    regio_err rc = REGIO_OK;
    regio_design_params q = p->params;
    q.territory_names = (const char *const *)p->territory;
    char text[400];
    P("{\"kind\": ");
    STR(regio_design_reason_kind_name(r->kind));
    if (r->terr >= 0) {
        P(", \"territory\": ");
        STR(p->territory[r->terr]);
    }
    if (r->kind == REGIO_REASON_BALANCE) {
        P(", \"measure\": ");
        STR(p->in.measure_names[r->measure]);
        P(", \"deviation_without\": ");
        NUM(r->before);
        P(", \"deviation_with\": ");
        NUM(r->after);
    } else if (r->kind == REGIO_REASON_TRAVEL) {
        P(", \"distance_from\": ");
        NUM(r->before);
        P(", \"distance_to\": ");
        NUM(r->after);
    } else if (r->kind == REGIO_REASON_CONTIGUITY) {
        P(r->after == 0 ? ", \"detached_piece_units\": " : ", \"pieces_without\": ");
        NUM(r->before);
    } else if (r->kind == REGIO_REASON_GROUP) {
        P(", \"group_units\": ");
        NUM(r->after);
    }
    P(", \"block_units\": %zu, \"text\": ", r->block_units);
    STR(regio_design_reason_text(&p->in, &q, r, text, sizeof text));
    P("}");
    return rc;
}

/* Whether a measure met its balance target, for the text report: only the
 * measures asked for are targets, and a target is met or it is not. */
static const char *balance_note(const regio_design_problem *p, const regio_design_report *r,
                                size_t c)
{
    size_t i;
    for (i = 0; i < p->params.n_balance; i++)
        if ((size_t)p->params.balance_cols[i] == c)
            break;
    if (i == p->params.n_balance)
        return "";
    double tol = regio_design_tolerance_of(&p->params, i);
    if (tol <= 0)
        return ""; /* held through the index only */
    return r->balance[c] <= tol + 1e-12 ? "  (target met)" : "  (target MISSED)";
}

/* The balanced measures above their own tolerance, the furthest above
 * (relative to its tolerance) first: the measures that block. Fills
 * idx (positions in balance_cols) and returns their number. */
static size_t blocking(const regio_design_problem *p, const regio_design_report *r, size_t *idx)
{
    size_t nm = 0;
    for (size_t i = 0; i < p->params.n_balance; i++) {
        double tol = regio_design_tolerance_of(&p->params, i);
        if (tol <= 0 || r->balance[p->params.balance_cols[i]] <= tol + 1e-12)
            continue;
        double ri = r->balance[p->params.balance_cols[i]] / tol;
        size_t q = nm++;
        while (q > 0) {
            size_t j = idx[q - 1];
            if (r->balance[p->params.balance_cols[j]] / regio_design_tolerance_of(&p->params, j) >= ri)
                break;
            idx[q] = j;
            q--;
        }
        idx[q] = i;
    }
    return nm;
}

static regio_err report_json(const regio_design_problem *p, const int *labels,
                             const regio_design_report *r, const regio_design_result *res,
                             regio_buf *b)
{
    regio_err rc = REGIO_OK;
    const regio_unitset *us = p->loaded.units;
    size_t m = p->in.m;
    P("{\n  \"units\": %zu,\n  \"k\": %d,\n  \"tolerance\": ", us->n, p->k);
    NUM(p->params.tolerance > 0 ? p->params.tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE);
    if (p->params.tolerances) {
        /* Each balanced measure's own tolerance (null: held through the
         * index only). */
        P(",\n  \"tolerances\": {");
        for (size_t i = 0; i < p->params.n_balance; i++) {
            P(i ? ", " : "");
            STR(us->measure_names[p->params.balance_cols[i]]);
            P(": ");
            double tol = regio_design_tolerance_of(&p->params, i);
            if (tol > 0)
                NUM(tol);
            else
                P("null");
        }
        P("}");
    }
    P(",\n  \"balanced_measures\": [");
    for (size_t i = 0; i < p->params.n_balance; i++) {
        P(i ? ", " : "");
        STR(us->measure_names[p->params.balance_cols[i]]);
    }
    P("],\n  \"balance\": {");
    for (size_t c = 0; c < m; c++) {
        P(c ? ", " : "");
        STR(us->measure_names[c]);
        P(": ");
        NUM(r->balance[c]);
    }
    P("},\n  \"blocking\": [");
    {
        size_t idx[64], nm = p->params.n_balance <= 64 ? blocking(p, r, idx) : 0;
        for (size_t q = 0; q < nm; q++) {
            P(q ? ", " : "");
            STR(us->measure_names[p->params.balance_cols[idx[q]]]);
        }
    }
    P("],\n  \"fairness\": {");
    for (size_t c = 0; c < m; c++) {
        P(c ? ", " : "");
        STR(us->measure_names[c]);
        P(": {\"cv\": ");
        NUM(r->cv[c]);
        P(", \"gini\": ");
        NUM(r->gini[c]);
        P(", \"within_5pct\": ");
        NUM(r->within5[c]);
        P(", \"within_15pct\": ");
        NUM(r->within15[c]);
        P("}");
    }
    P("},\n  \"travel_km\": ");
    NUM(r->travel_km);
    P(",\n  \"max_diameter\": ");
    NUM(r->max_diameter);
    P(",\n  \"non_contiguous\": %d,\n  \"empty\": %d,\n  \"islands_linked\": %zu,\n",
      r->n_noncontiguous, r->n_empty, p->loaded.islands.n_links);
    P("  \"island_links\": [");
    for (size_t i = 0; i < p->loaded.islands.n_links; i++) {
        P(i ? ", " : "");
        P("{\"a\": ");
        STR(p->loaded.islands.links[i].a);
        P(", \"b\": ");
        STR(p->loaded.islands.links[i].b);
        P(", \"distance\": ");
        NUM(p->loaded.islands.links[i].dist_km);
        P("}");
    }
    P("],\n");
    if (r->n_unaligned) {
        /* Units added after the model was made: in no territory. */
        P("  \"unaligned\": %zu,\n  \"unaligned_units\": [", r->n_unaligned);
        size_t shown = 0;
        for (size_t i = 0; i < us->n; i++)
            if (labels[i] < 0) {
                P(shown++ ? ", " : "");
                STR(us->units[i].id);
            }
        P("],\n");
    }
    if (r->has_baseline) {
        P("  \"disruption\": {\"units_moved\": %zu, \"units_share\": ", r->moved_units);
        NUM(r->moved_units_share);
        P(", \"weight_share\": ");
        NUM(r->moved_weight_share);
        P("},\n");
    }
    P("  \"territories\": [\n");
    for (int t = 0; t < p->k; t++) {
        const regio_design_territory *tt = &r->territories[t];
        P("    {\"territory\": ");
        STR(p->territory[t]);
        if (p->territory_rep) {
            P(", \"rep\": ");
            if (p->territory_rep[t])
                STR(p->territory_rep[t]);
            else
                P("null");
        }
        P(", \"units\": %zu, \"totals\": {", tt->n_units);
        for (size_t c = 0; c < m; c++) {
            P(c ? ", " : "");
            STR(us->measure_names[c]);
            P(": ");
            NUM(tt->totals[c]);
        }
        P("}, \"deviation\": {");
        for (size_t c = 0; c < m; c++) {
            P(c ? ", " : "");
            STR(us->measure_names[c]);
            P(": ");
            NUM(tt->dev[c]);
        }
        P("}, \"travel_km\": ");
        NUM(tt->travel_km);
        P(", \"diameter\": ");
        NUM(tt->diameter);
        P(", \"contiguous\": %s, \"components\": %d, \"centre\": ",
          tt->contiguous ? "true" : "false", tt->n_components);
        if (tt->centre >= 0)
            STR(us->units[tt->centre].id);
        else
            P("null");
        P("}%s\n", t + 1 < p->k ? "," : "");
    }
    P("  ]");
    if (r->has_baseline && p->params.baseline) {
        P(",\n  \"moved\": [");
        size_t shown = 0;
        for (size_t i = 0; i < us->n; i++) {
            if (labels[i] == p->params.baseline[i])
                continue;
            P(shown++ ? ",\n    " : "\n    ");
            P("{\"unit\": ");
            STR(us->units[i].id);
            P(", \"from\": ");
            STR(p->territory[p->params.baseline[i]]);
            P(", \"to\": ");
            STR(p->territory[labels[i]]);
            P(", \"measures\": {");
            for (size_t c = 0; c < m; c++) {
                P(c ? ", " : "");
                STR(us->measure_names[c]);
                P(": ");
                NUM(p->measures_[i * m + c]);
            }
            P("}");
            const regio_design_reason *why = reason_of(res, i);
            if (why) {
                P(", \"reason\": ");
                if (!rc)
                    rc = regio_design_reason_json(p, why, b);
            }
            P("}");
        }
        P("]");
    } else if (res && res->n_reasons) {
        /* A design: the units away from the territory of their nearest
         * centre, and why. */
        P(",\n  \"off_nearest\": [");
        for (size_t q = 0; q < res->n_reasons; q++) {
            const regio_design_reason *why = &res->reasons[q];
            P(q ? ",\n    " : "\n    ");
            P("{\"unit\": ");
            STR(us->units[why->unit].id);
            P(", \"nearest\": ");
            STR(p->territory[why->from]);
            P(", \"territory\": ");
            STR(p->territory[why->to]);
            P(", \"reason\": ");
            if (!rc)
                rc = regio_design_reason_json(p, why, b);
            P("}");
        }
        P("]");
    }
    if (res) {
        P(",\n  \"diagnostics\": [");
        for (size_t i = 0; i < res->n_diagnostics; i++) {
            P(i ? ",\n    " : "\n    ");
            STR(res->diagnostics[i]);
        }
        P("],\n  \"seconds\": ");
        NUM(res->seconds);
        P(",\n  \"starts\": %d,\n  \"stopped_by_time\": %s", res->starts_done,
          res->stopped_by_time ? "true" : "false");
    }
    P(",\n  \"notes\": [");
    for (size_t i = 0; i < p->n_notes; i++) {
        P(i ? ", " : "");
        STR(p->notes[i]);
    }
    P("]\n}\n");
    (void)is_balanced;
    return rc;
}

static regio_err report_csv(const regio_design_problem *p, const regio_design_report *r,
                            regio_buf *b)
{
    regio_err rc = REGIO_OK;
    const regio_unitset *us = p->loaded.units;
    size_t m = p->in.m;
    P("territory%s,units", p->territory_rep ? ",rep" : "");
    for (size_t c = 0; c < m; c++)
        P(",%s,%s_dev", us->measure_names[c], us->measure_names[c]);
    P(",travel_km,diameter,contiguous,components\n");
    for (int t = 0; t < p->k; t++) {
        const regio_design_territory *tt = &r->territories[t];
        if (!rc)
            rc = regio_buf_csv_field(b, p->territory[t], ',');
        if (p->territory_rep) {
            P(",");
            if (!rc && p->territory_rep[t])
                rc = regio_buf_csv_field(b, p->territory_rep[t], ',');
        }
        P(",%zu", tt->n_units);
        for (size_t c = 0; c < m; c++) {
            P(",");
            NUM(tt->totals[c]);
            P(",");
            NUM(tt->dev[c]);
        }
        P(",");
        NUM(tt->travel_km);
        P(",");
        NUM(tt->diameter);
        P(",%d,%d\n", tt->contiguous, tt->n_components);
    }
    return rc;
}

static regio_err report_text(const regio_design_problem *p, const int *labels,
                             const regio_design_report *r, const regio_design_result *res,
                             regio_buf *b)
{
    regio_err rc = REGIO_OK;
    const regio_unitset *us = p->loaded.units;
    size_t m = p->in.m;
    char nu[32], km[64];
    P("%s units in %d territories (tolerance %.1f%%",
      regio_format_number((double)us->n, 0, nu, sizeof nu), p->k,
      100 * (p->params.tolerance > 0 ? p->params.tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE));
    if (p->params.tolerances)
        for (size_t i = 0; i < p->params.n_balance; i++)
            if (p->params.tolerances[i] > 0)
                P(", %s %.1f%%", us->measure_names[p->params.balance_cols[i]],
                  100 * p->params.tolerances[i]);
    P(")\n");
    for (size_t c = 0; c < m; c++)
        P("  %-16s balance %7.3f%%  cv %.4f  gini %.4f  within 5%% %5.1f%%  within 15%% %5.1f%%%s\n",
          us->measure_names[c], 100 * r->balance[c], r->cv[c], r->gini[c], 100 * r->within5[c],
          100 * r->within15[c], balance_note(p, r, c));
    if (p->params.n_balance > 1 && p->params.n_balance <= 64) {
        size_t idx[64], nm = blocking(p, r, idx);
        for (size_t q = 0; q < nm; q++) {
            size_t i = idx[q];
            P(q ? ", %s (%.2f%% against %.2f%%)" : "  blocking: %s (%.2f%% against its %.2f%% tolerance)",
              us->measure_names[p->params.balance_cols[i]], 100 * r->balance[p->params.balance_cols[i]],
              100 * regio_design_tolerance_of(&p->params, i));
        }
        if (nm)
            P("\n");
    }
    P("  travel %s, non-contiguous territories %d, empty %d, island links %zu\n",
      regio_format_unit(r->travel_km, 3, us->planar ? "units" : "km", km, sizeof km),
      r->n_noncontiguous, r->n_empty, p->loaded.islands.n_links);
    if (r->has_baseline)
        P("  disruption: %s units moved (%.2f%% of units, %.2f%% of weight)\n",
          regio_format_number((double)r->moved_units, 0, nu, sizeof nu),
          100 * r->moved_units_share, 100 * r->moved_weight_share);
    if (r->n_unaligned) {
        P("  unaligned: %s units in no territory (added after the model was made; the next "
          "realign assigns them):",
          regio_format_number((double)r->n_unaligned, 0, nu, sizeof nu));
        size_t shown = 0;
        for (size_t i = 0; i < us->n && shown < 10; i++)
            if (labels[i] < 0)
                P("%s %s", shown++ ? "," : "", us->units[i].id);
        if (r->n_unaligned > shown)
            P(" ... %zu more (--format json lists all)", r->n_unaligned - shown);
        P("\n");
    }
    /* Numbers as people read them: thousands separators, money in k/M/B,
     * a unit on every column. */
    /* The rep column, when reps are known, as wide as the longest id (at
     * most 20 characters; "-" for a vacant territory). */
    int rep_w = 0;
    for (int t = 0; p->territory_rep && t < p->k; t++) {
        int len = p->territory_rep[t] ? (int)strlen(p->territory_rep[t]) : 1;
        rep_w = len > rep_w ? len : rep_w;
    }
    rep_w = p->territory_rep ? (rep_w < 3 ? 3 : rep_w > 20 ? 20 : rep_w) : 0;
    P("\n%-12s", "territory");
    if (rep_w)
        P(" %-*s", rep_w, "rep");
    P(" %6s", "units");
    for (size_t c = 0; c < m; c++)
        P(" %14.14s %8s", us->measure_names[c], "dev %");
    P(" %10s %s\n", us->planar ? "travel" : "travel km", "contiguous");
    for (int t = 0; t < p->k; t++) {
        const regio_design_territory *tt = &r->territories[t];
        char num[64];
        P("%-12.12s", p->territory[t]);
        if (rep_w)
            P(" %-*.*s", rep_w, rep_w, p->territory_rep[t] ? p->territory_rep[t] : "-");
        P(" %6s", regio_format_number((double)tt->n_units, 0, num, sizeof num));
        for (size_t c = 0; c < m; c++) {
            regio_format_measure(us->measure_names[c], tt->totals[c], num, sizeof num);
            P(" %14s %+8.2f", num, 100 * tt->dev[c]);
        }
        P(" %10s %s\n", regio_format_number(tt->travel_km, 2, num, sizeof num),
          tt->contiguous ? "yes" : "NO");
    }
    if (res && res->n_reasons) {
        /* Why each moved unit moved (a realign), or why each unit is not
         * in the territory of its nearest centre (a design). */
        regio_design_params q = p->params;
        q.territory_names = (const char *const *)p->territory;
        int moved = r->has_baseline && p->params.baseline;
        P("\n%s (%zu):\n", moved ? "why units moved" : "units not in the territory of their nearest centre",
          res->n_reasons);
        P("%-12s %-12s %-12s %s\n", "unit", moved ? "from" : "nearest", moved ? "to" : "territory",
          "reason");
        for (size_t k = 0; k < res->n_reasons; k++) {
            const regio_design_reason *why = &res->reasons[k];
            char text[400];
            P("%-12.12s %-12.12s %-12.12s %s\n", us->units[why->unit].id, p->territory[why->from],
              p->territory[why->to], regio_design_reason_text(&p->in, &q, why, text, sizeof text));
        }
    }
    if (res)
        for (size_t i = 0; i < res->n_diagnostics; i++)
            P("note: %s\n", res->diagnostics[i]);
    for (size_t i = 0; i < p->n_notes; i++)
        P("note: %s\n", p->notes[i]);
    return rc;
}

regio_err regio_design_write_report(const regio_design_problem *p, const int *labels,
                                    const regio_design_report *r,
                                    const regio_design_result *res, regio_report_format fmt,
                                    FILE *out, regio_error *err)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = fmt == REGIO_REPORT_JSON  ? report_json(p, labels, r, res, &b)
                   : fmt == REGIO_REPORT_CSV ? report_csv(p, r, &b)
                                             : report_text(p, labels, r, res, &b);
    if (!rc && b.len && fwrite(b.data, 1, b.len, out) != b.len)
        rc = fail(err, REGIO_EIO, NULL, 0, "cannot write the report");
    regio_buf_free(&b);
    return rc;
}

/* ---- proposals ----------------------------------------------------------- */

static regio_err proposals_json(const regio_design_problem *p, const regio_design_proposals *props,
                                const char *const *names, regio_buf *b)
{
    regio_err rc = REGIO_OK;
    const regio_unitset *us = p->loaded.units;
    P("{\n  \"front\": \"%s vs balance\",\n  \"runs\": %d,\n  \"seconds\": ",
      props->realign ? "disruption" : "travel", props->runs);
    NUM(props->seconds);
    P(",\n  \"proposals\": [");
    for (size_t j = 0; j < props->n; j++) {
        const regio_design_proposal *x = &props->items[j];
        const regio_design_report *r = &x->result.report;
        P(j ? ",\n    " : "\n    ");
        P("{\"proposal\": %zu, \"name\": ", j + 1);
        if (names && names[j])
            STR(names[j]);
        else
            P("null");
        P(", \"status\": \"%s\", \"balance\": ", x->status == REGIO_OK ? "ok" : "best effort");
        NUM(x->balance);
        P(", \"balance_by_measure\": {");
        for (size_t i = 0; i < p->params.n_balance; i++) {
            P(i ? ", " : "");
            STR(us->measure_names[p->params.balance_cols[i]]);
            P(": ");
            NUM(r->balance[p->params.balance_cols[i]]);
        }
        P("}, \"travel_km\": ");
        NUM(r->travel_km);
        P(", \"non_contiguous\": %d, \"moved_units\": %zu, \"moved_share\": ",
          r->n_noncontiguous, r->moved_units);
        NUM(r->moved_units_share);
        P(", \"tolerance\": ");
        double base = p->params.tolerance > 0 ? p->params.tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE;
        NUM(fmin(base * x->tolerance_factor, 0.95));
        size_t kinds[REGIO_REASON_TRAVEL + 1] = {0};
        for (size_t q = 0; q < x->result.n_reasons; q++)
            kinds[x->result.reasons[q].kind]++;
        P(", \"reasons\": {");
        for (int kd = REGIO_REASON_NONE; kd <= REGIO_REASON_TRAVEL; kd++) {
            P(kd ? ", " : "");
            STR(regio_design_reason_kind_name((regio_reason_kind)kd));
            P(": %zu", kinds[kd]);
        }
        P("}, \"report\": ");
        if (!rc)
            rc = report_json(p, x->result.labels, r, &x->result, b);
        /* report_json ends its object with a newline */
        if (!rc && b->len && b->data[b->len - 1] == '\n')
            b->data[--b->len] = 0;
        P("}");
    }
    P("\n  ]\n}\n");
    return rc;
}

static regio_err proposals_text(const regio_design_problem *p, const regio_design_proposals *props,
                                const char *const *names, regio_buf *b)
{
    regio_err rc = REGIO_OK;
    const regio_unitset *us = p->loaded.units;
    const char *unit = us->planar ? "units" : "km";
    int name_w = 8;
    for (size_t j = 0; names && j < props->n; j++)
        if (names[j] && (int)strlen(names[j]) > name_w)
            name_w = strlen(names[j]) > 40 ? 40 : (int)strlen(names[j]);
    P("%zu proposal%s on the front of %s vs balance (%d runs, %.1f s)\n", props->n,
      props->n == 1 ? "" : "s", props->realign ? "disruption" : "travel", props->runs,
      props->seconds);
    P("%-3s %-*s", "#", name_w, "saved as");
    for (size_t i = 0; i < p->params.n_balance; i++) {
        char h[48];
        snprintf(h, sizeof h, "%.20s %%", us->measure_names[p->params.balance_cols[i]]);
        P(" %12s", h);
    }
    P(" %9s%-3s", "travel ", unit);
    if (props->realign)
        P(" %11s %8s", "moved units", "moved %");
    P(" %14s %11s %s\n", "non-contiguous", "tolerance %", "result");
    for (size_t j = 0; j < props->n; j++) {
        const regio_design_proposal *x = &props->items[j];
        const regio_design_report *r = &x->result.report;
        char num[64];
        P("%-3zu %-*.*s", j + 1, name_w, name_w, names && names[j] ? names[j] : "-");
        for (size_t i = 0; i < p->params.n_balance; i++)
            P(" %12.2f", 100 * r->balance[p->params.balance_cols[i]]);
        P(" %12s", regio_format_number(r->travel_km, 1, num, sizeof num));
        if (props->realign)
            P(" %11s %8.2f", regio_format_number((double)r->moved_units, 0, num, sizeof num),
              100 * r->moved_units_share);
        double base = p->params.tolerance > 0 ? p->params.tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE;
        P(" %14d %11.2f %s\n", r->n_noncontiguous, 100 * fmin(base * x->tolerance_factor, 0.95),
          x->status == REGIO_OK ? "met" : "best effort");
    }
    return rc;
}

regio_err regio_design_write_proposals(const regio_design_problem *p,
                                       const regio_design_proposals *props,
                                       const char *const *names, regio_report_format fmt,
                                       FILE *out, regio_error *err)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = fmt == REGIO_REPORT_JSON ? proposals_json(p, props, names, &b)
                                            : proposals_text(p, props, names, &b);
    if (!rc && b.len && fwrite(b.data, 1, b.len, out) != b.len)
        rc = fail(err, REGIO_EIO, NULL, 0, "cannot write the proposals");
    regio_buf_free(&b);
    return rc;
}
