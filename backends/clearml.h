/* What every backend installs: the ClearML Server release and its
 * companions (the versions the guides' compose files and deployments name),
 * and the fixed users of the API server. */
#ifndef LANDFALL_CLEARML_H
#define LANDFALL_CLEARML_H

#include <stdbool.h>

#define CLEARML_IMAGE           "allegroai/clearml"
#define CLEARML_VERSION         "2.0.0"
#define CLEARML_ELASTIC_VERSION "8.17.0"
#define CLEARML_MONGO_VERSION   "6.0.19"
#define CLEARML_REDIS_VERSION   "7.4.1"

/* One fixed user of the API server (apiserver.conf). */
struct server_user {
	const char *username;
	const char *name;
	const char *password; /* resolved secret; NULL when not resolved */
	bool admin;
};

#endif
