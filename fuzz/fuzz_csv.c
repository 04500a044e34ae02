/*
 * libFuzzer target for the CSV reader and header mapping: reads every
 * record of the input, maps the first record as a header row for each
 * entity and runs the value parsers on every field. Options (separator,
 * small caps) come from the first input byte so the caps get exercised.
 */
#include "regio/csv.h"
#include "regio/fields.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    regio_csv_opts o;
    memset(&o, 0, sizeof o);
    if (size > 0 && data[0] == '#') {
        /* "#<sep>" inputs pick a separator and tight caps. */
        if (size > 1 && data[1] != '"' && data[1] != '\r' && data[1] != '\n')
            o.sep = (char)data[1];
        o.max_field_bytes = 64;
        o.max_fields = 16;
        o.max_record_bytes = 512;
    }
    regio_csv *c = NULL;
    regio_error e;
    if (regio_csv_open_mem((const char *)data, size, "fuzz.csv", &o, &c, &e))
        return 0;
    int has = 0, first = 1;
    long prev_line = 0;
    while (regio_csv_next(c, &has, &e) == REGIO_OK && has) {
        size_t n = regio_csv_nfields(c);
        long line = regio_csv_line(c);
        /* Records start on strictly increasing lines. */
        if (line <= prev_line)
            __builtin_trap();
        prev_line = line;
        for (size_t i = 0; i < n; i++) {
            const char *f = regio_csv_field(c, i);
            if (!f || f[regio_csv_field_len(c, i)] != '\0')
                __builtin_trap();
            double v;
            int m;
            regio_parse_number(f, &v);
            regio_parse_hhmm(f, &m);
        }
        if (regio_csv_field(c, n) != NULL)
            __builtin_trap();
        if (first) {
            first = 0;
            static const char *const ov[] = {"id=id", "x=attr:X", "y=-"};
            for (int ent = REGIO_ENTITY_ACCOUNT; ent <= REGIO_ENTITY_UNIT; ent++) {
                regio_header_map *m = NULL;
                if (regio_header_map_build((regio_entity)ent, regio_csv_fields(c), n,
                                           NULL, 0, &m, &e) == REGIO_OK) {
                    for (size_t i = 0; i < n; i++) {
                        regio_field f = regio_header_map_field(m, i);
                        if (f >= 0 && regio_header_map_column_of(m, f) != (long)i)
                            __builtin_trap();
                        if ((f == REGIO_F_NONE) != (regio_header_map_attr_name(m, i) != NULL))
                            __builtin_trap();
                    }
                }
                regio_header_map_destroy(m);
                m = NULL;
                regio_header_map_build((regio_entity)ent, regio_csv_fields(c), n, ov, 3,
                                       &m, &e);
                regio_header_map_destroy(m);
            }
        }
    }
    regio_csv_close(c);
    return 0;
}
