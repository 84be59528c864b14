#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# install-deps.sh PKG...: install the Debian packages that are missing
# (apt-get, as root or through sudo).  Quiet and quick when nothing is missing.
set -eu
missing=()
for p in "$@"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *"install ok installed"*) ;; *) missing+=("$p") ;; esac
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "installing missing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
