/*
 * libregio: the whole public surface of Regio's library. Include this one
 * header; it pulls in one header per concern.
 */
#ifndef REGIO_REGIO_H
#define REGIO_REGIO_H

#include "regio/core.h"
#include "regio/buf.h"
#include "regio/strmap.h"
#include "regio/format.h"
#include "regio/model.h"
#include "regio/csv.h"
#include "regio/fields.h"
#include "regio/geo.h"
#include "regio/geocode.h"
#include "regio/store.h"
#include "regio/import.h"
#include "regio/export.h"
#include "regio/output.h"
#include "regio/salesforce.h"
#include "regio/design.h"
#include "regio/design_io.h"
#include "regio/design_opts.h"
#include "regio/dist.h"
#include "regio/tsp.h"
#include "regio/vrp.h"
#include "regio/route_io.h"
#include "regio/assign.h"
#include "regio/plan.h"
#include "regio/model_view.h"
#include "regio/org.h"
#include "regio/access.h"
#include "regio/auth.h"
#include "regio/challenge.h"
#include "regio/rules.h"
#include "regio/rule_store.h"
#include "regio/jobs.h"
#include "regio/design_job.h"
#include "regio/worker.h"
#include "regio/perf.h"
#include "regio/backup.h"

#endif
