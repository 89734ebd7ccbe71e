#!/bin/sh
# Creates the namespace llm-cascade runs in, or brings an existing one to the retention
# `cascade report --since 30d` needs (NAMESPACE_RETENTION, e.g. 744h = 31 days).
set -eu
if temporal operator namespace describe --namespace "${NAMESPACE}" >/dev/null 2>&1; then
  temporal operator namespace update --namespace "${NAMESPACE}" --retention "${NAMESPACE_RETENTION}"
else
  temporal operator namespace create --namespace "${NAMESPACE}" --retention "${NAMESPACE_RETENTION}"
fi
temporal operator namespace describe --namespace "${NAMESPACE}"
