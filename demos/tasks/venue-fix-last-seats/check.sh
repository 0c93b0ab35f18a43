grep -q "if seats > self.free:" venue.py && python -m pytest -q
