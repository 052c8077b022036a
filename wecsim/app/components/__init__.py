"""Reusable pieces of the app's pages: lever controls, headline cards, charts, the tile map."""
