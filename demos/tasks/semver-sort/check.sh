python -m pytest -q && python -c 'from version import sort_versions as s; assert s(["2.0.0", "10.0.0", "v2.0.1"]) == ["10.0.0", "v2.0.1", "2.0.0"]'
