"""Processes that run on an active case of any kind: exit (termination) and periodic review.

Each module here is imported at start (see assistance.kinds.discover) and registers what it
needs: its outcome handler (assistance.projections), script helpers, policy parameters.
"""
