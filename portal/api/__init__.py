"""REST API plumbing shared by every app's endpoints: token auth, scopes, errors, idempotency."""
