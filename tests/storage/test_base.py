"""Sniffing, hashing and keys: the pure parts of the evidence store."""

from __future__ import annotations

import hashlib
import pickle

import pytest

from storage.base import RejectedFile, hash_stream, is_key, key_for, sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.4\n%\xe2\xe3", "application/pdf"),
        (b"\xff\xd8\xff\xdb\x00C", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
        (b"\x7fELF\x02\x01\x01\x00", None),
        (b"PK\x03\x04\x14\x00\x06\x00", None),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),
        (b"<html><body>%PDF-", None),
        (b"\x89PNG\r\n", None),
        (b"%PDF", None),
        (b"", None),
    ],
)
def test_it_sniffs_the_type_from_magic_bytes_only(head, expected):
    assert sniff(head) == expected


def test_it_hashes_a_stream_of_chunks():
    chunks = [b"abc", b"", b"def" * 1000]

    assert hash_stream(iter(chunks)) == (
        hashlib.sha256(b"".join(chunks)).hexdigest(),
        3003,
    )


def test_it_builds_and_recognises_content_addressed_keys():
    digest = hashlib.sha256(b"x").hexdigest()

    assert key_for(digest) == f"sha256/{digest[:2]}/{digest}"
    assert is_key(key_for(digest))
    assert not is_key(f"sha256/00/{digest}")
    assert not is_key(f"sha256/{digest[:2]}/{digest.upper()}")
    with pytest.raises(ValueError):
        key_for("../etc")


def test_it_keeps_rejections_readable_and_picklable():
    rejection = RejectedFile("The file is empty.", "empty")

    copy = pickle.loads(pickle.dumps(rejection))

    assert (str(copy), copy.code) == ("The file is empty.", "empty")
