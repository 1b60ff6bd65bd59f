#!/bin/sh
# sameoutput.sh [REV] shows that netlab as the working tree has it prints
# what netlab at REV (default main) prints, byte for byte: the help of
# netlab and of every command, and netlab table and netlab chart (with
# the default title and with one given) on every committed results file
# (chapters/*/results/*.json), each with its exit code. It is how a change
# that should alter none of them (a refactoring) is checked:
#   tools/netlab/sameoutput.sh main
# It prints "same" and exits 0, or prints the differences and exits 1.
set -eu
rev=${1:-main}
cd "$(git rev-parse --show-toplevel)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
git archive "$rev" go.mod go.sum internal tools/netlab | tar -x -C "$tmp/src"
(cd "$tmp/src" && go build -o "$tmp/base" ./tools/netlab/cmd/netlab)
go build -o "$tmp/new" ./tools/netlab/cmd/netlab
for v in base new; do
	nl=$tmp/$v out=$tmp/$v.out
	mkdir "$out"
	for c in "" time client table chart info serve trace idle load memory timewait compress stream pipeline loss; do
		{ "$nl" $c -h; echo "exit $?"; } >"$out/help-${c:-netlab}" 2>&1 || true
	done
	for f in chapters/*/results/*.json; do
		n=$(echo "$f" | tr / _)
		{ "$nl" table "$f"; echo "exit $?"; } >"$out/$n.table" 2>&1 || true
		{ "$nl" chart -o "$out/$n.svg" "$f"; echo "exit $?"; } >"$out/$n.chart" 2>&1 || true
		{ "$nl" chart -title 'A <title> & "quotes"' -o "$out/$n.titled.svg" "$f"; echo "exit $?"; } >"$out/$n.titled" 2>&1 || true
	done
done
if diff -r "$tmp/base.out" "$tmp/new.out"; then
	echo "same: $(ls "$tmp/new.out" | wc -l) outputs of netlab at $rev and in the working tree"
else
	exit 1
fi
