/*
 * libFuzzer target for the OGR unit reader: the input is written to an
 * in-memory GDAL file named *.geojson, read with regio_units_read_ogr and,
 * when that succeeds, run through border adjacency, Delaunay and island
 * linking. GDAL's own messages are silenced.
 */
#include "fuzz_file.h"

#include "regio/geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    const char *path = "/vsimem/fuzz_geojson/input.geojson";
    if (fuzz_vsimem(path, data, size))
        return 0;
    regio_unitset *us = NULL;
    regio_units_report rep;
    regio_error err;
    if (regio_units_read_ogr(path, NULL, &us, &rep, &err) == REGIO_OK) {
        regio_adj_edge *edges = NULL;
        size_t n = 0;
        regio_err rc = us->has_polygons
                           ? regio_adjacency_from_polygons(us, &edges, &n, &err)
                           : regio_adjacency_delaunay(us, 0, &edges, &n, &err);
        if (rc == REGIO_OK) {
            regio_island_report ir;
            if (regio_adjacency_link_islands(us, &edges, &n, &ir, &err) ==
                REGIO_OK)
                regio_island_report_clear(&ir);
        }
        regio_adj_edges_free(edges, n);
        regio_unitset_destroy(us);
    }
    VSIUnlink(path);
    return 0;
}
