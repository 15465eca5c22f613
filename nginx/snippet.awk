# snippet.awk: cut a rendered queued.conf (nginx/render) into the parts an
# nginx that already has its own nginx.conf (Debian's) includes: PART=http,
# what goes in its http block (the maps, nchan's settings, the publisher's
# server), or PART=server, what goes in one of its server blocks (the site's
# settings and every location). Whatever the host's nginx.conf sets already
# (user, pid, logs, mime types, sendfile, temporary paths) is left out, and
# the site's settings move from http to server, where they may appear again
# without being a duplicate. Working from the rendered site, not a second
# template, keeps both forms of the site the same.

# Lines are kept per statement: comments wait for the statement they describe.
function emit(dest, text) {
	if (dest == PART) {
		for (i = 0; i < npending; i++) print pending[i]
		print text
	}
	npending = 0
}
function dedent(text, n) { return substr(text, n + 1) }

BEGIN { depth = 0; nserver = 0 }
{ line = $0 }
# The main server is the last one in http: counted on a first pass (NR == FNR).
NR == FNR { if (line ~ /^    server \{/) nserver++; next }
{
	opens = gsub(/\{/, "{", line); closes = gsub(/\}/, "}", line)
	stripped = line; sub(/^[ \t]+/, "", stripped)
	if (depth == 0) {
		if (line ~ /^http \{/) depth = 1
		next
	}
	if (depth == 1 && inmain == 0 && inblock == 0) {
		if (stripped == "") { npending = 0; depth += opens - closes; next }
		if (stripped ~ /^#/) { pending[npending++] = dedent(line, (PART == "server") ? 4 : 4); next }
		if (line ~ /^    server \{/ && ++seen == nserver) { inmain = 1; npending = 0; depth += opens - closes; next }
		if (stripped ~ /^(include|default_type|access_log|sendfile|[a-z_]+_temp_path) /) { npending = 0; next }
		if (stripped ~ /^(server_tokens|tcp_nodelay|keepalive_timeout|client_max_body_size|client_body_buffer_size|gzip[a-z_]*) /) {
			emit("server", dedent(line, 4)); next
		}
		if (stripped == "}") { depth = 0; next }
		emit("http", dedent(line, 4))
		if (opens > closes) inblock = 1
		depth += opens - closes
		next
	}
	if (inblock) {
		if (PART == "http") print dedent(line, 4)
		depth += opens - closes
		if (depth == 1) inblock = 0
		next
	}
	# Inside the main server: all but its listen lines.
	depth += opens - closes
	if (depth == 1) { inmain = 0; next }
	if (depth == 2 && stripped ~ /^listen /) { npending = 0; next }
	if (stripped ~ /^#/ && depth == 2) { pending[npending++] = dedent(line, 8); next }
	emit("server", dedent(line, 8))
}
