#!/usr/bin/env bash
# Reads clientele.events with kcat, a Kafka tool that knows nothing of
# Clientele, and checks that each message is a CloudEvent in binary mode with
# the event's JSON payload.
#   tests/scripts/kcat_cloudevents.sh PATH/TO/clientele
set -euo pipefail
bin=${1:?usage: kcat_cloudevents.sh PATH/TO/clientele}
for tool in kcat jq curl; do
  command -v "$tool" >/dev/null || { echo "kcat check: $tool is not installed (bash scripts/setup.sh)"; exit 1; }
done

dir=$(mktemp -d)
pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
# eventually SECONDS COMMAND...: runs COMMAND until it succeeds (returns 0 at
# once) or SECONDS have passed (returns 1).
eventually() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

"$bin" serve --data "$dir/hq" --listen 127.0.0.1:0 >"$dir/out" 2>&1 &
pid=$!
# Listening, or gone (then the check below says so).
started() { grep -q "listening on" "$dir/out" || ! kill -0 "$pid" 2>/dev/null; }
eventually 60 started || true
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$dir/out" | grep -o '[0-9]*$')
broker=$(grep -o 'embedded Kafka broker at [0-9.:]*' "$dir/out" | awk '{print $5}')
[[ -n "$port" && -n "$broker" ]] || { cat "$dir/out"; echo "kcat check: the node did not start"; exit 1; }
token=$(cat "$dir/hq/first-token")

customer=$(curl -sf -X POST "http://127.0.0.1:$port/v1/customers" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"first_name":"Ada","last_name":"Müller","email":"ada@example.com"}')
id=$(jq -r .id <<<"$customer")
curl -sf -X POST "http://127.0.0.1:$port/v1/customers/$id/purchases" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"tab_id":"T-1","amount":4250}' >/dev/null

# The customer's messages on the topic, as JSON lines (waits for at least 3:
# registered, purchase, points). HQ's enrolment of its own key is on the topic
# too, keyed "nodes", and the day's checkpoint of its log, keyed "audit".
messages=""
published() {
  messages=$(kcat -b "$broker" -C -t clientele.events -o beginning -e -J -q 2>/dev/null || true)
  messages=$(jq -c 'select(.key != "nodes" and .key != "audit")' <<<"$messages" 2>/dev/null || true)
  [[ $(grep -c . <<<"$messages") -ge 3 ]]
}
eventually 60 published || true
count=$(grep -c . <<<"$messages" || true)
[[ "$count" -ge 3 ]] || { echo "kcat check: expected 3 messages, read $count"; exit 1; }

fail=0
check() {  # check DESCRIPTION JQ-FILTER: the filter must be true for every message
  if ! jq -e -s "all(.[]; $2)" <<<"$messages" >/dev/null; then
    echo "kcat check: FAILED: $1"
    fail=1
  else
    echo "kcat check: ok: $1"
  fi
}
# kcat prints headers as [name, value, name, value, ...].
hdr='(.headers | [range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add)'
check "ce_specversion is 1.0" "$hdr.ce_specversion == \"1.0\""
check "ce_id is a UUID" "$hdr.ce_id | test(\"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$\")"
check "ce_type names the event" "$hdr.ce_type | test(\"^(customer|purchase|loyalty|credit|settings)\\\\.\")"
check "ce_source is /clientele/hq" "$hdr.ce_source == \"/clientele/hq\""
check "ce_time is RFC 3339 UTC" "$hdr.ce_time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$\")"
check "content-type is application/json" "$hdr[\"content-type\"] == \"application/json\""
check "ce_sequence numbers the event" "$hdr.ce_sequence | test(\"^[1-9][0-9]*$\")"
check "ce_signature is the proof of origin in base64" "$hdr.ce_signature | test(\"^[A-Za-z0-9+/]{100,}=*$\")"
check "the key is the customer id" ".key == \"$id\""
check "the payload is a JSON object" "(.payload | fromjson | type) == \"object\""
first=$(jq -s -c '[.[] | select(.headers | index("customer.registered"))][0]' <<<"$messages")
# The personal fields are sealed (OPERATIONS.md, Personal data): ids and code in clear,
# names and email only as ciphertext, the customer's key wrapped beside it.
jq -e '.payload | fromjson | .customer_id == "'"$id"'" and .code == "CUST-00001" and .first_name == null and (.sealed | type) == "string"' <<<"$first" >/dev/null \
  && echo "kcat check: ok: customer.registered carries the customer, its personal fields sealed" \
  || { echo "kcat check: FAILED: customer.registered payload: $first"; fail=1; }
if grep -q -e 'Müller' -e 'ada@example.com' <<<"$messages"; then
  echo "kcat check: FAILED: a personal field is in clear on the topic"; fail=1
else
  echo "kcat check: ok: no personal field in clear on the topic"
fi
jq -e -s '[.[] | select(.headers | index("purchase.recorded"))][0].payload | fromjson | .amount == 4250 and .tab_id == "T-1"' <<<"$messages" >/dev/null \
  && echo "kcat check: ok: purchase.recorded carries the amount in cents" \
  || { echo "kcat check: FAILED: purchase.recorded payload"; fail=1; }
echo "kcat check: $count messages read"
exit $fail
