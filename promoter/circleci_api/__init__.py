"""CircleCI's API v2, as promoter asks it who approved the job it runs in: settings from the
environment (settings.py), the HTTP layer (http.py), the answers' shapes and the workflow graph
(jobs.py), and the lookup itself (approvers.py)."""
