from __future__ import annotations

from tickets.templatetags.tickets_tags import business_duration, duration, hours


def test_durations_read_like_an_agent_would_say_them():
    assert duration(None) == "—"
    assert duration(40) == "40 s"
    assert duration(12 * 60) == "12 min"
    assert duration(3 * 3600 + 5 * 60) == "3 h 05 min"
    assert duration(-(4 * 86400 + 3 * 3600)) == "4 d 3 h"
    # Business time never speaks of days: 29.5 business hours are not "1 d 5 h".
    assert business_duration(29.5 * 3600) == "29 h 30 min"
    assert business_duration(59) == "0 min"
    assert hours(5400) == "1.50"
