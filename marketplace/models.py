"""Marketplace models (listings, acquisitions, reports) — see the marketplace issues."""
