"""wecsim."""
