from app.registry import route


@route("/healthz")
def healthz(request):
    return {"ok": True}
