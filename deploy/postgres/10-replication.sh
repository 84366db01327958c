#!/bin/sh
# docker-compose.yml: run by the postgres image on the primary's first start. Lets the
# `postgres-replica` service stream from it (password-authenticated, from the compose network).
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
