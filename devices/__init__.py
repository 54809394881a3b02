"""Device types, devices, the scan page and problem reports from the public."""
