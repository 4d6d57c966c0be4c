"""Transfer policy: part planning, retries, the network model, bandwidth, schedules, the clock."""
