#!/usr/bin/env bash
# Appends every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to the project's
# PublicAPI.Unshipped.txt, so that a deliberate API change is one command and a visible diff.
# Usage: .ci/update-public-api.sh src/TelemetryHosting
set -euo pipefail
project_dir=${1:?project directory}
unshipped="$project_dir/PublicAPI.Unshipped.txt"
dotnet build "$project_dir" --no-incremental 2>&1 \
  | grep -o "RS0016: Symbol '[^']*'" \
  | sed "s/^RS0016: Symbol '//; s/'$//" \
  | sort -u >> "$unshipped.new" || true
{ cat "$unshipped"; cat "$unshipped.new"; } | awk 'NR==1 || !seen[$0]++' > "$unshipped.tmp"
rm -f "$unshipped.new"
mv "$unshipped.tmp" "$unshipped"
echo "$(($(wc -l < "$unshipped") - 1)) entries in $unshipped"
