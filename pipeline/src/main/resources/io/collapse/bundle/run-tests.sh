#!/usr/bin/env bash
# The test suite without Maven: JUnit's console launcher on the bundle's runtime, as surefire runs it
# (offline, 4 GiB heap). COLLAPSE_TEST_DEVICE=cpu|gpu is -Dcollapse.test.device (cpu by default).
# Arguments go to the launcher; none: every test class
# (e.g. ./run-tests --select-package io.collapse.model --reports-dir OUT).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -x "$here/runtime/bin/java" ]; then
  "$here/collapse" --version > /dev/null  # unpacks the payload on first use
fi
cp="$here/test/classes:$here/collapse.jar"
for jar in "$here"/lib/*.jar; do
  cp="$cp:$jar"
done
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  args=(--scan-class-path "$here/test/classes")
fi
cd "$here/test"  # tests read fixtures as src/test/resources/..., relative to the module folder
exec "$here/runtime/bin/java" -Xmx4g -Dai.djl.offline=true -Dcollapse.offline=true -Dcollapse.repo="$here" \
  -Dcollapse.test.device="${COLLAPSE_TEST_DEVICE:-cpu}" \
  -jar "$here/test/junit-platform-console-standalone.jar" execute --disable-banner --class-path "$cp" "${args[@]}"
