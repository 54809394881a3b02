"""Demo data: a realistic Thai data set for trying the system and for screenshots."""
