#!/bin/sh
# function-length.sh: no function in fcgi-app/ is longer than 80 lines (from
# its name to its closing brace), except the multipart parser's state machine,
# which reads best as one switch. Run by `make check`.
dir=${1:-${srcdir:-.}/fcgi-app}
max=80
awk -v max="$max" '
	FNR == 1 { start = 0; name = "" }
	/^[a-z].*[a-z_0-9]\(/ && !/;[ \t]*$/ && !/^(static )?(const )?struct [a-z_]+ [a-z_]+\[/ {
		start = FNR; name = $0; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
	}
	/^}/ && start > 0 {
		len = FNR - start + 1
		if (len > max && !(FILENAME ~ /multipart\.c$/ && name == "step")) {
			printf "%s: %s is %d lines (at most %d)\n", FILENAME, name, len, max
			bad = 1
		}
		start = 0
	}
	END { exit bad }
' "$dir"/*.c || { echo "function-length: functions over $max lines in $dir" >&2; exit 1; }
echo "function-length: every function in $dir is $max lines or fewer (the multipart state machine aside)"
