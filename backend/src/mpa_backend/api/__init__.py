"""HTTP routers; each module composes one concern onto the app in main.py."""
