/*
 * Field descriptors of the account and rep records: which canonical field
 * lives at which offset, and of which kind. One table per record type drives
 * both the importer (row -> record) and the exporters (record -> CSV and
 * GeoJSON), so the two can never disagree about a column.
 */
#ifndef REGIO_IO_RECORD_DESC_H
#define REGIO_IO_RECORD_DESC_H

#include "regio/fields.h"
#include "regio/model.h"

#include <stddef.h>

typedef enum regio__fkind {
    REGIO__FK_STR,      /* char * */
    REGIO__FK_NUM,      /* double, any finite value (NAN = unknown) */
    REGIO__FK_MEASURE,  /* double, finite and >= 0 */
    REGIO__FK_HHMM,     /* char * holding a validated time of day */
    REGIO__FK_GEO       /* regio_geo_source (export only: "input", "postal", "city") */
} regio__fkind;

typedef struct regio__field_desc {
    regio_field field;  /* canonical field (REGIO_F_NONE for geo_source) */
    const char *name;   /* export column / property name */
    regio__fkind kind;
    size_t offset;      /* of the member inside the record */
} regio__field_desc;

typedef struct regio__record_desc {
    const regio__field_desc *fields; /* in export column order */
    size_t n_fields;
    size_t lat_off, lon_off, geo_off, attrs_off, n_attrs_off;
} regio__record_desc;

extern const regio__record_desc regio__account_desc;
extern const regio__record_desc regio__rep_desc;

/* Descriptor of a canonical field in a record type, or NULL. */
const regio__field_desc *regio__record_field(const regio__record_desc *d, regio_field f);

/* Typed access to a member at an offset. */
static inline char **regio__rec_str(void *rec, size_t off)
{
    return (char **)((char *)rec + off);
}
static inline double *regio__rec_num(void *rec, size_t off)
{
    return (double *)((char *)rec + off);
}
static inline regio_attr **regio__rec_attrs(void *rec, const regio__record_desc *d)
{
    return (regio_attr **)((char *)rec + d->attrs_off);
}
static inline size_t *regio__rec_n_attrs(void *rec, const regio__record_desc *d)
{
    return (size_t *)((char *)rec + d->n_attrs_off);
}
static inline regio_geo_source *regio__rec_geo(void *rec, const regio__record_desc *d)
{
    return (regio_geo_source *)((char *)rec + d->geo_off);
}

#endif
