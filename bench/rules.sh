#!/usr/bin/env bash
# API-rule benchmark (issue #3): 100,000 posts owned by 1,000 users, a `permissions`
# collection referenced from users (the shape of PocketBase's own rules benchmark). Lists as an
# authenticated user through the rules `author = @request.auth.id` and the nested
# `author.permissions.active = true` (no extra index), with and without skipTotal.
# wrk -t1 -c10; target: every scenario under 50 ms p99. Writes bench/out/rules.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh "$@"
DURATION=${BENCH_DURATION:-10s}
PORT=18290
WORK=$(bench_workdir rules)
cleanup() { basalt_stop; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
apt_need wrk sqlite3 curl
need_basalt

start() { basalt_start "$WORK/data" "$PORT" "$WORK/log"; }
stop() { basalt_stop; }
api() {  # method path body
  curl -fsS -X "$1" -H 'Content-Type: application/json' -H "Authorization: $TOKEN" -d "$3" "http://127.0.0.1:$PORT$2"
}

"$BIN" superuser upsert bench@example.com benchpassword123 --dir "$WORK/data" >/dev/null
start
TOKEN=$(auth_token "http://127.0.0.1:$PORT" _superusers bench@example.com benchpassword123)
api POST /api/collections '{"name":"permissions","type":"base","listRule":"","viewRule":"",
  "fields":[{"name":"name","type":"text"},{"name":"active","type":"bool"}]}' >/dev/null
PERM_ID=$(api GET /api/collections/permissions '' | sed -E 's/^\{"id":"([^"]+)".*/\1/')
api PATCH /api/collections/users "{\"fields\":$(api GET /api/collections/users '' | sed -E 's/.*"fields":(\[.*\]),"indexes".*/\1/' | sed -E "s/\]$/,{\"name\":\"permissions\",\"type\":\"relation\",\"collectionId\":\"$PERM_ID\",\"maxSelect\":1}]/")}" >/dev/null
USERS_ID=_pb_users_auth_
for rule in own nested; do
  if [ $rule = own ]; then r='author = @request.auth.id'; else r='author.permissions.active = true'; fi
  api POST /api/collections "{\"name\":\"posts_$rule\",\"type\":\"base\",\"listRule\":\"$r\",\"viewRule\":\"$r\",
    \"fields\":[{\"name\":\"title\",\"type\":\"text\"},
                {\"name\":\"author\",\"type\":\"relation\",\"collectionId\":\"$USERS_ID\",\"maxSelect\":1},
                {\"name\":\"created\",\"type\":\"autodate\",\"onCreate\":true}],
    \"indexes\":[\"CREATE INDEX idx_posts_${rule}_author ON posts_$rule (author)\",
                 \"CREATE INDEX idx_posts_${rule}_created ON posts_$rule (created)\"]}" >/dev/null
done
# One known user to log in as; the other 999 and all posts are generated in SQL.
api POST /api/collections/users/records '{"email":"bench-user@example.com","password":"benchpassword123","passwordConfirm":"benchpassword123"}' >/dev/null
stop
sqlite3 "$WORK/data/data.db" <<'SQL'
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO permissions (id, name, active) SELECT printf('perm%011d', i), 'perm ' || i, i % 2 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
INSERT INTO users (id, email, emailVisibility, verified, password, tokenKey, permissions, created, updated)
SELECT printf('user%011d', i), 'u' || i || '@example.com', 0, 1, 'x', printf('tk%048d', i),
       printf('perm%011d', 1 + i % 100), '2024-01-01 00:00:00.000Z', '2024-01-01 00:00:00.000Z' FROM n;
UPDATE users SET permissions = 'perm00000000001' WHERE email = 'bench-user@example.com';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO posts_own (id, title, author, created)
SELECT printf('post%011d', i), 'Post ' || i,
       CASE WHEN i % 1000 = 0 THEN (SELECT id FROM users WHERE email = 'bench-user@example.com')
            ELSE printf('user%011d', 1 + i % 999) END,
       strftime('%Y-%m-%d %H:%M:%fZ', '2024-01-01', '+' || i || ' minutes') FROM n;
INSERT INTO posts_nested SELECT * FROM posts_own;
ANALYZE;
SQL
start
USER_TOKEN=$(auth_token "http://127.0.0.1:$PORT" users bench-user@example.com benchpassword123)
# Sanity: the own rule shows exactly the user's 100 posts; the nested rule every post whose
# author holds an active permission.
own_total=$(curl -fs -H "Authorization: $USER_TOKEN" "http://127.0.0.1:$PORT/api/collections/posts_own/records?perPage=1" | sed -E 's/.*"totalItems":([0-9]+).*/\1/')
nested_total=$(curl -fs -H "Authorization: $USER_TOKEN" "http://127.0.0.1:$PORT/api/collections/posts_nested/records?perPage=1" | sed -E 's/.*"totalItems":([0-9]+).*/\1/')
expected_nested=$(sqlite3 "$WORK/data/data.db" "SELECT count(*) FROM posts_nested p JOIN users u ON u.id = p.author JOIN permissions pm ON pm.id = u.permissions WHERE pm.active = 1")
[ "$own_total" = 100 ] || { echo "own rule returned $own_total posts, expected 100"; exit 1; }
[ "$nested_total" = "$expected_nested" ] || { echo "nested rule returned $nested_total, expected $expected_nested"; exit 1; }

run() {  # label query
  local rps p50 p99 errs
  IFS='|' read -r rps p50 p99 errs < <(wrk_run 10 "$DURATION" "http://127.0.0.1:$PORT$2" -H "Authorization: $USER_TOKEN")
  printf '| %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p99"
}
{
  echo "100,000 posts, 1,000 users, 100 permissions; wrk -t1 -c10 -d$DURATION; list 30 sorted by -created"
  echo "(own rule: $own_total visible posts; nested rule: $nested_total visible posts)"
  echo
  echo "| scenario | req/s | p50 | p99 |"
  echo "|---|---:|---:|---:|"
  run "author = @request.auth.id" "/api/collections/posts_own/records?sort=-created"
  run "author = @request.auth.id, skipTotal" "/api/collections/posts_own/records?sort=-created&skipTotal=1"
  run "author.permissions.active = true" "/api/collections/posts_nested/records?sort=-created"
  run "author.permissions.active = true, skipTotal" "/api/collections/posts_nested/records?sort=-created&skipTotal=1"
} | tee "$OUT/rules.md"
