"""The workspace's JSON API (FastAPI): accounts and roles, scenarios and versions, what-if previews,
proposals, comments, notifications, optimiser jobs, downloads and the audit log (docs/workspace.md)."""
