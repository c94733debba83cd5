"""Apprise: one-way outputs (ntfy, Slack, Matrix, e-mail, JSON …) declared in the settings."""
