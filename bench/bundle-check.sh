#!/usr/bin/env bash
# The offline bundle as a bare machine runs it: `env -i` (nothing of this shell, no JAVA_HOME) with
# a PATH of only the basic tools the launchers use, linked from /usr/bin:/bin — no mvn, no java —
# against a CPU libtorch named like `native build` prints it:
#
#   bench/bundle-check.sh BUNDLE_DIR PYTORCH_LIBRARY_PATH PYTORCH_VERSION [PACKAGE...]
#
# runs `collapse info` (and checks the libtorch it loaded), a smoke run, and the tests of the given
# packages (default io.collapse.model) through the bundle's JUnit console launcher.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 BUNDLE_DIR PYTORCH_LIBRARY_PATH PYTORCH_VERSION [PACKAGE...]" >&2
  exit 2
fi
bundle="$1" lib="$2" version="$3"
shift 3
packages=("$@")
if [ ${#packages[@]} -eq 0 ]; then
  packages=(io.collapse.model)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
for tool in bash env dirname basename mkdir mv rm tar xz grep cat; do
  ln -s "$(PATH=/usr/bin:/bin command -v "$tool")" "$work/bin/$tool"
done
bare=(env -i PATH="$work/bin" PYTORCH_LIBRARY_PATH="$lib" PYTORCH_VERSION="$version" PYTORCH_FLAVOR=cpu)
if "${bare[@]}" bash -c 'command -v mvn || command -v java' > /dev/null; then
  echo "error: mvn or java is on the bare PATH" >&2
  exit 2
fi

echo "== info"
"${bare[@]}" "$bundle/collapse" info | tee "$work/info.txt"
grep -q "^pytorch_version *$version" "$work/info.txt" || { echo "error: info shows no pytorch_version $version" >&2; exit 1; }

echo "== run smoke"
"${bare[@]}" "$bundle/collapse" run smoke --run-dir "$work/smoke" --no-progress --no-report
test -f "$work/smoke/state.json" || { echo "error: the smoke run left no $work/smoke/state.json" >&2; exit 1; }

echo "== tests: ${packages[*]}"
selects=()
for p in "${packages[@]}"; do
  selects+=(--select-package "$p")
done
"${bare[@]}" "$bundle/run-tests" --details=summary "${selects[@]}"
echo "bundle check passed"
