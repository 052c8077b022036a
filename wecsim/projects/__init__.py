"""Projects, the unit of investment: the technology catalog and the project pipeline."""
