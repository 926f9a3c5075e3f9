#!/bin/sh
# Starts one web container with its weblogs folder bind-mounted from the host (the fleet's layout):
#   run-web-container.sh NAME IMAGE
# Host: /data/containers/NAME/weblogs/<site>/access_log.YYYYMMDDHH, written by logsplit inside the container,
# shipped by logdump on the host (the logsplit package's /etc/logdump.toml roots match this layout).
set -eu
name=${1:?usage: run-web-container.sh NAME IMAGE}
image=${2:?usage: run-web-container.sh NAME IMAGE}
mkdir -p "/data/containers/$name/weblogs"
exec docker run -d --name "$name" --restart unless-stopped \
  -v "/data/containers/$name/weblogs:/data/weblogs" \
  "$image"
