"""The chat layer every front end shares: the session factory (:mod:`.factory`), the ``/``
commands (:mod:`.commands`) and what each outcome means to a person (:mod:`.outcomes`).
Driving a turn is :mod:`agent.driver`, beside the session (batch and eval use it too)."""
