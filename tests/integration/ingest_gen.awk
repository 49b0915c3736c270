# ingest_gen.awk -v n=N -v fmt=jsonl|csv [-v clean=1]: N records for tests/integration/ingest_accounting.sh
# and bench/run ingest; every 100th is invalid (10 kinds in turn) unless clean=1.
BEGIN {
    if (fmt == "csv") print "id,name,qty,price,day,ts,ok,score,tags"
    for (i = 1; i <= n; i++) {
        bad = (!clean && i % 100 == 0) ? int(i / 100) % 10 : -1
        id = i; name = "name-" i; qty = i % 1000; price = (i % 100000) / 100
        day = sprintf("2024-%02d-%02d", i % 12 + 1, i % 28 + 1)
        ts = day "T12:34:56.789Z"; ok = (i % 2) ? "true" : "false"; score = i / 8
        if (fmt == "csv") csv(i, bad); else js(i, bad)
    }
}
function js(i, bad,   s) {
    if (bad == 0) { print "{\"id\":" i ",\"name\":}"; return }
    if (bad == 1) name = "bad\377utf8"
    s = "{"
    if (bad != 2) s = s "\"id\":" (bad == 3 ? "null" : id) ","
    if (bad == 5) qty = "\"7\""
    if (bad == 6) qty = "1.5"
    if (bad == 7) qty = "3000000000"
    if (bad == 8) day = "2024-13-01"
    if (bad == 9) price = "1.234"
    s = s "\"name\":\"" name "\",\"qty\":" qty ",\"price\":" price ",\"day\":\"" day "\",\"ts\":\"" ts "\",\"ok\":" ok ",\"score\":" score ",\"tags\":[\"a\",\"t" (i % 7) "\"]"
    if (bad == 4) s = s ",\"bogus\":1"
    print s "}"
}
function csv(i, bad,   tags) {
    tags = "\"[\"\"a\"\",\"\"t" (i % 7) "\"\"]\""
    if (bad == 0) { print i ",x," qty; return }
    if (bad == 1) name = "bad\377utf8"
    if (bad == 2) name = "\"ab\"c"
    if (bad == 3) id = ""
    if (bad == 4) ok = "maybe"
    if (bad == 5) qty = "1.5"
    if (bad == 6) qty = "3000000000"
    if (bad == 7) day = "2024-02-30"
    if (bad == 8) price = "1.234"
    if (bad == 9) tags = "[x]"
    print id "," name "," qty "," price "," day "," ts "," ok "," score "," tags
}
