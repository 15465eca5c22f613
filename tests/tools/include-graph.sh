#!/bin/sh
# include-graph.sh: fcgi-app/'s include graph between modules (x.c and x.h are
# module x) has no circle. tsort(1) names the modules of any loop it finds.
# Run by `make check`; by hand: sh tests/tools/include-graph.sh [fcgi-app dir]
dir=${1:-${srcdir:-.}/fcgi-app}
edges=$(for f in "$dir"/*.c "$dir"/*.h; do
	m=$(basename "$f"); m=${m%.*}
	echo "$m $m"
	sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" | while read -r to; do
		[ "$to" = "$m" ] || echo "$m $to"
	done
done)
if ! out=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null) || [ -n "$out" ]; then
	echo "include-graph: the includes of $dir form a circle:" >&2
	printf '%s\n' "$out" >&2
	exit 1
fi
echo "include-graph: $(printf '%s\n' "$edges" | awk '$1 != $2' | wc -l) includes between modules, no circle"
