from app.registry import route


@route("/api/orders")
def list_orders(request):
    return {"orders": []}


@route("/api/orders", methods=("POST",))
def create_order(request):
    return {"created": True}


@route("/api/orders/<id>")
def show_order(request, id):
    return {"id": id}


@route("/api/orders/<id>", methods=("DELETE",))
def cancel_order(request, id):
    return {"cancelled": id}
