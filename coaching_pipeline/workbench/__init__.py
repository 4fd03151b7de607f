"""The coaching workbench: the web app where managers decide, reps read their dashboard and
SLMs follow escalations (workbench contract). `app.create_app` builds it; `coaching serve`
runs it."""
