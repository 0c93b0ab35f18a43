"""Seat bookings for events."""


class SoldOut(Exception):
    """Raised when an event has fewer free seats than requested."""


class Event:
    def __init__(self, name, capacity):
        self.name = name
        self.capacity = capacity
        self.booked = 0

    @property
    def free(self):
        return self.capacity - self.booked

    def book(self, seats):
        if seats <= 0:
            raise ValueError("seats must be positive")
        if seats > self.free:
            raise SoldOut(f"{self.name} has only {self.free} free seats")
        self.booked += seats
        return self.free

    def cancel(self, seats):
        if seats <= 0:
            raise ValueError("seats must be positive")
        if seats > self.booked:
            raise ValueError(f"only {self.booked} seats are booked")
        self.booked -= seats
        return self.free
