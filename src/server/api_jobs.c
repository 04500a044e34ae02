/* Design and realign jobs (in progress). */
#include "server/handlers.h"

#define TODO(name) SRV_HANDLER(name) { (void)app; (void)rq; srv_reply_error(rs, 501, "not_implemented", "not yet"); }
TODO(api_job_create)
TODO(api_jobs_list)
TODO(api_job_get)
TODO(api_job_cancel)
