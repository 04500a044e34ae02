/*
 * The graph primitives every engine shares, private to libregio: the one
 * edge-list to CSR builder (geo/graph.c), behind regio_graph_build and the
 * design engine's regio_design_csr_from_edges.
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

#endif
