for h in current_account change_password list_orders create_order cancel_order show_order healthz; do grep -q "$h" ROUTES.md || exit 1; done; [ "$(grep -c "^| [A-Z]* |" ROUTES.md)" = 7 ]
