"""Host memory of the file-store listing payloads (issue 12, "Large stores"; docs/performance.md): run by hand,
prints a table, no timed assertion.

    PYTHONPATH=tests/lab python tests/bench/listing_bench.py [10000 100000 500000]   (from the checkout, the lab's
    environment as docs/testing.md runs the lab tests; 500,000 files take a few GB of small files in the temp
    folder and a long while: the engine interprets the payload line by line)

For each file count it seeds a lab, writes a store's copy laid out as a Lync file store is (files under
1-WebServices-1/CollabContent/<group of 1,000>/<conference folder>/, two files a folder) and runs
lync_file_listing_write through the lab's PowerShell engine, printing:

* entries held at once: the most FileInfo/DirectoryInfo objects alive at the same time during the run
  (boundary/fs.LIVE_PEAK), the host-side figure that grew with the store when the payload held every entry
  (Get-ChildItem -Recurse into a variable): then it was at least the file count;
* the Python-side peak memory of the emulated run (tracemalloc), which includes the engine's own structures and the
  lab's emulation, so only its growth with the file count means anything;
* the listing's size, as a check that every file was listed.
"""

import pathlib
import sys
import tempfile
import tracemalloc

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "lab"))

from lync_lab import seed, winps  # noqa: E402 pylint: disable=wrong-import-position
from lync_lab.boundary import fs  # noqa: E402 pylint: disable=wrong-import-position

BACKUP = "backup01.contoso.local"
STORE = "D:\\LyncBackup\\lync-20260115T090000Z-a1b2c3\\filestores\\fs01.contoso.local_lyncshare"
LISTING = "D:\\LyncBackup\\lync-20260115T090000Z-a1b2c3\\listings\\fs01.contoso.local_lyncshare.tsv"


def real(lab, winpath):
    return lab.host_root(BACKUP) / winpath[0] / winpath[3:].replace("\\", "/")


def name(n):
    return "1-WebServices-1/CollabContent/%03d/%06d/content-%d.dat" % (n // 2000, n // 2, n % 2)


def measure(count):
    lab = seed.seed("standard", pathlib.Path(tempfile.mkdtemp(prefix="listing-bench-")) / "lab", "lync2013")
    store = real(lab, STORE)
    for n in range(count):
        target = store / name(n)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"%d" % n)
    args = {"script": winps.payload_text("lync_file_listing_write"), "depth": 12,
            "parameters": {"Path": "\\\\?\\" + STORE, "ListingPath": "\\\\?\\" + LISTING}}
    fs.reset_live_peak()
    tracemalloc.start()
    result = winps.run(args, False, str(lab.state_path), BACKUP, [])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if result.get("failed"):
        raise SystemExit("lync_file_listing_write failed: %s" % result.get("error"))
    value = result["result"]
    assert value["Files"] == count, value
    return fs.LIVE_PEAK[0], peak, value["Bytes"]


def main(counts):
    print("| files | entries held at once (before: at least the file count) | Python-side peak of the emulated run | listing |")
    print("|---|---|---|---|")
    for count in counts:
        held, peak, size = measure(count)
        print("| %d | %d | %.1f MiB | %.1f MiB |" % (count, held, peak / 2 ** 20, size / 2 ** 20), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10000, 100000, 500000])
