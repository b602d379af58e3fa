#!/usr/bin/env bash
# Debian packages jiuzhu needs beyond Python, for PDF documents (WeasyPrint): a CJK font,
# and HarfBuzz's subsetter (without it WeasyPrint falls back to a font subsetter 40x slower);
# Debian's Chromium for the browser tests of the staff console and the web chat (Playwright
# drives it), with a colour emoji font: the dialogue's ✅ would otherwise show as boxes.
set -euo pipefail
need=()
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK\|Noto Serif CJK' || need+=(fonts-noto-cjk)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || need+=(libharfbuzz-subset0)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi 'Noto Color Emoji' || need+=(fonts-noto-color-emoji)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "please install: ${need[*]} (sudo apt-get install ${need[*]})" >&2
fi
