"""bench/upload.py at a tiny size: both paths upload through fresh processes to the tests' S3
server and every figure is there (the full run is 5, 20 and 50 MiB, by hand)."""

from __future__ import annotations

from bench.upload import run


def test_it_measures_both_paths_at_a_tiny_size(s3_server):
    size = 256 * 1024

    [row] = run(s3_server, [size], repeat=1)

    assert (row["size_mib"], row["runs"]) == (0.25, 1)
    for path in ("raw", "doudi"):
        for figure in ("total_mib_s", "cpu_s", "rss_mib", "traced_mib"):
            assert set(row[path][figure]) == {"min", "median"}
        assert row[path]["total_mib_s"]["min"] > 0
    assert row["doudi"]["put_mib_s"]["median"] > 0
    assert row["ratio_total"] > 0 and row["ratio_put"] > 0
    # It drops the bucket it made.
    assert all(not bucket.name.startswith("bench-") for bucket in s3_server.client().list_buckets())
