#!/usr/bin/env bash
# A throw-away MIT Kerberos KDC for the Kerberos tests: realm LAB.TEST on 127.0.0.1 (a free port), its
# database, configuration, logs and keytabs all in DIR, gone after `stop`. Nothing global is changed: the
# clients of this run find it through KRB5_CONFIG / KRB5_KDC_PROFILE pointing into DIR.
#
#   bash scripts/start-kdc.sh start DIR [HOST ...]   # prints KEY=VALUE lines (shell-sourceable) as its last lines
#   bash scripts/start-kdc.sh add-service DIR HOST    # one more HTTP/<host> principal, added to DIR/http.keytab
#   bash scripts/start-kdc.sh stop DIR
#
# Principals: operator@LAB.TEST (password from AVMA_KDC_OPERATOR_PASSWORD, never stored or on a command line) and
# HTTP/<host>@LAB.TEST for every HOST (lower case, as clients ask for them), keys in DIR/http.keytab.
# Host names map to 127.0.0.1 in the tests' own way (the client connects to an address and names the SPN).
# Installs Debian's krb5-kdc, krb5-admin-server (kadmin.local), krb5-user and faketime when missing.
set -euo pipefail

command=${1:?usage: start-kdc.sh start|add-service|stop DIR [HOST ...]}
dir=${2:?usage: start-kdc.sh start|add-service|stop DIR [HOST ...]}
shift 2
realm=LAB.TEST

install_kdc() {
  local sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "start-kdc: installing Debian's krb5-kdc krb5-admin-server krb5-user faketime" >&2
  export DEBIAN_FRONTEND=noninteractive
  local packages=(krb5-kdc krb5-admin-server krb5-user faketime)
  if ! $sudo_cmd apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2; then
    $sudo_cmd apt-get update -qq >&2
    $sudo_cmd apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
  fi
}

have_kdc() {
  command -v krb5kdc >/dev/null && command -v kdb5_util >/dev/null && command -v kadmin.local >/dev/null \
    && command -v kinit >/dev/null && command -v faketime >/dev/null
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

env_for() {
  export KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf"
}

add_service() {
  local host principal
  host=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
  principal="HTTP/$host@$realm"
  kadmin.local -q "addprinc -randkey $principal" >>"$dir/kadmin.log" 2>&1
  kadmin.local -q "ktadd -k $dir/http.keytab $principal" >>"$dir/kadmin.log" 2>&1
}

case "$command" in
  start)
    sbin_path="/usr/sbin:/sbin"
    export PATH="$PATH:$sbin_path"
    have_kdc || install_kdc
    have_kdc || { echo "start-kdc: krb5kdc, kdb5_util, kadmin.local, kinit or faketime missing after installing" >&2; exit 1; }
    mkdir -p "$dir"
    chmod 700 "$dir"
    port=$(free_port)
    cat >"$dir/krb5.conf" <<EOF
[libdefaults]
    default_realm = $realm
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    clockskew = 300
    default_ccache_name = FILE:$dir/ccache-default

[realms]
    $realm = {
        kdc = 127.0.0.1:$port
    }
    # A realm whose KDC does not exist (nothing listens on port 9): "KDC unreachable" in the tests.
    UNREACHABLE.TEST = {
        kdc = 127.0.0.1:9
    }

[domain_realm]
    .lab.test = $realm
    lab.test = $realm
EOF
    cat >"$dir/kdc.conf" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $realm = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        acl_file = $dir/kadm5.acl
        kdc_listen = 127.0.0.1:$port
        kdc_tcp_listen = 127.0.0.1:$port
        max_life = 10h
        max_renewable_life = 1d
    }

[logging]
    kdc = FILE:$dir/kdc.log
    admin_server = FILE:$dir/kadmin.log
    default = FILE:$dir/krb5lib.log
EOF
    : >"$dir/kadm5.acl"
    env_for
    kdb5_util create -s -r "$realm" -P "$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')" \
      >"$dir/kdb5_util.log" 2>&1 || { cat "$dir/kdb5_util.log" >&2; exit 1; }
    # The operator's password travels only on kadmin's stdin: AVMA_KDC_OPERATOR_PASSWORD if set, else a random
    # one that nobody keeps (the tests set their own with kadmin.local cpw, also through stdin).
    password=${AVMA_KDC_OPERATOR_PASSWORD:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')}
    printf '%s\n%s\n' "$password" "$password" | kadmin.local -q "addprinc operator@$realm" >>"$dir/kadmin.log" 2>&1
    unset password
    for host in "$@"; do add_service "$host"; done
    krb5kdc -P "$dir/kdc.pid" || { cat "$dir/kdc.log" >&2 2>/dev/null; exit 1; }
    for _ in $(seq 1 100); do
      python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null && break
      sleep 0.1
    done
    echo "KRB5_CONFIG=$dir/krb5.conf"
    echo "KRB5_KDC_PROFILE=$dir/kdc.conf"
    echo "AVMA_TEST_KDC_DIR=$dir"
    echo "AVMA_TEST_KDC_PORT=$port"
    ;;
  add-service)
    export PATH="$PATH:/usr/sbin:/sbin"
    env_for
    for host in "$@"; do add_service "$host"; done
    ;;
  stop)
    if [ -f "$dir/kdc.pid" ]; then
      kill "$(cat "$dir/kdc.pid")" 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: start-kdc.sh start|add-service|stop DIR [HOST ...]" >&2
    exit 2
    ;;
esac
