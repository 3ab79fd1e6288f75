# The Python SDK as an app uses it: one client, models.list(limit=1), no retries, a 10 s timeout.
# Prints one JSON line: {"actual": "works", "status": N} when an HTTP answer came (an API error with a
# status counts), {"actual": "fails", ...} on a connection, TLS or proxy error, or when the client could not
# even be made (a SOCKS proxy without the extra, an unreadable proxy URL). Usage: python-models.py BASE_URL
import json
import sys

base = sys.argv[1]


def chain(e):
    out, seen = [], set()
    while e is not None and id(e) not in seen and len(out) < 6:
        seen.add(id(e))
        out.append(f"{type(e).__module__}.{type(e).__name__}: {e}"[:400])
        e = e.__cause__ or e.__context__
    return out


def emit(**kw):
    print(json.dumps(kw))
    sys.exit(0)


try:
    import anthropic
except Exception as e:  # the venv itself is broken: not a runtime result
    emit(actual="broken", error=f"import anthropic: {e!r}")

stage = "construct"
try:
    client = anthropic.Anthropic(base_url=base, max_retries=0, timeout=10)
    stage = "request"
    client.models.list(limit=1)
    emit(actual="works", status=200, version=anthropic.__version__)
except anthropic.APIStatusError as e:
    emit(actual="works", status=e.status_code, version=anthropic.__version__)
except Exception as e:
    emit(actual="fails", stage=stage, error=f"{type(e).__name__}: {e}"[:400], chain=chain(e), version=anthropic.__version__)
