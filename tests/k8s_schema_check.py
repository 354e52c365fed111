#!/usr/bin/env python3
"""Validate Kubernetes manifests against the standalone-strict JSON Schemas in
shared/k8s-schemas (see its README). Used by tests/test_kubernetes.c.

Usage: k8s_schema_check.py SCHEMA_DIR MANIFESTS.json
MANIFESTS.json is a JSON array of objects. Prints one line per object and
exits 1 when any object is invalid or has no schema.

The schemas have no Pod: a Pod (destroy --purge's one-off pod) is validated
as the pod template of a Deployment, whose schema holds the full PodSpec and
ObjectMeta; its own kind and apiVersion are checked here."""
import json
import os
import sys

import jsonschema

FILES = {
    ("v1", "Namespace"): "namespace-v1.json",
    ("v1", "Secret"): "secret-v1.json",
    ("v1", "Service"): "service-v1.json",
    ("v1", "PersistentVolumeClaim"): "persistentvolumeclaim-v1.json",
    ("v1", "ConfigMap"): "configmap-v1.json",
    ("apps/v1", "Deployment"): "deployment-apps-v1.json",
}


def main():
    schema_dir, path = sys.argv[1], sys.argv[2]
    if not os.path.isdir(schema_dir):
        print(f"k8s_schema_check: the schema directory {schema_dir} is missing "
              "(CI clones shared/ beside the repository)")
        return 1
    objs = json.load(open(path))
    bad = 0
    cache = {}
    for o in objs:
        if (o.get("apiVersion"), o.get("kind")) == ("v1", "Pod"):
            md = o.get("metadata", {})
            o = {"apiVersion": "apps/v1", "kind": "Deployment",
                 "metadata": {"name": md.get("name"), "namespace": md.get("namespace")},
                 "spec": {"selector": {"matchLabels": md.get("labels", {})},
                          "template": {"metadata": md, "spec": o.get("spec")}}}
        key = (o.get("apiVersion"), o.get("kind"))
        name = f"{key[1]}/{o.get('metadata', {}).get('name')}"
        f = FILES.get(key)
        if not f:
            print(f"FAIL {name}: no schema for {key}")
            bad += 1
            continue
        if f not in cache:
            cache[f] = json.load(open(os.path.join(schema_dir, f)))
        try:
            jsonschema.validate(o, cache[f])
            print(f"ok   {name} ({f})")
        except jsonschema.ValidationError as e:
            print(f"FAIL {name} ({f}): {e.message} at {list(e.absolute_path)}")
            bad += 1
    print(f"{len(objs)} objects, {bad} invalid")
    return 1 if bad or not objs else 0


if __name__ == "__main__":
    sys.exit(main())
