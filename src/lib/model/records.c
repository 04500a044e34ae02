/*
 * Construction and destruction of the plain model records (accounts, reps,
 * units, adjacency edges, alignment rows) declared in regio/model.h.
 */
#include "regio/model.h"

#include <math.h>
#include <string.h>

void regio_attrs_free(regio_attr *attrs, size_t n)
{
    if (!attrs)
        return;
    for (size_t i = 0; i < n; i++) {
        regio_free(attrs[i].key);
        regio_free(attrs[i].text);
    }
    regio_free(attrs);
}

double regio_attrs_num(const regio_attr *attrs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (attrs[i].key && !strcmp(attrs[i].key, key))
            return attrs[i].is_num ? attrs[i].num : NAN;
    return NAN;
}

void regio_account_init(regio_account *a)
{
    memset(a, 0, sizeof *a);
    a->lat = a->lon = NAN;
    a->annual_revenue = a->employees = a->potential = NAN;
}

void regio_account_clear(regio_account *a)
{
    if (!a)
        return;
    char *strs[] = {a->id,    a->name,     a->street, a->city,    a->region,
                    a->postal_code, a->country, a->owner, a->industry, a->type,
                    a->segment, a->unit_id};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        regio_free(strs[i]);
    regio_attrs_free(a->attrs, a->n_attrs);
    regio_account_init(a);
}

void regio_rep_init(regio_rep *r)
{
    memset(r, 0, sizeof *r);
    r->lat = r->lon = NAN;
    r->capacity = NAN;
}

void regio_rep_clear(regio_rep *r)
{
    if (!r)
        return;
    char *strs[] = {r->id,      r->name,    r->email,     r->city,
                    r->region,  r->postal_code, r->country, r->skills,
                    r->day_start, r->day_end, r->manager};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        regio_free(strs[i]);
    regio_attrs_free(r->attrs, r->n_attrs);
    regio_rep_init(r);
}

void regio_unit_init(regio_unit *u)
{
    memset(u, 0, sizeof *u);
    u->lat = u->lon = NAN;
    u->area_km2 = NAN;
}

void regio_unit_clear(regio_unit *u)
{
    if (!u)
        return;
    regio_free(u->id);
    regio_free(u->name);
    regio_free(u->wkb);
    regio_attrs_free(u->attrs, u->n_attrs);
    regio_unit_init(u);
}

void regio_adj_edge_clear(regio_adj_edge *e)
{
    if (!e)
        return;
    regio_free(e->a);
    regio_free(e->b);
    memset(e, 0, sizeof *e);
    e->shared_km = NAN;
}

void regio_alignment_row_clear(regio_alignment_row *r)
{
    if (!r)
        return;
    regio_free(r->unit_id);
    regio_free(r->account_id);
    regio_free(r->territory);
    regio_free(r->effective_from);
    memset(r, 0, sizeof *r);
}
