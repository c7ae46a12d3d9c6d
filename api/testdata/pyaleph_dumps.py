# pyaleph's add_json, src/aleph/storage.py + src/aleph/toolkit/json.py:
# aleph_json.dumps(json.loads(body)), orjson with sort keys, json.dumps as fallback.
import json, sys, orjson
body = sys.stdin.buffer.read()
v = json.loads(body)
try:
    out = orjson.dumps(v, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
except TypeError:
    out = json.dumps(v, sort_keys=True).encode()
sys.stdout.buffer.write(out)
