#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to the project's PublicAPI.Unshipped.txt.
# Usage: .ci/update-public-api.sh src/Crm.Engine.Abstractions
# Review the diff: each line added is a promise to plugin authors (see docs/api-compatibility.md).
set -euo pipefail
proj=${1:?project folder}
out=$(dotnet build "$proj" --no-incremental 2>&1 || true)
grep -oP "RS0016: Symbol '\K.*(?=' is not part of the declared public API)" <<<"$out" | sort -u >> "$proj/PublicAPI.Unshipped.txt" || true
{ head -n1 "$proj/PublicAPI.Unshipped.txt"; tail -n +2 "$proj/PublicAPI.Unshipped.txt" | sort -u; } > "$proj/PublicAPI.tmp" && mv "$proj/PublicAPI.tmp" "$proj/PublicAPI.Unshipped.txt"
echo "$(($(wc -l < "$proj/PublicAPI.Unshipped.txt") - 1)) symbols declared in $proj/PublicAPI.Unshipped.txt"
