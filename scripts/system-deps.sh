#!/usr/bin/env bash
# Debian packages jiuzhu needs beyond Python: a CJK font for PDF documents (WeasyPrint).
set -euo pipefail
need=()
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK\|Noto Serif CJK' || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "please install: ${need[*]} (sudo apt-get install ${need[*]})" >&2
fi
