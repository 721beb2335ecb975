#!/usr/bin/env bash
# A slim copy of an offline bundle, for a machine that takes few bytes (the device tool here takes
# 64 MiB with the checkout, which already holds the test fixtures and datasets, ~30 MiB of the
# bundle's 48): the payload without the files identical to the checkout's
# pipeline/src/test/resources and datasets, with their sha256 in slim.sha256. bench/gpu/check.sh
# puts them back from CHECK_CHECKOUT and checks them against that list (another commit's fixtures
# would test the wrong answers).
#
#   bench/gpu/slim-bundle.sh BUNDLE OUT_DIR      (the checkout: the one this script lies in, or COLLAPSE_CHECKOUT)
set -euo pipefail

if [ $# -ne 2 ] || [ ! -f "$1/payload.tar.xz" ]; then
  echo "usage: $0 BUNDLE OUT_DIR (BUNDLE: a folder that ./collapse bundle made, with payload.tar.xz)" >&2
  exit 2
fi
bundle="$(cd "$1" && pwd)"
out="$2"
checkout="$(cd "${COLLAPSE_CHECKOUT:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)"
resources="$checkout/pipeline/src/test/resources"
if [ ! -d "$resources" ] || [ ! -d "$checkout/datasets" ]; then
  echo "error: $checkout is not a collapse checkout (no pipeline/src/test/resources or datasets)" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
xz -dc "$bundle/payload.tar.xz" | tar -x -C "$work"
mkdir -p "$out"
left=0
: > "$out/slim.sha256"
while IFS= read -r -d '' f; do
  rel="${f#"$work/"}"
  if cmp -s "$f" "$resources/${rel#test/classes/}"; then
    (cd "$work" && sha256sum "$rel") >> "$out/slim.sha256"
    rm "$f"
    left=$((left + 1))
  fi
done < <(find "$work/test/classes" -type f -print0)
(cd "$work" && find datasets -type f -print0 | sort -z | xargs -0 -r sha256sum) >> "$out/slim.sha256"
rm -rf "$work/datasets"
cp -a "$bundle/collapse" "$bundle/run-tests" "$bundle/bench" "$out/"
tar -cf - -C "$work" . | xz -T0 -9 > "$out/payload.tar.xz"
echo "slim bundle $out: $(du -sh "$out" | cut -f1) ($left fixtures and datasets/ left to CHECK_CHECKOUT)"
