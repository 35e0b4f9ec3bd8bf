#!/usr/bin/env bash
# A bounded schemathesis pass against the live OpenAPI schema of a production-mode server
# (DJANGO_DEBUG=0, gunicorn, PostgreSQL, the demo county), once with the office's token and
# once with a liaison's. Fails on any 5xx; prints the operations and cases it ran.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PORT="${API_FUZZ_PORT:-8765}"
DB="livelihood_api_fuzz"
EXAMPLES="${API_FUZZ_EXAMPLES:-8}"

psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="api-fuzz-$(date +%s)-not-a-production-key"
export DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_LOG_LEVEL=WARNING
export CELERY_TASK_ALWAYS_EAGER=1

"$PY" manage.py migrate --noinput -v0
"$PY" manage.py seed_demo >/dev/null
"$PY" manage.py collectstatic --noinput -v0
tokens=$("$PY" manage.py issue_api_token office liaison-housing)
office_token=$(echo "$tokens" | sed -n 1p)
liaison_token=$(echo "$tokens" | sed -n 2p)

.venv/bin/gunicorn livelihood.wsgi -b "127.0.0.1:$PORT" --workers 2 --timeout 60 \
    --pid /tmp/api_fuzz_gunicorn.pid --error-logfile /tmp/api_fuzz_gunicorn.log --daemon
trap 'kill "$(cat /tmp/api_fuzz_gunicorn.pid)" 2>/dev/null || true' EXIT
for _ in $(seq 30); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 1; done

status=0
for who in office liaison; do
    token_var="${who}_token"
    echo "== schemathesis as $who: at most $EXAMPLES examples per operation, failing on any 5xx"
    set +e
    .venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/schema/" \
        --checks not_a_server_error \
        --header "Authorization: Token ${!token_var}" \
        --max-examples "$EXAMPLES" \
        --generation-deterministic \
        --request-timeout 30 \
        --no-color >"/tmp/api_fuzz_$who.log" 2>&1
    code=$?
    set -e
    # The operations and cases it ran, and what it found.
    grep -A3 -E "^API Operations:" "/tmp/api_fuzz_$who.log" | grep -E "Selected|Tested" || true
    grep -A1 -E "^Test cases:" "/tmp/api_fuzz_$who.log" | tail -1
    if [ "$code" -ne 0 ]; then
        echo "schemathesis as $who exited $code (a 5xx or a broken run):"
        sed -n '/= FAILURES =/,/= WARNINGS =/p' "/tmp/api_fuzz_$who.log" | head -60
        status=1
    fi
done
exit "$status"
