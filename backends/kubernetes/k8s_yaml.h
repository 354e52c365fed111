/* YAML to JSON for the Kubernetes backend. Kubeconfig files and manifests
 * are YAML; the API server speaks JSON. libyaml parses, jansson holds the
 * result, so the rest of the backend reads one kind of tree. */
#ifndef LANDFALL_K8S_YAML_H
#define LANDFALL_K8S_YAML_H

#include <jansson.h>
#include <stddef.h>

enum k8s_yaml_flags {
	/* Every scalar becomes a JSON string, whatever it looks like. The
	 * kubeconfig reader uses this: its fields are strings (a server of
	 * `123` is the string "123"), and it reads booleans itself. Without
	 * the flag, plain scalars follow the YAML 1.2 core schema: null,
	 * true/false, integers and floats; quoted scalars stay strings. */
	K8S_YAML_STRINGS = 1u << 0,
};

/* Parse every document in text[0..len) into a JSON array, one element per
 * document (empty documents are skipped). Mapping keys must be scalars.
 * An alias shares the anchored value (the tree may hold one value at
 * several places); a document whose aliases would expand to more than a
 * million nodes is refused (a "billion laughs" file). Tags !!str, !!int,
 * !!float, !!bool and !!null are honoured. `name` (a file path, usually)
 * prefixes messages: "NAME:LINE:COLUMN: problem".
 * Returns a new reference, or NULL with *cause set. */
json_t *k8s_yaml_load(const char *text, size_t len, const char *name, unsigned flags, char **cause);

/* The same for a file; messages name the file. */
json_t *k8s_yaml_load_file(const char *path, unsigned flags, char **cause);

#endif
