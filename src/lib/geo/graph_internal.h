/*
 * The graph primitives every engine shares, private to libregio: the one
 * edge-list to CSR builder (geo/graph.c) and the one island linker
 * (geo/islands.c, METRICS.md island links). regio_graph_build,
 * regio_adjacency_link_islands and the design engine's
 * regio_design_csr_from_edges and regio_design_island_links all go
 * through them.
 */
#ifndef REGIO_GEO_GRAPH_INTERNAL_H
#define REGIO_GEO_GRAPH_INTERNAL_H

#include "regio/geo.h"

#include <stddef.h>

/*
 * CSR graph over vertices 0..n-1 of the m undirected edges (a[k], b[k])
 * (both < n): both directions, rows ascending, self loops dropped,
 * duplicates kept once with g->edge the smallest k. g->weight is allocated
 * and left for the caller to fill. REGIO_ENOMEM only; the caller owns
 * *out (regio_graph_destroy).
 */
regio_err regio__graph_from_pairs(size_t n, const size_t *a, const size_t *b,
                                  size_t m, regio_graph **out);

/* One island: a connected component other than the mainland. */
typedef struct regio__island {
    size_t size;  /* its units */
    size_t first; /* its smallest position */
    size_t a, b;  /* the link: its unit and the mainland unit nearest to
                     each other; (size_t)-1 when none of its units has a
                     point */
} regio__island;

/*
 * The island links of g (METRICS.md): the mainland is the largest
 * component (the first on ties; components numbered as by
 * regio_graph_components) and every other component gets the pair of its
 * unit and a mainland unit whose points are nearest (pts: one 3-vector per
 * vertex, unit vectors for great-circle distance or (x, y, 0) in the
 * plane; NaN = no point). Ties go to the smallest (island, mainland)
 * positions. Method: a k-d tree over the mainland, one nearest-neighbour
 * query per island unit, O(n log n). Fills *n_comp and *mainland_size and,
 * with more than one component, *out with the n_comp - 1 islands in
 * component order (caller frees with regio_free; NULL otherwise).
 * REGIO_EDATA when no mainland unit has a point, REGIO_ENOMEM.
 */
regio_err regio__islands_find(const regio_graph *g, const double (*pts)[3],
                              size_t *n_comp, size_t *mainland_size,
                              regio__island **out);

#endif
