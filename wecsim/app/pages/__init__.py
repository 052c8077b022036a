"""The app's pages, one module each, and the route table that ``app.py`` serves."""
