from app.registry import route


@route("/api/accounts/me")
def current_account(request):
    return {"user": request.get("user")}


@route("/api/accounts/password", methods=("PUT",))
def change_password(request):
    return {"changed": True}
