# This file is a part of the jldepot project. License is MIT.
#
# lib/nginx.sh: Debian's nginx for the serving scenarios and benchmarks
# (sourced, not run).
#
# nginx_start DIR ROOT [HTTP_LINES] [SERVER_LINES]: serve ROOT on a free
# loopback port, everything nginx writes under DIR; sets NGINX_PORT and
# NGINX_PID and returns once it answers.  The caller kills NGINX_PID.
nginx_start() {
    local dir=$1 root=$2 http=${3:-} server=${4:-} nginx
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$dir/logs" "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 64; }
http {
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$http
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $root;
$server
    }
}
CONF
    "$nginx" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' 2>"$dir/logs/stderr" &
    NGINX_PID=$!
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && return 0
        sleep 0.1
    done
    return 1
}
