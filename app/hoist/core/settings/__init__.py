"""Settings: accounts, secrets, preferences, presets, the transfer config and the data directory."""
