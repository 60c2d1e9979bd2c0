"""Content type models — see the content types issue."""
