from urls import join_url


def test_join():
    assert join_url("https://api.example.com", "v1", "users") == "https://api.example.com/v1/users"


def test_join_slashes():
    assert join_url("https://api.example.com/", "/v1/", "/users") == "https://api.example.com/v1/users"


def test_join_numbers():
    assert join_url("https://api.example.com/v1", "users", 42) == "https://api.example.com/v1/users/42"
