#!/usr/bin/env bash
# Builds crm-ferretdb (main.go here) against FerretDB 1.24.2 with one fix of ours applied to the
# module's source in a scratch copy (nothing of FerretDB's is kept in this repository).
#
# The fix: FerretDB's SQLite backend creates the `_id` index on the expression
# `_ferretdb_sjson->"_id"` but pushes `{_id: <string or ObjectId>}` filters down as
# `_ferretdb_sjson->'$._id' = ?`. SQLite matches expression indexes by their text, so no lookup by
# `_id` ever used the index: every findOne, update, replace, upsert and delete by `_id` scanned
# the whole collection (37 ms per deleteOne at 5,000 documents; 280 ms at 20,000). Both spellings
# mean the same JSON path, so we make the query spell it as the index does.
#
# Usage: build.sh <output binary> <build tags> <scratch dir>
set -euo pipefail

out=$1
tags=$2
scratch=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
module=github.com/FerretDB/FerretDB
version=$(cd "$here" && go list -m -f '{{.Version}}' "$module")

rm -rf "$scratch"
mkdir -p "$scratch/build"
src=$(cd "$here" && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -d $src ]] || { echo "build.sh: $module@$version has no source directory" >&2; exit 1; }
cp -R "$src" "$scratch/ferretdb"
chmod -R u+w "$scratch/ferretdb"

metadata=$scratch/ferretdb/internal/backends/sqlite/metadata/metadata.go
before='IDColumn = DefaultColumn + "->'"'"'$._id'"'"'"'
after='IDColumn = DefaultColumn + "->'"'"'_id'"'"'"'
if [[ $(grep -cF "$before" "$metadata") != 1 ]]; then
  echo "build.sh: $module@$version no longer spells IDColumn as expected; review the fix" >&2
  exit 1
fi
sed -i "s/->'\\\$\\._id'/->'_id'/" "$metadata"
grep -qF "$after" "$metadata" || { echo "build.sh: the IDColumn fix did not apply" >&2; exit 1; }

cp "$here/main.go" "$here/go.mod" "$here/go.sum" "$scratch/build/"
cd "$scratch/build"
go mod edit -replace "$module=$scratch/ferretdb"
# -buildvcs=false: the repo may have no commits yet, and VCS stamping is of no use here.
go build -mod=mod -buildvcs=false -tags "$tags" -o "$out" .
