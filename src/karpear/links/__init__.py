"""Link handling shared by every capability: canonical forms, never fetching."""
