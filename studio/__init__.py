"""The policy staff's workspace: process library, incidents (and later drafts and deploys)."""
