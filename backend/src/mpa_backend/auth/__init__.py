"""Sign-in (OIDC), sessions, access grants and the tiler access token."""
