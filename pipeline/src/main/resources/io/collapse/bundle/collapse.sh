#!/usr/bin/env bash
# The bundle's launcher: the bundle's own Java runtime; libtorch is the machine's own, named by
# PYTORCH_LIBRARY_PATH, PYTORCH_VERSION and PYTORCH_FLAVOR (`collapse native build --torch DIR`
# prints them). The bundled datasets and the DJL JNI sources are found relative to this folder.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# First use: unpack payload.tar.xz in place (xz, else python3's tarfile). runtime/ moves in last,
# so its java marks a complete unpack; concurrent first uses each unpack and the first move wins.
unpack() {
  local tmp="$here/.unpacking.$$"
  if [ ! -f "$here/payload.tar.xz" ]; then
    echo "error: $here has neither runtime/bin/java nor payload.tar.xz (expected a collapse bundle)" >&2
    exit 2
  fi
  mkdir -p "$tmp"
  if command -v xz > /dev/null; then
    xz -dc "$here/payload.tar.xz" | tar -x -C "$tmp"
  else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' \
      "$here/payload.tar.xz" "$tmp"
  fi
  local entry
  for entry in "$tmp"/*; do
    if [ "$(basename "$entry")" != runtime ]; then
      mv "$entry" "$here/" 2> /dev/null || true
    fi
  done
  mv "$tmp/runtime" "$here/" 2> /dev/null || true
  rm -rf "$tmp"
}
if [ ! -x "$here/runtime/bin/java" ]; then
  unpack
fi
read -r -a java_opts <<< "${COLLAPSE_JAVA_OPTS:--Xmx8g}"
exec "$here/runtime/bin/java" "${java_opts[@]}" -Dcollapse.repo="$here" -jar "$here/collapse.jar" "$@"
