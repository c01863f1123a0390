"""The evidence store: scans kept content-addressed in MinIO or a local folder.

The contract is in `storage.base` (`get_store()`, `EvidenceStore`, `StoredObject`, `RejectedFile`,
`StoreUnavailable`); integrity checks are in `storage.verify`.
"""
