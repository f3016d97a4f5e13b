"""Sign-in for the admin workbench: modes, sessions, the failed-sign-in limit and HTTP routes."""
