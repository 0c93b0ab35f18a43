from mailer import sender, settings


class Flaky:
    def __init__(self, failures):
        self.failures, self.sent = failures, []

    def deliver(self, sender_address, to, body):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("try again")
        self.sent.append((to, body))
        return "ok"


def test_send_retries(monkeypatch):
    monkeypatch.setattr(settings, "BACKOFF_S", 0)
    t = Flaky(2)
    assert sender.send(t, "a@example.org", "Hello {who}", who="Ana") == "ok"
    assert t.sent == [("a@example.org", "Hello Ana")]
