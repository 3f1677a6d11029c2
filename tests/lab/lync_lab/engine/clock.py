"""A virtual clock: Start-Sleep advances it, Get-Date and [datetime]::UtcNow read it, so waits in
payloads cost no real time and timeouts are deterministic."""

import datetime

EPOCH = datetime.datetime(2026, 1, 15, 9, 0, 0)


class VirtualClock:
    def __init__(self, start=EPOCH):
        self._now = start
        self.slept = 0.0

    def now(self):
        return self._now

    def sleep(self, seconds):
        self.slept += seconds
        self._now += datetime.timedelta(seconds=seconds)

    def advance(self, seconds):
        self._now += datetime.timedelta(seconds=seconds)
